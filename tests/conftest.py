"""Shared fixtures: the repository's data, copies of it to break, a built database."""

from __future__ import annotations

import contextlib
import csv
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from kb.build import build

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "data"
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The team's shared/ folder (beside the repository in CI; absent in a user's clone)."""
    if not SHARED.is_dir():
        pytest.skip("../shared is not beside this clone (it always is in CI)")
    return SHARED


@pytest.fixture
def data_copy(tmp_path) -> Path:
    """A private copy of data/ that a test may change."""
    target = tmp_path / "data"
    shutil.copytree(DATA, target)
    return target


@pytest.fixture(scope="session")
def built_db(tmp_path_factory) -> Path:
    """kb.db built once from the repository's data/."""
    path = tmp_path_factory.mktemp("db") / "kb.db"
    build(DATA, path)
    return path


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def write_csv(path: Path, rows: list[dict[str, str]], fieldnames: list[str] | None = None) -> None:
    fieldnames = fieldnames or list(rows[0].keys())
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fieldnames, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def edit_row(data_dir: Path, file: str, index: int, **changes) -> None:
    """Change fields of row ``index`` (0-based, line index + 2) of a data file."""
    path = data_dir / file
    rows = read_csv(path)
    rows[index].update(changes)
    write_csv(path, rows)


def free_port() -> int:
    """A free TCP port on the loopback interface, for a server a test starts."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_server(data: Path, db: Path):
    """A real `kb serve` of ``data`` (building ``db``) on a free loopback port; yields its base URL."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "kb.cli", "serve", "--data", str(data), "--db", str(db), "--port", str(port)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(url + "/", timeout=2)
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"kb serve did not start: {process.stdout.read().decode()}")
            time.sleep(0.3)
    try:
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
