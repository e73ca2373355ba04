"""Garbage in: a loader rejects it in time proportional to its size, quietly, with a bounded report."""

from __future__ import annotations

import logging
import random
import string
import time

from click.testing import CliRunner

from kb.cli import cli
from kb.load import PROBLEMS_SHOWN, first_and_rest
from kb.loaders import bibtex
from kb.loaders.records import MESSAGE_CHARS
from tests.test_load import snapshot

GARBAGE_ALPHABET = string.ascii_letters + string.digits + " \n@{}=,\"%#"
"""Random text over this alphabet is full of '@word{' starts: thousands of broken BibTeX blocks per megabyte."""


def garbage(n_chars: int, seed: int = 12) -> str:
    return "".join(random.Random(seed).choices(GARBAGE_ALPHABET, k=n_chars))


def parse_seconds(text: str) -> tuple[float, int]:
    """The best of three CPU times to parse ``text`` as BibTeX (other processes on the machine barely change
    them), and how many records it gave."""
    best, n_records = float("inf"), 0
    for _ in range(3):
        started = time.process_time()
        n_records = sum(1 for _ in bibtex.parse(text))
        best = min(best, time.process_time() - started)
    return best, n_records


def test_bibtex_parsing_time_grows_linearly_with_the_input():
    """The same 512 KB of random text four times over takes less than 8x the time of once (quadratic parsing took 14x)."""
    text = garbage(1 << 19)
    once, n_once = parse_seconds(text)
    four_times, n_four_times = parse_seconds(text * 4)
    assert n_four_times >= 4 * n_once > 0  # (a block or two more where the copies meet)
    assert four_times < 8 * once, f"{four_times:.2f} s for 4x the input of {once:.2f} s"


def test_bibtexparser_logs_nothing_for_broken_blocks(caplog):
    with caplog.at_level(logging.DEBUG):
        records = list(bibtex.parse(garbage(20000)))
    assert any(r.problems for r in records)
    assert [r for r in caplog.records if r.name.startswith("bibtexparser") and r.levelno < logging.ERROR] == []


def test_first_and_rest():
    assert first_and_rest(list(range(5)), 3) == ([0, 1, 2], 2)
    assert first_and_rest(list(range(3)), 3) == ([0, 1, 2], 0)
    assert first_and_rest(list(range(5)), 0) == ([0, 1, 2, 3, 4], 0)


def test_a_load_of_garbage_prints_the_first_problems_and_counts_the_rest(data_copy, tmp_path):
    path = tmp_path / "garbage.bib"
    path.write_text(garbage(200_000), encoding="utf-8")
    before = snapshot(data_copy)
    result = CliRunner().invoke(cli, ["load", "--data", str(data_copy), "--format", "bibtex", str(path)])
    assert result.exit_code == 1
    problem_lines = [line for line in result.output.splitlines() if line.startswith("  problem: ")]
    assert len(problem_lines) == PROBLEMS_SHOWN
    (more,) = [line for line in result.output.splitlines() if "more problem(s)" in line]
    n_problems = int(result.output.splitlines()[-1].split()[0])
    assert more == f"  ... and {n_problems - PROBLEMS_SHOWN} more problem(s) (--max-problems 0 lists them all)"
    assert n_problems > 10 * PROBLEMS_SHOWN
    assert snapshot(data_copy) == before
    every = CliRunner().invoke(cli, ["load", "--data", str(data_copy), "--format", "bibtex", "--max-problems", "0", str(path)])
    assert len([line for line in every.output.splitlines() if line.startswith("  problem: ")]) == n_problems


def test_a_huge_value_makes_a_message_of_bounded_length(data_copy, tmp_path):
    path = tmp_path / "huge.ris"
    path.write_text(f"TY  - JOUR\nTI  - Synthetic study\nDO  - 11.{'5' * 1_000_000}\nER  - \n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["load", "--data", str(data_copy), str(path)])
    assert result.exit_code == 1
    (problem,) = [line for line in result.output.splitlines() if line.startswith("  problem: ")]
    assert problem.endswith("... (999,519 more characters)") and len(problem) < MESSAGE_CHARS + 200
