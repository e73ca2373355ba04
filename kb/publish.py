"""``kb publish DIR``: a deployable site, the folder a container serves read-only.

The bundle is what ``datasette package`` would build, with the knowledge
base's pages included::

    kb.db              the database built from data/, served immutable
    inspect.json       ``datasette inspect`` of it (table counts known without scanning)
    metadata.json      descriptions, facets, canned queries (kb/metadata.py)
    templates/ plugins/ static/   the reviewer's pages (copied from the kb package)
    kb/                the kb package the plugins import (on PYTHONPATH)
    requirements.txt   every distribution the package needs, at the exact version installed here
    Dockerfile         installs the requirements and runs :func:`serve_command`

Every replica serves the same immutable file; nothing is written at run time,
so replicas are stateless and a new release is rolled out by replacing the
bundle (docs/deploying.md).
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from kb.build import build
from kb.datafiles import DEFAULT_DATA_DIR
from kb.metadata import DATABASE, SETTINGS, metadata_json
from kb.web.serve import PACKAGE_DIR, PLUGINS_DIR, STATIC_DIR, TEMPLATES_DIR

PYPROJECT = PACKAGE_DIR.parent / "pyproject.toml"
PORT = 8001


class PublishError(Exception):
    """The bundle cannot be made (message says why); nothing was written."""


def serve_command(host: str = "0.0.0.0", port: int = PORT) -> list[str]:
    """The ``datasette serve`` command line the container runs, from the bundle's folder."""
    command = ["datasette", "serve", "--host", host, "--port", str(port), "-i", f"{DATABASE}.db",
               "--inspect-file", "inspect.json", "--metadata", "metadata.json", "--template-dir", "templates",
               "--plugins-dir", "plugins", "--static", "static:static"]
    for name, value in SETTINGS.items():
        command += ["--setting", name, json.dumps(value) if isinstance(value, bool) else str(value)]
    return command


def pinned_requirements(pyproject: Path = PYPROJECT) -> list[str]:
    """``name==version`` for the project's runtime dependencies and everything they need, as installed here."""
    wanted = [Requirement(r) for r in tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["dependencies"]]
    pins: dict[str, str] = {}
    while wanted:
        requirement = wanted.pop()
        name = canonicalize_name(requirement.name)
        if name in pins:
            continue
        try:
            distribution = importlib.metadata.distribution(requirement.name)
        except importlib.metadata.PackageNotFoundError:
            raise PublishError(f"{requirement.name} is required but not installed; pip install -e . first") from None
        pins[name] = distribution.version
        for text in distribution.requires or []:
            dependency = Requirement(text)
            if dependency.marker is None or dependency.marker.evaluate({"extra": ""}):
                wanted.append(dependency)
    return [f"{name}=={version}" for name, version in sorted(pins.items())]


def dockerfile() -> str:
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    return "\n".join([
        f"# The knowledge base, served read-only by Datasette (built by `kb publish`).",
        f"FROM python:{python}-slim",
        "WORKDIR /app",
        "COPY requirements.txt .",
        "RUN pip install --no-cache-dir -r requirements.txt",
        "COPY . .",
        "ENV PYTHONPATH=/app",
        "RUN useradd --no-create-home kb && chmod -R a-w /app",
        "USER kb",
        f"EXPOSE {PORT}",
        f"CMD {json.dumps(serve_command())}",
        "",
    ])


def inspect(folder: Path) -> None:
    """inspect.json, written by ``datasette inspect`` itself."""
    subprocess.run([sys.executable, "-m", "datasette", "inspect", f"{DATABASE}.db", "--inspect-file", "inspect.json"],
                   cwd=folder, check=True, capture_output=True)


def write_bundle(folder: Path, data_dir: Path) -> None:
    build(data_dir, folder / f"{DATABASE}.db")
    inspect(folder)
    (folder / "metadata.json").write_text(metadata_json(), encoding="utf-8")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for source in (TEMPLATES_DIR, PLUGINS_DIR, STATIC_DIR):
        shutil.copytree(source, folder / source.name, ignore=ignore)
    shutil.copytree(PACKAGE_DIR, folder / "kb", ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "templates", "plugins", "static"))
    (folder / "requirements.txt").write_text("\n".join(pinned_requirements()) + "\n", encoding="utf-8")
    (folder / "Dockerfile").write_text(dockerfile(), encoding="utf-8")


def publish(folder: Path, data_dir: Path = DEFAULT_DATA_DIR) -> Path:
    """Write the deployable bundle of ``data_dir`` into ``folder`` (which must not exist yet).

    Raises :class:`PublishError` (or :class:`kb.validate.ValidationError`); nothing is left behind then.
    """
    folder = Path(folder)
    if folder.exists():
        raise PublishError(f"{folder} already exists; publish into a new folder")
    temporary = folder.with_name(f".{folder.name}.tmp-{os.getpid()}")
    shutil.rmtree(temporary, ignore_errors=True)
    temporary.mkdir(parents=True)
    try:
        write_bundle(temporary, Path(data_dir))
        os.rename(temporary, folder)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
    return folder
