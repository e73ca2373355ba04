"""The search log: each literature search per claim, so that "nothing found" is told apart from "not looked"."""

from __future__ import annotations

from datetime import date, timedelta

from kb.build import build
from kb.web.serve import make_datasette
from kb.validate import validate
from tests.conftest import REPO, read_csv, write_csv
from tests.test_history import query

CLAIM = "popularity-growth"


def unlink(data_dir, claim_id: str = CLAIM) -> None:
    """Make ``claim_id`` a claim with no evidence: drop its links (and its outcomes' ties to it), say what was looked for."""
    write_csv(data_dir / "claim_evidence.csv", [l for l in read_csv(data_dir / "claim_evidence.csv") if l["claim_id"] != claim_id])
    write_csv(data_dir / "outcome_claims.csv", [o for o in read_csv(data_dir / "outcome_claims.csv") if o["claim_id"] != claim_id])
    claims = read_csv(data_dir / "claims.csv")
    for claim in claims:
        if claim["id"] == claim_id:
            claim["no_evidence_reason"] = "Test: no source linked."
    write_csv(data_dir / "claims.csv", claims)


def log_search(data_dir, searched_on: str, n_found: int = 40, n_screened: int = 35, n_included: int = 0, claim_id: str = CLAIM) -> None:
    rows = read_csv(data_dir / "search_log.csv")
    rows.append(dict(claim_id=claim_id, searched_on=searched_on, database="PubMed", query="microneedling AND test",
                     n_found=str(n_found), n_screened=str(n_screened), n_included=str(n_included), searched_by="A. Searcher"))
    write_csv(data_dir / "search_log.csv", rows, ["claim_id", "searched_on", "database", "query", "n_found", "n_screened",
                                                   "n_included", "searched_by"])


def why(db) -> str:
    return query(db, "SELECT why FROM claim_summary WHERE claim_id = ?", [CLAIM])[0][0]


def test_the_real_search_log_is_only_a_header():
    assert (REPO / "data" / "search_log.csv").read_text(encoding="utf-8").count("\n") == 1  # no search is invented


async def test_a_search_log_entry_changes_the_claim_pages_wording(data_copy, tmp_path):
    unlink(data_copy)
    db = tmp_path / "kb.db"
    build(data_copy, db)
    assert why(db) == "No evidence counted: not yet searched (no literature search is recorded for this claim)."
    page = (await make_datasette(db, REPO / "metadata.json").client.get(f"/kb/claims/{CLAIM}")).text
    assert 'id="kb-not-searched"' in page and 'id="kb-prisma"' not in page
    log_search(data_copy, "2026-10-01")
    build(data_copy, db)
    assert why(db) == "No evidence counted: searched on 2026-10-01 (PubMed), nothing relevant found."
    page = (await make_datasette(db, REPO / "metadata.json").client.get(f"/kb/claims/{CLAIM}")).text
    assert "searched on 2026-10-01 (PubMed), nothing relevant found." in page
    assert 'id="kb-prisma"' in page and "<svg" in page and "Not screened: 5" in page and "Excluded: 35" in page
    assert "40 records identified, 35 screened, 0 included" in page and "microneedling AND test" in page


def test_the_latest_search_day_counts():
    from kb.grading.all_claims import last_searches
    from kb.grading.grade import LastSearch

    searches = {"claim_id": ["a", "a", "a"], "searched_on": ["2024-01-01", "2025-02-03", "2025-02-03"],
                "database": ["PubMed", "PubMed", "Embase"], "n_included": [2, 0, 1]}
    assert last_searches(searches) == {"a": LastSearch("2025-02-03", "Embase, PubMed", 1)}


def test_a_search_log_that_does_not_narrow_or_has_no_real_date_is_refused(data_copy):
    log_search(data_copy, "2026-02-30", n_found=10, n_screened=12, n_included=13)
    problems = {(p.file, p.line, p.column): p.message for p in validate(data_copy)}
    assert problems[("data/search_log.csv", 2, "searched_on")] == "'2026-02-30' is not a date as YYYY-MM-DD"
    assert problems[("data/search_log.csv", 2, "n_screened")] == "12 records screened, more than the 10 found"
    assert problems[("data/search_log.csv", 2, "n_included")] == "13 records included, more than the 12 screened"


async def test_the_canned_query_lists_claims_not_searched_in_the_last_12_months(data_copy, tmp_path):
    recent, old = date.today() - timedelta(days=30), date.today() - timedelta(days=800)
    log_search(data_copy, recent.isoformat(), claim_id=CLAIM)
    log_search(data_copy, old.isoformat(), claim_id="infection-risk")
    db = tmp_path / "kb.db"
    build(data_copy, db)
    rows = (await make_datasette(db, REPO / "metadata.json").client.get("/kb/claims_not_recently_searched.json?_shape=array")).json()
    listed = {r["claim_id"]: r["last_searched_on"] for r in rows}
    assert CLAIM not in listed and listed["infection-risk"] == old.isoformat()
    assert len(listed) == len(read_csv(data_copy / "claims.csv")) - 1  # every other claim: never searched
