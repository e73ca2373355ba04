"""Datasette plugin: how the site answers many readers and hostile requests (see kb.page_cache, kb.request_limits).

Thin on purpose: the middleware lives in :mod:`kb.page_cache` and :mod:`kb.request_limits`.
"""

from pathlib import Path

from datasette import hookimpl

from kb.build import built_fingerprint
from kb.page_cache import CachingApp
from kb.request_limits import PostGuard


def served_fingerprint(datasette) -> str | None:
    """The build fingerprint of what ``datasette`` serves, or None when a page could change without a new build
    (a mutable or in-memory database, or one that is not a kb build)."""
    databases = [db for name, db in datasette.databases.items() if name != "_internal"]
    if not databases or any(db.is_mutable or db.path is None for db in databases):
        return None
    fingerprints = [built_fingerprint(Path(db.path)) for db in databases]
    return None if None in fingerprints else "+".join(fingerprints)


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        guarded = PostGuard(app)
        fingerprint = served_fingerprint(datasette)
        return CachingApp(guarded, fingerprint) if fingerprint else guarded

    return wrap
