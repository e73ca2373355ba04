"""Serve the knowledge base with Datasette, always from the latest build.

:func:`make_datasette` is the one place the Datasette instance is
configured (database opened immutable, ``metadata.json``, settings,
templates, plugins, static files); ``kb serve`` and the tests both use it.

A build (``kb build``, ``kb load``) renames a new ``kb.db`` over the old one
while the server runs.  Datasette opens a database once per worker thread
and would go on reading the old, deleted file; :class:`BuildFile` and
:func:`follow_latest_build` make every request see the file now at the path
instead, without a restart and without failing a request already running.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
from pathlib import Path

from datasette.app import Datasette
from datasette.database import Database, connections

from kb.metadata import DATABASE, METADATA_PATH, SETTINGS

WEB_DIR = Path(__file__).resolve().parent
PACKAGE_DIR = WEB_DIR.parent
TEMPLATES_DIR = WEB_DIR / "templates"
PLUGINS_DIR = WEB_DIR / "plugins"
STATIC_DIR = WEB_DIR / "static"


def load_metadata(db_path: Path, metadata_path: Path = METADATA_PATH) -> dict:
    """``metadata.json``, keyed by the name Datasette gives ``db_path`` (its file stem)."""
    metadata = json.loads(Path(metadata_path).read_text(encoding="utf-8"))
    name = Path(db_path).stem
    if name != DATABASE:
        metadata["databases"] = {name: metadata["databases"][DATABASE]}
    return metadata


def file_identity(path: Path) -> tuple[int, int, int, int]:
    """What changes when a build renames a new file over ``path``: device, inode, size, modification time."""
    stat = os.stat(path)
    return stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns


class BuildFile(Database):
    """The knowledge base, opened immutable, from a file that a build may replace at any time.

    Datasette keeps one connection per worker thread under the database's
    name; an immutable connection keeps reading the file it opened, even
    after a build has renamed a new one over it.  Here each thread's
    connection is keyed by the file it was opened on: once a newer
    :class:`BuildFile` serves the path, a thread opens the new file on its
    next query and closes the old one, while a request already running on
    this object finishes without error.
    """

    def __init__(self, ds: Datasette, path: Path):
        super().__init__(ds, path=str(path), is_mutable=False)
        self.identity = file_identity(path)

    def replaced(self) -> bool:
        """True when the file at the path is no longer the one this object was opened on."""
        try:
            return file_identity(self.path) != self.identity
        except FileNotFoundError:  # never between builds (they rename), but keep serving what is open
            return False

    @property
    def _connection_key(self) -> str:
        return f"{self.name}@{':'.join(map(str, self.identity))}"

    async def execute_fn(self, fn):
        if self.ds.executor is None:  # one connection per object: a newer object opens its own
            return await super().execute_fn(fn)
        key, prefix = self._connection_key, f"{self.name}@"

        def in_thread():
            conn = getattr(connections, key, None)
            if conn is None:
                for stale in [k for k in vars(connections) if k.startswith(prefix)]:
                    getattr(connections, stale).close()
                    delattr(connections, stale)
                conn = self.connect()
                self.ds._prepare_connection(conn, self.name)
                setattr(connections, key, conn)
            return fn(conn)

        return await asyncio.get_running_loop().run_in_executor(self.ds.executor, in_thread)


def serve_file(datasette: Datasette, name: str, path: Path) -> None:
    """Serve ``path`` as database ``name`` (in its place and under its route) through a new :class:`BuildFile`."""
    live = BuildFile(datasette, path)
    live.name, live.route = name, datasette.databases[name].route
    datasette.databases = {**datasette.databases, name: live}  # a new dict, as Datasette's add_database does: never mutate


async def serve_latest_build(datasette: Datasette) -> None:
    """Swap in a new :class:`BuildFile` for every database whose file a build has replaced.

    The new object takes the old one's name and place; Datasette's schema
    tables for it are refreshed on the next request.
    """
    for name, db in datasette.databases.items():
        if isinstance(db, BuildFile) and db.replaced():
            serve_file(datasette, name, Path(db.path))
            await datasette.databases["_internal"].execute_write("DELETE FROM databases WHERE database_name = ?", [name])


def follow_latest_build(datasette: Datasette):
    """An ASGI wrapper (Datasette's ``asgi_wrapper`` hook) checking for a new build before each request.

    One ``stat`` of the database file per request: a study a load has just
    added is found on the very next page view.
    """

    def wrap(app):
        async def latest_build_app(scope, receive, send):
            if scope["type"] == "http":
                await serve_latest_build(datasette)
            await app(scope, receive, send)

        return latest_build_app

    return wrap


def make_datasette(db_path: Path, metadata_path: Path = METADATA_PATH) -> Datasette:
    """A Datasette serving ``db_path`` read-only (immutable) with the knowledge base's pages, following new builds."""
    datasette = Datasette(
        immutables=[str(db_path)],
        metadata=load_metadata(db_path, metadata_path),
        settings=SETTINGS,
        template_dir=str(TEMPLATES_DIR),
        plugins_dir=str(PLUGINS_DIR),
        static_mounts=[("static", str(STATIC_DIR))],
    )
    serve_file(datasette, Path(db_path).stem, Path(db_path))
    return datasette


def event_loop_factory():
    """uvloop's event loop where it is installed (not on Windows): with httptools, it serves pages about three
    times as fast as the standard loop and h11 (docs/performance.md)."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def run_server(db_path: Path, host: str = "127.0.0.1", port: int = 8001) -> None:
    """Start Datasette on ``host:port`` until interrupted."""
    import uvicorn

    datasette = make_datasette(db_path)

    async def main() -> None:
        await datasette.invoke_startup()
        # Everything allocated so far lives as long as the server: take it out of the garbage
        # collector's generations, whose full passes otherwise add 50-80 ms to one request in twenty.
        gc.freeze()
        config = uvicorn.Config(datasette.app(), host=host, port=port, log_level="warning")
        await uvicorn.Server(config).serve()

    with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
        runner.run(main())
