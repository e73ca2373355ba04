"""kb load with the outcomes template: recognised by its header, validated as the build validates, stable ids, idempotent."""

from __future__ import annotations

import csv
import re
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.cli import cli
from kb.load import LoadFailed, load
from kb.loaders import detect
from kb.loaders.outcomes_template import COLUMNS, FORMAT
from kb.loads import UnloadRefused, unload
from kb.validate import ValidationError
from tests.conftest import REPO, read_csv

TEST_VALUES = Path(__file__).parent / "fixtures" / "outcomes" / "test_values.csv"
"""Two outcomes of alam2014 with made-up numbers (marked 'TEST VALUES' and 'Test values, not evidence.')."""


def snapshot(data_dir: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(data_dir.glob("*.csv"))}


def variant(tmp_path: Path, **changes) -> Path:
    """The test file with its first row changed."""
    rows = read_csv(TEST_VALUES)
    rows[0].update(changes)
    path = tmp_path / "outcomes_variant.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def last_number(data_dir: Path, study_id: str) -> int:
    return max(int(m.group(1)) for o in read_csv(data_dir / "outcomes.csv") if (m := re.fullmatch(rf"{study_id}-(\d+)", o["id"])))


def test_the_template_is_the_outcome_columns_without_id_plus_claim_ids():
    header = (REPO / "docs" / "outcomes-template.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    assert header == [c for c in read_csv(REPO / "data" / "outcomes.csv")[0] if c != "id"] + ["claim_ids"]


def test_the_template_is_recognised_by_its_header_in_any_column_order():
    text = TEST_VALUES.read_text(encoding="utf-8")
    assert detect(text) == FORMAT
    header, *rows = text.splitlines()
    assert detect(",".join(reversed(header.upper().split(","))) + "\n") == FORMAT
    assert detect((REPO / "docs" / "evidence-template.csv").read_text(encoding="utf-8") + "A title,,,,,,,,,,,,,,,,,,,\n") == "csv"


def test_load_appends_outcomes_with_ids_continuing_the_studys_numbering_and_rebuilds(data_copy, tmp_path):
    first = last_number(data_copy, "alam2014") + 1
    db = tmp_path / "kb.db"
    report = load([TEST_VALUES], data_copy, db)
    assert report.written and report.files[0].format == FORMAT
    assert (report.files[0].count("added"), report.files[0].links_added) == (2, 3)
    added = {o["id"]: o for o in read_csv(data_copy / "outcomes.csv") if o["source_url"] == "https://example.org/test-values"}
    assert list(added) == [f"alam2014-{first:02d}", f"alam2014-{first + 1:02d}"]
    assert added[f"alam2014-{first + 1:02d}"]["events_intervention"] == "3"
    assert {(l["outcome_id"], l["claim_id"]) for l in read_csv(data_copy / "outcome_claims.csv") if l["outcome_id"] in added} == {
        (f"alam2014-{first:02d}", "acne-scar-reduction"), (f"alam2014-{first + 1:02d}", "transient-irritation"),
        (f"alam2014-{first + 1:02d}", "safe-with-professionals")}
    assert read_csv(data_copy / "loads.csv")[-1]["format"] == FORMAT
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM outcomes WHERE source_url = 'https://example.org/test-values'").fetchone()[0] == 2


def test_loading_the_same_file_twice_changes_nothing(data_copy, tmp_path):
    load([TEST_VALUES], data_copy)
    before = snapshot(data_copy)
    copy = tmp_path / "renamed.csv"
    copy.write_bytes(TEST_VALUES.read_bytes())
    report = load([copy], data_copy)
    assert not report.changed and report.files[0].count("unchanged") == 2
    assert snapshot(data_copy) == before


def test_a_known_outcome_with_a_new_claim_gains_only_the_claim(data_copy, tmp_path):
    load([TEST_VALUES], data_copy)
    outcomes_before = (data_copy / "outcomes.csv").read_bytes()
    report = load([variant(tmp_path, claim_ids="acne-scar-reduction;improvement-magnitude")], data_copy)
    assert (report.files[0].count("merged"), report.files[0].count("unchanged"), report.files[0].links_added) == (1, 1, 1)
    assert (data_copy / "outcomes.csv").read_bytes() == outcomes_before


@pytest.mark.parametrize("changes, column, message", [
    (dict(study_id="no-such-study"), "study_id", "unknown id 'no-such-study'"),
    (dict(claim_ids="pih-mechanism"), "claim_id", "alam2014 is not linked to pih-mechanism"),
    (dict(comparator_kind="placebo-ish"), "comparator_kind", "not in the comparator_kinds vocabulary"),
    (dict(direction="better"), "direction", "not in the effect_directions vocabulary"),
    (dict(outcome_kind="harm"), "outcome_kind", "not in the outcome_kinds vocabulary"),
    (dict(ci_low="3", ci_high="2"), "ci_low", "lower bound 3 is above its upper bound 2"),
    (dict(events_intervention="16", total_intervention="15"), "events_intervention", "16 events among 15 people"),
    (dict(estimate="large"), "estimate", "'large' is not a number"),
    (dict(n_intervention="fifteen"), "n_intervention", "'fifteen' is not a whole number"),
])
def test_bad_rows_are_refused_naming_the_template_line_and_nothing_is_written(data_copy, tmp_path, changes, column, message):
    before = snapshot(data_copy)
    with pytest.raises(ValidationError) as raised:
        load([variant(tmp_path, **changes)], data_copy)
    problem = next(p for p in raised.value.problems if p.column == column)
    assert (problem.file, problem.line) == ("outcomes_variant.csv", 2) and message in problem.message
    assert snapshot(data_copy) == before


def test_a_row_without_claims_is_refused_through_the_cli(data_copy, tmp_path):
    before = snapshot(data_copy)
    result = CliRunner().invoke(cli, ["load", str(variant(tmp_path, claim_ids="")), "--data", str(data_copy), "--no-build"])
    assert result.exit_code == 1 and result.exception.__class__ is SystemExit
    assert "outcomes_variant.csv: line 2: field 'claim_ids'" in result.output and "nothing was written" in result.output
    assert snapshot(data_copy) == before


def test_a_header_that_is_not_the_templates_is_refused(data_copy, tmp_path):
    path = tmp_path / "short.csv"
    path.write_text("study_id,outcome_kind,comparator_kind,claim_ids,colour\nalam2014,efficacy,untreated,acne-scar-reduction,red\n", encoding="utf-8")
    with pytest.raises(LoadFailed) as raised:
        load([path], data_copy)
    assert "unknown: colour" in raised.value.report.problems[0].message


def test_kb_unload_refuses_an_outcomes_load(data_copy):
    load_id = load([TEST_VALUES], data_copy).files[0].load_id
    with pytest.raises(UnloadRefused, match="kb unload does not undo"):
        unload(load_id, data_copy)
