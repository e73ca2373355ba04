"""Retractions and other notices (Retraction Watch): loaded onto studies, a retraction stops a study counting, every
claim that moves is listed; and who last reviewed a claim."""

from __future__ import annotations

import hashlib
from pathlib import Path

from click.testing import CliRunner

from kb.build import build
from kb.cli import cli
from kb.grading.evidence import standing_notice
from kb.load import LoadFailed, load
from kb.loaders import detect
from kb.loaders.retraction_watch import COLUMNS
from kb.loads import unload
from kb.web.serve import make_datasette
from kb.vocab import NoticeNature, Scenario
from tests.conftest import REPO, read_csv
from tests.test_history import query

FIXTURE = Path(__file__).parent / "fixtures" / "exports" / "retraction_watch.csv"
RETRACTED = "cary2019"  # record 900001: its DOI written as an upper-case https://doi.org/ address
CONCERN = "hou2017"  # record 900002: matched by PMID alone (the DOI cell says 'unavailable')
CORRECTED = "juhasz2020"  # record 900003: its DOI with a 'doi:' label, lower case
REINSTATED = "singh2016"  # records 900004-900005: retracted, then reinstated


def data_digest(data_dir: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(data_dir.glob("*.csv"))}


def load_fixture(data_dir: Path, db: Path, *extra: str):
    return CliRunner().invoke(cli, ["load", "--data", str(data_dir), "--db", str(db), *extra, str(FIXTURE)])


def test_the_fixture_has_the_real_column_layout_and_is_recognised_by_its_header():
    header = FIXTURE.read_text(encoding="utf-8").splitlines()[0]
    assert header.rstrip(",").split(",") == list(COLUMNS)  # each line ends with a comma, as in some copies
    assert detect(FIXTURE.read_text(encoding="utf-8")) == "retraction-watch"


def test_a_retraction_flips_the_verdicts_that_rest_on_the_study_and_lists_them(data_copy, tmp_path):
    db = tmp_path / "kb.db"
    build(data_copy, db)
    # the build says which claims depend on the study: removing its link changes their verdict
    depends = dict(query(db, "SELECT r.claim_id, r.verdict FROM claim_robustness r JOIN claim_summary s USING (claim_id) "
                             "WHERE r.scenario = ? AND r.study_id = ? AND r.verdict != s.verdict", [Scenario.DROP_LINK, RETRACTED]))
    assert depends, f"no claim's verdict rests on {RETRACTED} any more: pick another study for the fixture"
    loaded = load_fixture(data_copy, db)
    assert loaded.exit_code == 0, loaded.output
    assert f"(record 900001): retraction of 2024-01-15 recorded on study {RETRACTED}" in loaded.output
    for claim_id, verdict in depends.items():
        assert query(db, "SELECT verdict FROM claim_summary WHERE claim_id = ?", [claim_id]) == [(verdict,)]
        assert f"{claim_id}: verdict " in loaded.output  # the command lists each claim that moved, from what to what
    assert f"{RETRACTED}: study notice none → retraction" in loaded.output
    changed = dict(query(db, "SELECT claim_id, reason FROM verdict_changes"))
    assert set(depends) <= set(changed) and all(f"{RETRACTED}: study notice none → retraction" in changed[c] for c in depends)
    assert query(db, "SELECT counted, not_counted_reason FROM claim_evidence WHERE study_id = ?", [RETRACTED])[0] == (
        0, "retracted (2024-01-15): Concerns/Issues About Data; Unreliable Results")


async def test_the_notices_page_and_the_claim_and_study_pages_show_the_retraction(data_copy, tmp_path):
    db = tmp_path / "kb.db"
    build(data_copy, db)
    assert load_fixture(data_copy, db).exit_code == 0
    ds = make_datasette(db, REPO / "metadata.json")
    rows = (await ds.client.get("/kb/retraction_notices.json?_shape=array")).json()
    retracted = [r for r in rows if r["study_id"] == RETRACTED]
    assert retracted and all(r["counted"] == 0 and r["notice"] == NoticeNature.RETRACTION for r in retracted)
    moved = [r for r in retracted if r["old_verdict"]]
    assert moved and all("study notice none → retraction" in r["why_it_moved"] for r in moved)
    assert {r["study_id"] for r in rows} == {RETRACTED, CONCERN, CORRECTED}  # the reinstated study has no notice standing
    study = (await ds.client.get(f"/kb/studies/{RETRACTED}")).text
    assert 'id="kb-notice"' in study and "retracted (2024-01-15): Concerns/Issues About Data; Unreliable Results" in study
    assert "retraction-watch:900001" in study
    claim = (await ds.client.get(f"/kb/claims/{moved[0]['claim_id']}")).text
    assert 'id="kb-notices"' in claim and "retracted (2024-01-15)" in claim
    (load_id,) = {r["id"] for r in read_csv(data_copy / "loads.csv")}
    changes = (await ds.client.get(f"/kb/load_changes.json?_shape=array&load_id={load_id}")).json()
    assert sorted(r["change"] for r in changes) == ["notice recorded: correction", "notice recorded: expression_of_concern",
                                                    "notice recorded: reinstatement", "notice recorded: retraction",
                                                    "notice recorded: retraction"]


