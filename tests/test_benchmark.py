"""The benchmark runs end to end at its smallest scale and prints every row (no timing assertions)."""

import subprocess
import sys

from tests.conftest import REPO

EXPECTED_ROWS = [
    "kb build:", "kb.db size", "kb load:", "peak memory", "claim_summary table with facets", "claim row page",
    "study row page", "full-text search (claims)", "full-text search (studies, term in ~30%", "full-text search (studies, term in ~0.5%",
    "search page",
    "query evidence_for_claim", "query risk_and_safety_evidence", "query darker_skin_studies",
    "query conflicting_evidence", "query incomplete_verification", "query certainty_reasons",
    "query curator_overrides", "query load_changes", "home page", "claim_evidence table with facets",
    "readers at once (wrk): floor", "readers at once (wrk): claim row page", "readers at once (wrk): home page",
    "1 reader (wrk): claim row page, cached",
]


def test_benchmark_smoke_prints_every_row():
    result = subprocess.run([sys.executable, "scripts/benchmark.py", "--scale", "smoke"], cwd=REPO,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    table = [line for line in result.stdout.splitlines() if line.startswith("| ")][1:]  # minus the header
    assert len(table) == len(EXPECTED_ROWS)
    for line, expected in zip(table, EXPECTED_ROWS):
        assert expected in line
        assert line.split("|")[2].strip(), f"no value in {line}"
    assert "raw sqlite3 executemany" in table[0] and "parse only" in table[2]
