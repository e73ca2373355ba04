"""A build killed half-way leaves a temporary database; the next build removes it, and git never sees it."""

from __future__ import annotations

import os
import subprocess
import sys

from kb.build import build
from tests.conftest import REPO


def test_the_next_build_removes_what_a_killed_build_left(data_copy, tmp_path):
    db = tmp_path / "kb.db"
    killed = subprocess.run([sys.executable, "-m", "kb.cli", "build", "--data", str(data_copy), "--db", str(db)],
                            env=dict(os.environ, KB_FAILPOINT="build:database-written"), cwd=REPO, capture_output=True)
    assert killed.returncode == -9, killed.stderr.decode()
    (left,) = tmp_path.glob(".kb.db.*.tmp")
    assert left.name.split(".")[3].isdigit() and not db.exists()
    build(data_copy, db)
    assert db.exists() and not left.exists()


def test_a_running_build_keeps_its_temporary(data_copy, tmp_path):
    db = tmp_path / "kb.db"
    alive = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    try:
        theirs = tmp_path / f".kb.db.{alive.pid}.tmp"
        theirs.write_bytes(b"a build in progress")
        other = tmp_path / ".other.db.1.tmp"  # another database's temporary is not this build's business
        other.write_bytes(b"")
        build(data_copy, db)
        assert theirs.exists() and other.exists()
    finally:
        alive.stdin.close()
        alive.wait(10)


def test_git_ignores_temporaries_and_the_virtual_environment(tmp_path):
    names = [".kb.db.12345.tmp", "data/.studies.csv.12345.tmp", "data/articles/.x.txt.abc.tmp", ".venv/bin/python", "data/.kb.lock"]
    ignored = subprocess.run(["git", "check-ignore", "--no-index", *names], capture_output=True, text=True, cwd=REPO).stdout.split()
    assert ignored == names
