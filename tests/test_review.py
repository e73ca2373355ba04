"""Reviewing links: `kb review list` shows what waits and why, `kb review accept|reject` decides one link, atomically."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.build import build
from kb.cli import cli
from kb.review import ReviewError, review, waiting
from kb.validate import ValidationError
from tests.conftest import edit_row, read_csv


def snapshot(data_dir: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(data_dir.glob("*.csv"))}


def make_proposed(data_dir: Path, claim_id: str, study_id: str) -> None:
    """Put a curated link back to 'proposed', as `kb load` adds links."""
    index = next(i for i, row in enumerate(read_csv(data_dir / "claim_evidence.csv"))
                 if (row["claim_id"], row["study_id"]) == (claim_id, study_id))
    edit_row(data_dir, "claim_evidence.csv", index, review_status="proposed", reviewed_by="", reviewed_on="")


def link_in_db(db: Path, claim_id: str, study_id: str) -> tuple:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT review_status, counted, not_counted_reason, reviewed_by, reviewed_on, note FROM claim_evidence "
                            "WHERE claim_id = ? AND study_id = ?", [claim_id, study_id]).fetchone()


@pytest.fixture
def decisive(built_db) -> tuple[str, str]:
    """A counted link whose removal changes its claim's verdict or certainty (from the robustness table), so
    that accepting it moves the claim.  Its study's identity is confirmed (the link counts)."""
    with sqlite3.connect(built_db) as conn:
        return conn.execute("SELECT r.claim_id, r.study_id FROM claim_robustness r JOIN claim_evidence e USING (claim_id, study_id) "
                            "JOIN studies s ON s.id = e.study_id WHERE r.scenario = 'drop_link' AND r.changed = 1 AND e.counted = 1 "
                            "AND s.identity_confirmed = 1 ORDER BY 1, 2 LIMIT 1").fetchone()


def test_list_shows_a_proposed_link_with_its_study_and_why_it_does_not_count(data_copy, decisive):
    claim_id, study_id = decisive
    make_proposed(data_copy, claim_id, study_id)
    [link] = waiting(data_copy)
    assert (link.claim_id, link.study_id, link.not_counted_reason) == (claim_id, study_id, "proposed: not yet reviewed")
    assert link.title and link.note
    result = CliRunner().invoke(cli, ["review", "list", "--data", str(data_copy), "--claim", claim_id])
    assert result.exit_code == 0
    assert study_id in result.output and link.title in result.output and "not counted: proposed: not yet reviewed" in result.output
    assert waiting(data_copy, claim_id="no-such-claim") == []


def test_accept_makes_a_proposed_link_count_and_prints_the_claims_that_moved(data_copy, decisive, tmp_path):
    claim_id, study_id = decisive
    make_proposed(data_copy, claim_id, study_id)
    db = tmp_path / "kb.db"
    build(data_copy, db)
    assert link_in_db(db, claim_id, study_id)[:2] == ("proposed", 0)
    result = CliRunner().invoke(cli, ["review", "accept", claim_id, study_id, "--data", str(data_copy), "--db", str(db),
                                      "--by", "Test Reviewer", "--on", "2026-11-30"])
    assert result.exit_code == 0, result.output
    assert link_in_db(db, claim_id, study_id)[:5] == ("accepted", 1, "", "Test Reviewer", "2026-11-30")
    assert f"whose verdict or certainty moved since the last build: {claim_id}" in result.output


def test_reviewer_comes_from_the_environment_and_the_date_defaults_to_today(data_copy, decisive, tmp_path):
    claim_id, study_id = decisive
    make_proposed(data_copy, claim_id, study_id)
    result = CliRunner().invoke(cli, ["review", "accept", claim_id, study_id, "--data", str(data_copy), "--no-build"],
                                env={"KB_REVIEWER": "Env Reviewer"})
    assert result.exit_code == 0, result.output
    row = next(r for r in read_csv(data_copy / "claim_evidence.csv") if (r["claim_id"], r["study_id"]) == (claim_id, study_id))
    assert (row["reviewed_by"], row["reviewed_on"]) == ("Env Reviewer", date.today().isoformat())


