"""data/ held by another process: every command says who holds it and what to do, exits 1, and shows no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import kb.datafiles
from kb.cli import cli
from kb.datafiles import LOCK_FILE, DataLocked, data_lock
from tests.conftest import REPO

OWN = Path(__file__).parent / "fixtures" / "exports"

HOLDER = "import fcntl, sys; f = open(sys.argv[1], 'a'); fcntl.flock(f, fcntl.LOCK_EX); print('locked', flush=True); sys.stdin.read()"
"""Another process: holds an exclusive flock on the lock file until its standard input closes."""


@pytest.fixture
def held(data_copy):
    """data_copy, locked by another process for the length of the test; yields that process."""
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(data_copy / LOCK_FILE)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline() == "locked\n"
    yield holder
    holder.stdin.close()
    holder.wait(10)


def assert_refused_clearly(result, data_dir: Path, holder, way_out: str) -> None:
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)  # not DataLocked escaping as a traceback
    assert f"kb: {data_dir} is locked by process {holder.pid} ({sys.executable} -c import fcntl" in result.output
    assert "waited 0.2 s" in result.output
    assert f"Run the command again when it has finished{way_out}\n" in result.output


@pytest.mark.parametrize("command", [
    ["validate"],
    ["build", "--db", "{tmp}/kb.db"],
    ["serve", "--db", "{tmp}/kb.db", "--port", "1"],  # the database is missing, so serve must build first
    ["load", "--db", "{tmp}/kb.db", str(OWN / "small.ris")],
    ["unload", "--db", "{tmp}/kb.db", "20240101T000000-00000000"],
])
def test_every_command_refuses_a_locked_data_folder_with_a_way_out(held, data_copy, tmp_path, command):
    arguments = [a.replace("{tmp}", str(tmp_path)) for a in command]
    result = CliRunner().invoke(cli, [*arguments, "--data", str(data_copy), "--wait", "0.2"])
    assert_refused_clearly(result, data_copy, held, ", or let it wait longer with --wait SECONDS.")
    assert not (tmp_path / "kb.db").exists()


def test_kb_check_of_changed_data_refuses_a_locked_data_folder_too(held, data_copy, tmp_path, monkeypatch):
    """kb check builds changed data privately, waiting the default time for the lock (it has no --wait)."""
    monkeypatch.setattr(kb.datafiles, "LOCK_WAIT", 0.2)
    (tmp_path / "article.txt").write_text("Microneedling boosts collagen.", encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", "--data", str(data_copy), "--db", str(tmp_path / "kb.db"), str(tmp_path / "article.txt")])
    assert_refused_clearly(result, data_copy, held, ".")


def test_a_real_kb_build_prints_no_traceback(held, data_copy, tmp_path):
    result = subprocess.run([sys.executable, "-m", "kb.cli", "build", "--data", str(data_copy), "--db", str(tmp_path / "kb.db"),
                             "--wait", "0.2"], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 1
    assert result.stdout == "" and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"kb: {data_copy} is locked by process {held.pid} ")


def test_a_command_goes_ahead_once_the_holder_ends(held, data_copy):
    waiting = subprocess.Popen([sys.executable, "-m", "kb.cli", "validate", "--data", str(data_copy), "--wait", "120"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
    held.kill()
    out, err = waiting.communicate(timeout=120)
    assert waiting.returncode == 0, err
    assert "no problems found" in out


def test_the_lock_file_is_created_when_missing(data_copy):
    (data_copy / LOCK_FILE).unlink()
    result = CliRunner().invoke(cli, ["validate", "--data", str(data_copy)])
    assert result.exit_code == 0, result.output
    assert (data_copy / LOCK_FILE).is_file()


def test_the_lock_file_is_not_in_git():
    tracked = subprocess.run(["git", "ls-files", "data"], capture_output=True, text=True, cwd=REPO, check=True).stdout.split()
    assert f"data/{LOCK_FILE}" not in tracked


def test_the_holder_is_named_even_in_this_process(data_copy):
    with data_lock(data_copy):
        with pytest.raises(DataLocked, match=r"is locked by process \d+ .*waited 0.1 s") as error:
            with data_lock(data_copy, timeout=0.1):
                pass
    assert error.value.data_dir == data_copy and error.value.waited == 0.1