def test_loading_the_file_twice_changes_nothing(data_copy, tmp_path):
    db = tmp_path / "kb.db"
    build(data_copy, db)
    assert load_fixture(data_copy, db).exit_code == 0
    before = data_digest(data_copy)
    again = load_fixture(data_copy, db)
    assert again.exit_code == 0 and "0 notices recorded, 5 already recorded, 2 about no study" in again.output
    assert "Nothing changed" in again.output and "moved" not in again.output
    assert data_digest(data_copy) == before


def test_notices_match_by_doi_in_any_form_and_by_pmid_and_never_add_studies(data_copy):
    studies_before = (data_copy / "studies.csv").read_bytes()
    report = load([FIXTURE], data_copy, fmt="retraction-watch")
    assert report.files[0].notices_added == 5 and report.files[0].count("unmatched") == 2
    notices = {(n["study_id"], n["source"]): n for n in read_csv(data_copy / "study_notices.csv")}
    assert set(notices) == {(RETRACTED, "retraction-watch:900001"), (CONCERN, "retraction-watch:900002"),
                            (CORRECTED, "retraction-watch:900003"), (REINSTATED, "retraction-watch:900004"),
                            (REINSTATED, "retraction-watch:900005")}
    assert notices[(CORRECTED, "retraction-watch:900003")]["notice_doi"] == "10.5555/kb-test-notice-900003"
    assert (data_copy / "studies.csv").read_bytes() == studies_before


def test_an_expression_of_concern_flags_the_study_and_its_risk_of_bias_reason(data_copy, tmp_path):
    db = tmp_path / "kb.db"
    build(data_copy, db)
    counted_before = query(db, "SELECT claim_id, counted FROM claim_evidence WHERE study_id = ?", [CONCERN])
    assert load_fixture(data_copy, db).exit_code == 0
    (notice, reason), = query(db, "SELECT notice, risk_of_bias_reason FROM studies WHERE id = ?", [CONCERN])
    assert notice == NoticeNature.EXPRESSION_OF_CONCERN
    assert reason.endswith("Expression of concern (2023-03-02): Investigation by Journal/Publisher.")
    assert query(db, "SELECT claim_id, counted FROM claim_evidence WHERE study_id = ?", [CONCERN]) == counted_before  # still counts
    # derived in the build, never written into data/
    assert "Expression of concern" not in next(s for s in read_csv(data_copy / "studies.csv") if s["id"] == CONCERN)["risk_of_bias_reason"]


def test_a_reinstatement_withdraws_the_notices_before_it():
    assert standing_notice([(NoticeNature.RETRACTION, "2022-02-01", "x"), (NoticeNature.REINSTATEMENT, "2022-08-09", "")]) is None
    assert standing_notice([(NoticeNature.CORRECTION, "2024-05-01", "typo"), (NoticeNature.EXPRESSION_OF_CONCERN, "2023-01-01", "data")]) == (
        NoticeNature.EXPRESSION_OF_CONCERN, "expression of concern (2023-01-01): data")
    assert standing_notice([(NoticeNature.REINSTATEMENT, "2020-01-01", ""), (NoticeNature.RETRACTION, "2021-01-01", "")]) == (
        NoticeNature.RETRACTION, "retracted (2021-01-01)")


def test_a_bad_row_about_a_known_study_is_refused_with_its_line_and_column(data_copy, tmp_path):
    bad = tmp_path / "rw.csv"
    lines = FIXTURE.read_text(encoding="utf-8").splitlines()
    bad.write_text("\n".join([lines[0], lines[1].replace("1/15/2024 0:00", "someday")]) + "\n", encoding="utf-8")
    before = data_digest(data_copy)
    try:
        load([bad], data_copy)
    except LoadFailed as failure:
        (problem,) = failure.report.problems
        assert (problem.file, problem.location, problem.field) == ("rw.csv", "line 2 (record 900001)", "RetractionDate")
        assert "'someday' is not a date" in problem.message
    else:
        raise AssertionError("a notice with no date was loaded")
    assert data_digest(data_copy) == before


def test_undoing_a_notices_load_restores_data_and_the_verdicts(data_copy, tmp_path):
    db = tmp_path / "kb.db"
    build(data_copy, db)
    before = data_digest(data_copy)
    verdicts = query(db, "SELECT claim_id, verdict, certainty FROM claim_summary ORDER BY claim_id")
    report = load([FIXTURE], data_copy, db)
    undone = unload(report.files[0].load_id, data_copy, db)
    assert undone.notices_removed == 5
    after = data_digest(data_copy)
    assert {k: v for k, v in after.items() if k != "loads.csv"} == {k: v for k, v in before.items() if k != "loads.csv"}
    assert query(db, "SELECT claim_id, verdict, certainty FROM claim_summary ORDER BY claim_id") == verdicts


async def test_claim_page_says_who_last_reviewed_it_and_when(built_db):
    links = [l for l in read_csv(REPO / "data" / "claim_evidence.csv") if l["reviewed_on"]]
    claim_id = links[0]["claim_id"]
    latest = max(l["reviewed_on"] for l in links if l["claim_id"] == claim_id)
    reviewers = sorted({l["reviewed_by"] for l in links if l["claim_id"] == claim_id and l["reviewed_on"] == latest})
    ds = make_datasette(built_db, REPO / "metadata.json")
    page = (await ds.client.get(f"/kb/claims/{claim_id}")).text
    assert f'Evidence last reviewed by {", ".join(reviewers)} on <time datetime="{latest}">{latest}</time>' in page
