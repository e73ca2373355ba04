"""Fuzzed exports (random bytes, real files cut short or mutated): every load ends in a report or a clean error.

The inputs are the same on every run (derandomised), so that CI fails for a change, not for luck;
``scripts/fuzz_loaders.py`` draws new ones, as many as asked.
"""

from __future__ import annotations

import pytest

from kb.loaders import FORMATS
from kb.loaders.fuzzing import EXAMPLE_COUNTS, Loader, fixture_files, fuzz, strategies
from tests.conftest import SHARED
from tests.test_load_formats import OWN

FILES = fixture_files([OWN, SHARED / "fixtures" / "exports"])


def fuzzed(folder, kind: str) -> Loader:
    """A loader that has loaded the CI-sized number of ``kind`` inputs (Hypothesis raises on any other outcome)."""
    loader = Loader(folder)
    fuzz(loader, strategies(FILES)[kind], EXAMPLE_COUNTS[kind], derandomize=True)()
    assert sum(loader.outcomes.values()) >= EXAMPLE_COUNTS[kind]
    return loader


def test_the_fuzzer_starts_from_every_real_export():
    assert len(FILES) >= 11 + (20 if SHARED.is_dir() else 0)


@pytest.mark.parametrize("kind", [k for k in EXAMPLE_COUNTS if k != "mutated files"])
def test_every_fuzzed_load_is_a_report_or_a_clean_error(tmp_path, kind):
    fuzzed(tmp_path, kind)


def test_mutated_files_reach_every_parser_and_end_cleanly(tmp_path):
    """Not only rejected at the door: every parser gets mutated files, and reads records from them.

    (A mutated PubMed XML file rarely gives a record: ElementTree's iterparse raises on the first
    malformed byte before it returns the articles before it in the same 16 KB.)
    """
    loader = fuzzed(tmp_path, "mutated files")
    assert {fmt for (_, fmt, _) in loader.outcomes} >= set(FORMATS)
    assert {fmt for fmt, n in loader.records_read.items() if n} >= set(FORMATS) - {"pubmed-xml"}