def test_reject_keeps_the_link_shown_as_not_counted_with_the_reason_in_its_note(data_copy, decisive, tmp_path):
    claim_id, study_id = decisive
    db = tmp_path / "kb.db"
    result = review(claim_id, study_id, "rejected", "Test Reviewer", "2026-11-30", "the study measured something else",
                    data_dir=data_copy, db_path=db)
    assert result.changed
    status, counted, reason, _, _, note = link_in_db(db, claim_id, study_id)
    assert (status, counted, reason) == ("rejected", 0, "rejected by a reviewer")
    assert note.endswith("Rejected by Test Reviewer on 2026-11-30: the study measured something else")
    assert [(l.study_id, l.not_counted_reason) for l in waiting(data_copy, claim_id, "rejected")] == [(study_id, "rejected by a reviewer")]


def test_accepting_an_accepted_link_changes_nothing(data_copy, decisive):
    claim_id, study_id = decisive
    before = snapshot(data_copy)
    result = CliRunner().invoke(cli, ["review", "accept", claim_id, study_id, "--data", str(data_copy), "--no-build", "--by", "Someone Else"])
    assert result.exit_code == 0 and "already accepted: nothing changed" in result.output
    assert snapshot(data_copy) == before


def test_an_unknown_link_is_a_clean_error_and_nothing_is_written(data_copy):
    before = snapshot(data_copy)
    result = CliRunner().invoke(cli, ["review", "reject", "acne-scar-reduction", "no-such-study", "--data", str(data_copy),
                                      "--by", "Test Reviewer", "--reason", "test"])
    assert result.exit_code == 1 and result.exception.__class__ is SystemExit
    assert "link acne-scar-reduction - no-such-study: there is no such link" in result.output
    assert "nothing was written" in result.output
    assert snapshot(data_copy) == before


@pytest.mark.parametrize("arguments, message", [
    (dict(status="rejected", by="Test Reviewer", reason=""), "a rejection needs a reason"),
    (dict(status="accepted", by="Test Reviewer", on="30/11/2026"), "review date '30/11/2026' is not YYYY-MM-DD"),
    (dict(status="accepted", by="  "), "the reviewer's name is empty"),
    (dict(status="counted", by="Test Reviewer"), "'counted' is not a review decision"),
])
def test_bad_input_names_the_link_and_writes_nothing(data_copy, decisive, arguments, message):
    claim_id, study_id = decisive
    make_proposed(data_copy, claim_id, study_id)
    before = snapshot(data_copy)
    with pytest.raises(ReviewError, match=message) as raised:
        review(claim_id, study_id, data_dir=data_copy, **arguments)
    assert f"link {claim_id} - {study_id}" in str(raised.value)
    assert snapshot(data_copy) == before


def test_no_reviewer_is_refused(monkeypatch, data_copy, decisive):
    monkeypatch.delenv("KB_REVIEWER", raising=False)
    before = snapshot(data_copy)
    result = CliRunner().invoke(cli, ["review", "accept", *decisive, "--data", str(data_copy), "--no-build"])
    assert result.exit_code == 1 and "name the reviewer with --by or the KB_REVIEWER environment variable" in result.output
    assert snapshot(data_copy) == before


def test_a_review_that_would_leave_data_invalid_writes_nothing(data_copy, decisive):
    claim_id, study_id = decisive
    make_proposed(data_copy, claim_id, study_id)
    edit_row(data_copy, "studies.csv", 0, design="not-a-design")  # data/ invalid elsewhere: the review must not be written
    before = snapshot(data_copy)
    with pytest.raises(ValidationError):
        review(claim_id, study_id, "accepted", "Test Reviewer", "2026-11-30", data_dir=data_copy)
    assert snapshot(data_copy) == before
