"""Serve the knowledge base with Datasette.

:func:`make_datasette` is the one place the Datasette instance is
configured (database opened immutable, ``metadata.json``, settings,
templates, plugins, static files); ``kb serve`` and the tests both use it.
"""

from __future__ import annotations

import asyncio
import gc
import json
from pathlib import Path

from datasette.app import Datasette

from kb.publish import DATABASE, METADATA_PATH, SETTINGS

PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = PACKAGE_DIR / "templates"
PLUGINS_DIR = PACKAGE_DIR / "plugins"
STATIC_DIR = PACKAGE_DIR / "static"


def load_metadata(db_path: Path, metadata_path: Path = METADATA_PATH) -> dict:
    """``metadata.json``, keyed by the name Datasette gives ``db_path`` (its file stem)."""
    metadata = json.loads(Path(metadata_path).read_text(encoding="utf-8"))
    name = Path(db_path).stem
    if name != DATABASE:
        metadata["databases"] = {name: metadata["databases"][DATABASE]}
    return metadata


def make_datasette(db_path: Path, metadata_path: Path = METADATA_PATH) -> Datasette:
    """A Datasette serving ``db_path`` read-only (immutable) with the knowledge base's pages."""
    return Datasette(
        immutables=[str(db_path)],
        metadata=load_metadata(db_path, metadata_path),
        settings=SETTINGS,
        template_dir=str(TEMPLATES_DIR),
        plugins_dir=str(PLUGINS_DIR),
        static_mounts=[("static", str(STATIC_DIR))],
    )


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
