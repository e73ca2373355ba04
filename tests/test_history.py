"""History of verdicts: each build's verdicts kept beside kb.db, what moved since the build before and why, `kb diff`."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from click.testing import CliRunner

from kb.build import build
from kb.cli import cli
from kb.datafiles import data_fingerprint
from kb.history import history_path, reason
from kb.web.serve import make_datasette
from tests.conftest import REPO, read_csv, write_csv

OWN = Path(__file__).parent / "fixtures" / "exports"

CLAIM = "acne-scar-reduction"


def turn_support_into_refutation(data_dir, claim_id: str = CLAIM) -> list[str]:
    """A data change that moves a verdict: every supporting link of the claim now refutes it. Returns those studies."""
    links = read_csv(data_dir / "claim_evidence.csv")
    turned = []
    for link in links:
        if link["claim_id"] == claim_id and link["stance"] == "supports":
            link["stance"] = "refutes"
            link["stance_reason"] = "Test: turned to refute the claim."
            turned.append(link["study_id"])
    write_csv(data_dir / "claim_evidence.csv", links)
    return turned


def query(db, sql: str, params=()) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def test_each_build_records_each_claims_verdict_keyed_by_the_data_fingerprint(data_copy, tmp_path):
    db = tmp_path / "kb.db"
    build(data_copy, db)
    build(data_copy, db)  # the same data again: no new entry
    assert history_path(db) == tmp_path / "kb-history.sqlite" and history_path(db).exists()
    assert not list(data_copy.glob("*history*"))  # never written into data/
    n_claims = len(read_csv(data_copy / "claims.csv"))
    assert query(db, "SELECT build, data_sha256 FROM build_history") == [(1, data_fingerprint(data_copy))]
    assert query(db, "SELECT count(*) FROM verdict_history WHERE data_sha256 = ?", [data_fingerprint(data_copy)]) == [(n_claims,)]
    assert query(db, "SELECT count(*) FROM verdict_changes") == [(0,)]


def test_a_data_change_that_moves_a_verdict_is_listed_with_why(data_copy, tmp_path):
    db = tmp_path / "kb.db"
    build(data_copy, db)
    (before,) = query(db, "SELECT verdict, certainty FROM claim_summary WHERE claim_id = ?", [CLAIM])
    turned = turn_support_into_refutation(data_copy)
    build(data_copy, db)
    (after,) = query(db, "SELECT verdict, certainty FROM claim_summary WHERE claim_id = ?", [CLAIM])
    assert before != after
    (change,) = query(db, "SELECT build, previous_build, old_verdict, new_verdict, old_certainty, new_certainty, reason "
                          "FROM verdict_changes WHERE claim_id = ?", [CLAIM])
    assert change[:6] == (2, 1, before[0], after[0], before[1], after[1])
    assert all(f"{study}: link stance supports → refutes" in change[6] for study in turned)
    assert query(db, "SELECT count(*) FROM verdict_history") == [(2 * len(read_csv(data_copy / "claims.csv")),)]


def test_new_grading_rules_that_move_a_verdict_are_recorded_with_the_same_data(data_copy, tmp_path, monkeypatch):
    """A rule change moves verdicts without any data change: the build is recorded and kb diff says what moved."""
    from kb.grading import certainty

    db = tmp_path / "kb.db"
    build(data_copy, db)
    (before,) = query(db, "SELECT certainty FROM claim_summary WHERE claim_id = ?", ["transient-irritation"])
    monkeypatch.setattr(certainty, "IMPRECISION_PARTICIPANTS", (10**9, 10**9))  # stricter: every body is far too small
    build(data_copy, db)
    (after,) = query(db, "SELECT certainty FROM claim_summary WHERE claim_id = ?", ["transient-irritation"])
    assert before != after
    assert query(db, "SELECT build, data_sha256 FROM build_history") == [(1, data_fingerprint(data_copy)), (2, data_fingerprint(data_copy))]
    (change,) = query(db, "SELECT old_certainty, new_certainty, reason FROM verdict_changes WHERE claim_id = ?", ["transient-irritation"])
    assert change[:2] == (before[0], after[0]) and "the grading rules" in change[2]
    build(data_copy, db)  # the same data and rules again: nothing new
    assert len(query(db, "SELECT build FROM build_history")) == 2


def test_kb_diff_prints_the_claims_that_moved_and_why(data_copy, tmp_path):
    db = tmp_path / "kb.db"
    runner = CliRunner()
    build(data_copy, db)
    first = runner.invoke(cli, ["diff", "--data", str(data_copy), "--db", str(db)])
    assert first.exit_code == 0 and "first build recorded" in first.output
    turn_support_into_refutation(data_copy)
    stale = runner.invoke(cli, ["diff", "--data", str(data_copy), "--db", str(db)])
    assert "older than" in stale.output
    built = runner.invoke(cli, ["build", "--data", str(data_copy), "--db", str(db)])
    assert f"1 claim(s) whose verdict or certainty moved since the last build: {CLAIM} (kb diff says why)" in built.output
    result = runner.invoke(cli, ["diff", "--data", str(data_copy), "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "Build 2" in result.output and "against build 1: 1 claim(s)" in result.output
    assert f"{CLAIM}: verdict " in result.output and "why: " in result.output and "link stance supports → refutes" in result.output


def test_a_curator_override_is_named_as_the_reason(data_copy, tmp_path):
    db = tmp_path / "kb.db"
    build(data_copy, db)
    claims = read_csv(data_copy / "claims.csv")
    target = next(c for c in claims if not c["override_verdict"] and c["id"] == CLAIM)
    target.update(override_verdict="contradicted", override_certainty="very_low", override_reason="Test override.", override_by="Tester")
    write_csv(data_copy / "claims.csv", claims)
    build(data_copy, db)
    (reason,) = query(db, "SELECT reason FROM verdict_changes WHERE claim_id = ?", [CLAIM])[0]
    assert reason == "curator override: verdict none → contradicted, certainty none → very low"


async def test_the_what_changed_page_lists_the_claims_that_moved(data_copy, tmp_path):
    db = tmp_path / "kb.db"
    build(data_copy, db)
    turn_support_into_refutation(data_copy)
    build(data_copy, db)
    ds = make_datasette(db, REPO / "metadata.json")
    rows = (await ds.client.get("/kb/what_changed.json?_shape=array")).json()
    assert [r["claim_id"] for r in rows] == [CLAIM] and rows[0]["build"] == 2
    home = (await ds.client.get("/")).text
    assert "/kb/what_changed" in home


def test_reason_names_links_added_removed_and_changed_studies():
    old = {"a": ("supports", "direct", 4, 1, "rct", "low", 100, 1, None), "b": ("supports", "direct", 3, 1, "rct", "low", 40, 1, None)}
    new = {"a": ("supports", "direct", 4, 0, "case_series", "low", 100, 1, None), "c": ("refutes", "direct", 3, 1, "rct", "high", 50, 1, None)}
    assert reason(old, new, (None, None), (None, None)) == (
        "link added: c (refutes, rating 3); link removed: b; a: link counted 1 → 0; a: study design rct → case series")


def test_a_load_moves_no_verdict_until_its_links_are_accepted_and_its_studies_verified(data_copy, tmp_path):
    db = tmp_path / "kb.db"
    build(data_copy, db)
    runner = CliRunner()
    loaded = runner.invoke(cli, ["load", "--data", str(data_copy), "--db", str(db), str(OWN / "studies.csv"), "--claim", "infection-risk",
                                 "--stance", "refutes", "--rating", "5", "--note", "Synthetic test link."])
    assert loaded.exit_code == 0, loaded.output
    assert "moved" not in loaded.output  # loaded links are proposed
    links = read_csv(data_copy / "claim_evidence.csv")
    for link in links:
        if link["added_by_load"]:
            link.update(review_status="accepted", reviewed_by="A. Reviewer", reviewed_on="2026-11-30")
    write_csv(data_copy / "claim_evidence.csv", links)
    accepted = runner.invoke(cli, ["build", "--data", str(data_copy), "--db", str(db)])
    assert accepted.exit_code == 0 and "moved" not in accepted.output  # accepted, but the loaded studies are unverified
    counted = query(db, "SELECT counted, not_counted_reason FROM claim_evidence WHERE added_by_load IS NOT NULL")
    assert counted and all(c == 0 and "identity is not confirmed" in r for c, r in counted)
    load_id = read_csv(data_copy / "loads.csv")[0]["id"]
    undone = runner.invoke(cli, ["unload", load_id, "--data", str(data_copy), "--db", str(db)])
    assert undone.exit_code == 0 and "whose verdict or certainty moved" not in undone.output