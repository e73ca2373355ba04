"""Datasette plugin: how the site answers many readers and hostile requests (see kb.web.page_cache, kb.web.request_limits).

Thin on purpose: the middleware lives in :mod:`kb.web.page_cache` and :mod:`kb.web.request_limits`.
"""

import os
from pathlib import Path

from datasette import hookimpl

from kb.build import built_fingerprint
from kb.web.page_cache import CachingApp
from kb.web.request_limits import PostGuard


def served_fingerprint(datasette) -> str | None:
    """The build fingerprint of what ``datasette`` serves, or None when a page could change without a new build
    (a mutable or in-memory database, or one that is not a kb build)."""
    databases = [db for name, db in datasette.databases.items() if name != "_internal"]
    if not databases or any(db.is_mutable or db.path is None for db in databases):
        return None
    fingerprints = [file_fingerprint(Path(db.path)) for db in databases]
    return None if None in fingerprints else "+".join(fingerprints)


_FINGERPRINTS: dict[tuple, str | None] = {}


def file_fingerprint(path: Path) -> str | None:
    """The build fingerprint of the database file now at ``path``: read once per file (a new build is a new file,
    renamed into place), then found again from one ``stat``, so it can be asked at every request."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    key = (str(path), stat.st_ino, stat.st_mtime_ns, stat.st_size)
    if key not in _FINGERPRINTS:
        _FINGERPRINTS[key] = built_fingerprint(path)
    return _FINGERPRINTS[key]


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        guarded = PostGuard(app)
        return CachingApp(guarded, lambda: served_fingerprint(datasette))

    return wrap
