"""Parsing in a second process: the same records and the same errors as in one, and no process left behind."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

import kb.load
from kb.load import LoadFailed, decode, load
from kb.loaders import FORMATS, detect
from kb.loaders.background import parse_in_background
from kb.loaders.records import FileRejected
from tests.conftest import SHARED
from tests.test_load import normalised
from tests.test_load_formats import OWN

EXPORTS = sorted(p for p in OWN.iterdir() if p.suffix != ".md") + sorted(
    p for p in (SHARED / "fixtures" / "exports").rglob("*") if p.is_file() and p.name != "MANIFEST.csv")


def parse_whole(data: bytes):
    """Decode, detect and parse, all inside the iteration (so that each path raises at the same point)."""
    text = decode(data)
    yield from FORMATS[detect(text)](text)


def collect(records) -> tuple[list, str]:
    """Every record before the end or the first FileRejected, and that error's message."""
    found = []
    try:
        for record in records:
            found.append(record)
    except FileRejected as error:
        return found, str(error)
    return found, ""


def test_there_are_real_exports_to_compare():
    assert len(EXPORTS) >= 11 + (20 if SHARED.is_dir() else 0)


@pytest.mark.parametrize("path", EXPORTS, ids=lambda p: p.name)
def test_background_parse_gives_the_same_records_and_errors(path):
    data = path.read_bytes()
    expected = collect(parse_whole(data))
    assert collect(parse_in_background(lambda: parse_whole(data))) == expected


def test_a_load_parsed_in_the_background_reports_the_same_problems(data_copy, monkeypatch):
    files = [OWN / "broken_records.ris", OWN / "broken_pubmed.xml", OWN / "small.ris"]
    with pytest.raises(LoadFailed) as in_process:
        load(files, data_copy)
    monkeypatch.setattr(kb.load, "BACKGROUND_BYTES", 0)
    with pytest.raises(LoadFailed) as in_background:
        load(files, data_copy)
    assert in_background.value.report.problems == in_process.value.report.problems
    assert in_process.value.report.problems


def test_a_load_parsed_in_the_background_adds_the_same_studies(data_copy, tmp_path, monkeypatch):
    other = tmp_path / "other"
    shutil.copytree(data_copy, other)
    files = [OWN / "small_pubmed.xml", OWN / "small.ris", OWN / "small.bib"]
    load(files, data_copy)
    monkeypatch.setattr(kb.load, "BACKGROUND_BYTES", 0)
    load(files, other)
    in_process, in_background = normalised(data_copy), normalised(other)  # load ids hold the second each load started
    for name in ("studies.csv", "claim_evidence.csv"):
        assert in_background[name] == in_process[name]


def endless():
    from kb.loaders.records import ParsedRecord, StudyRecord

    index = 0
    while True:
        index += 1
        yield ParsedRecord(index, f"record {index}", StudyRecord(title=f"Study {index}"))


def test_stopping_early_stops_the_parser_process():
    records = parse_in_background(endless)
    assert next(records).index == 1
    records.close()
    assert multiprocessing.active_children() == []


def test_a_parser_process_that_dies_is_an_error_not_an_empty_file():
    def dies_at_once():
        os._exit(3)
        yield

    with pytest.raises(RuntimeError, match="exit code 3"):
        list(parse_in_background(dies_at_once))


def test_an_unpicklable_parser_error_arrives_with_its_traceback():
    class LocalError(Exception):  # defined in a function: cannot be pickled
        pass

    def fails():
        raise LocalError("something specific went wrong")
        yield

    with pytest.raises(RuntimeError, match="something specific went wrong"):
        list(parse_in_background(fails))


def test_the_parser_process_exits_when_the_load_process_is_killed(tmp_path):
    """A killed load (kill -9) leaves no parser behind: its next write to the pipe fails."""
    script = tmp_path / "parent.py"
    script.write_text(
        "import os\n"
        "from tests.test_load_background import endless\n"
        "from kb.loaders.background import parse_in_background\n"
        "records = parse_in_background(endless)\n"
        "next(records)\n"
        "print(__import__('multiprocessing').active_children()[0].pid, flush=True)\n"
        "os.kill(os.getpid(), 9)\n")
    repo = Path(__file__).resolve().parent.parent
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(repo)})
    assert result.returncode == -9, result.stderr
    child = int(result.stdout.split()[0])
    deadline = time.monotonic() + 10
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_the_exit_status_is_read_after_the_parser_process_has_ended():
    """The pipe closes before the process ends: here a quarter of a second before, which always gave 'exit code None'."""
    def closes_its_pipe_then_dies():
        os.closerange(3, 4096)
        time.sleep(0.25)
        os._exit(3)
        yield

    with pytest.raises(RuntimeError, match=r"\(exit code 3\)"):
        list(parse_in_background(closes_its_pipe_then_dies))
