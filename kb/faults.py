"""Failpoints: let tests kill a real process (SIGKILL) at a named point of a write.

Set ``KB_FAILPOINT=<name>`` in a subprocess's environment; when execution
reaches :func:`failpoint` with that name the process kills itself, exactly
as ``kill -9`` would.  Unset, a failpoint costs one dictionary lookup.
"""

import os
import signal


def failpoint(name: str) -> None:
    if os.environ.get("KB_FAILPOINT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
