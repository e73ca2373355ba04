"""Parse a large export file in a second process while the load plans the records already parsed.

A load does two kinds of work per record: parsing it (the format's parser)
and checking, matching and planning it (:mod:`kb.load`).  On a machine with
two cores the two can overlap: :func:`parse_in_background` forks a child
that runs the parser and sends the records through a pipe in batches; the
main process consumes them as they arrive.  The child writes nothing but the
pipe, so it cannot touch ``data/``; if the main process dies, the child's
next write to the pipe fails and it exits.

Records and problems come out exactly as the parser yields them, in order;
an exception the parser raises (such as :class:`FileRejected` for a
malformed file) is raised again in the main process after the records
before it.  Where ``fork`` is not available the parser simply runs in the
main process.
"""

from __future__ import annotations

import multiprocessing
import pickle
import signal
import traceback
from typing import Callable, Iterable, Iterator

from kb.loaders.records import ParsedRecord

BACKGROUND_BYTES = 1 << 20
"""Files at least this large are parsed in the background; below it a second process costs more than it saves."""

BATCH = 256
"""Records per message: large enough that pickling is efficient, small enough to keep both processes busy."""

REAP_SECONDS = 10.0
"""How long to wait for a parser process whose pipe has closed to be reaped, before its exit status is read."""


def parse_in_background(parse: Callable[[], Iterable[ParsedRecord]]) -> Iterator[ParsedRecord]:
    """The records ``parse()`` yields, produced by a forked child process."""
    if "fork" not in multiprocessing.get_all_start_methods():
        yield from parse()
        return
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_produce, args=(parse, receiver, sender), name="kb-parser", daemon=True)
    child.start()
    sender.close()
    try:
        while True:
            try:
                kind, payload = pickle.loads(receiver.recv_bytes())
            except EOFError:
                raise RuntimeError(f"the parser process ended without finishing ({_exit_status(child)})") from None
            if kind == "records":
                yield from payload
            elif kind == "error":
                raise payload
            else:
                return
    finally:
        receiver.close()
        if child.is_alive():
            child.terminate()
        child.join()


def _exit_status(child) -> str:
    """How ``child`` ended, once it has been reaped: its pipe closes a moment before the process is gone,
    and ``exitcode`` is None until then."""
    child.join(REAP_SECONDS)
    if child.exitcode is None:
        return f"still running {REAP_SECONDS:g} s after closing its pipe"
    if child.exitcode < 0:
        return f"killed by signal {-child.exitcode}"
    return f"exit code {child.exitcode}"


def _produce(parse: Callable[[], Iterable[ParsedRecord]], receiver, sender) -> None:
    """In the child: parse, send batches of records, then ('done', None) or ('error', exception)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle; it stops the child
    receiver.close()  # else the pipe keeps a reader after the main process dies, and a send blocks forever
    def send(message) -> None:
        sender.send_bytes(pickle.dumps(message, pickle.HIGHEST_PROTOCOL))

    batch = []
    try:
        try:
            for record in parse():
                batch.append(record)
                if len(batch) == BATCH:
                    send(("records", batch))
                    batch = []
            outcome = ("done", None)
        except (BrokenPipeError, ConnectionResetError):
            raise
        except Exception as error:  # noqa: BLE001 - every parser error goes back to the main process
            outcome = ("error", error)
            try:
                pickle.dumps(error)
            except Exception:  # noqa: BLE001 - an error that cannot travel is sent as its traceback
                outcome = ("error", RuntimeError("".join(traceback.format_exception(error))))
        send(("records", batch))  # the records before an error count too
        send(outcome)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the main process is gone
    finally:
        sender.close()
