"""The reviewer's pages (claim, study, article, home, search), in-process; escaping of data."""

from __future__ import annotations

import re
import sqlite3
from html import escape

import pytest

import kb.pages

from kb.build import build
from kb.pages import Segment, paragraphs, segments
from kb.serve import make_datasette
from kb import vocab
from tests.conftest import REPO, edit_row, read_csv, write_csv

PROBE = '<script>alert("kb")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def datasette(built_db):
    return make_datasette(built_db, REPO / "metadata.json")


def test_segments_split_at_every_claim_boundary():
    text = "abcdefghij"
    pieces = segments(text, 0, 10, [(2, 5, "x"), (4, 8, "y")])
    assert pieces == [Segment("ab"), Segment("cd", ["x"]), Segment("e", ["x", "y"]), Segment("fgh", ["y"]), Segment("ij")]
    assert "".join(p.text for p in pieces) == text


def test_paragraphs_are_the_non_empty_lines():
    assert paragraphs("one\n\ntwo\nthree") == [(0, 3), (5, 8), (9, 14)]


def summary_of(db, claim_id: str) -> dict:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    return dict(conn.execute("SELECT * FROM claim_summary WHERE claim_id = ?", (claim_id,)).fetchone())


async def test_claim_page_answers_the_question(datasette, built_db):
    html = (await datasette.client.get("/kb/claims/acne-scar-reduction")).text
    summary = summary_of(built_db, "acne-scar-reduction")
    assert "Microneedling makes acne scars less visible." in html
    assert re.search(rf"Verdict:</span> {vocab.VERDICTS.term(summary['verdict']).label}", html)
    assert re.search(rf"Certainty:</span> {vocab.CERTAINTY_LEVELS.term(summary['certainty']).label}", html)
    assert f'id="kb-why">{escape(summary["why"])}' in html
    assert '<mark class="kb-span">Micro needling has shown promising results in reducing the visibility of scars, including acne scars</mark>' in html
    for stance in ("Supports", "Qualifies", "Mixed"):
        assert f">{stance} (" in html
    assert "Risk of bias" in html and "Publication bias" in html
    assert 'href="https://pubmed.ncbi.nlm.nih.gov/24919799/" rel="noopener noreferrer"' in html
    assert "/kb/studies/alam2014" in html


async def test_claim_page_shows_findings_robustness_and_what_is_not_counted(datasette, built_db):
    html = (await datasette.client.get("/kb/claims/acne-scar-reduction")).text
    assert 'id="kb-findings"' in html and "Alam 2014: mean difference 3.4 (95% CI 0.2 to 6.5)" in html
    assert 'id="kb-robustness-line"' in html
    not_counted = re.search(r'id="kb-not-counted">Not yet counted \((\d+)\)', html)
    conn = sqlite3.connect(built_db)
    expected = conn.execute("SELECT count(*) FROM claim_evidence WHERE claim_id = 'acne-scar-reduction' AND counted = 0").fetchone()[0]
    assert expected > 0 and int(not_counted.group(1)) == expected
    assert "pmid35426044_meta" in html.split('id="kb-not-counted"')[1]  # unconfirmed title: shown, not counted


async def test_claim_with_nothing_counted_shows_no_certainty_and_what_waits(data_copy, tmp_path):
    links = read_csv(data_copy / "claim_evidence.csv")
    for link in links:
        if link["claim_id"] == "popularity-growth":
            link.update(review_status="proposed", reviewed_by="", reviewed_on="")
    write_csv(data_copy / "claim_evidence.csv", links)
    db = tmp_path / "kb.db"
    build(data_copy, db)
    html = (await make_datasette(db, REPO / "metadata.json").client.get("/kb/claims/popularity-growth")).text
    assert "Verdict:</span> No evidence counted" in html and "Certainty:</span> not graded" in html
    assert 'id="kb-no-evidence"' in html and "await review" in html
    assert "proposed: not yet reviewed" in html and "Why this certainty" not in html


async def test_study_page_shows_verification_and_claims(datasette):
    html = (await datasette.client.get("/kb/studies/alqarqaz_darkskin")).text
    assert "Partly verified" in html and "missing:identifier" in html
    assert "/kb/claims/pih-darker-skin" in html


async def test_article_page_marks_every_claim(datasette, built_db):
    html = (await datasette.client.get("/kb/articles/skin-deep-needling")).text
    marked = set(re.findall(r'data-claims="([^"]+)"', html))
    claims = {c["id"] for c in read_csv(REPO / "data" / "claims.csv")}
    assert {claim for group in marked for claim in group.split()} == claims
    assert "Misleading wording" in html


async def test_home_page_has_counts_map_search_and_summary_first(datasette):
    html = (await datasette.client.get("/")).text
    assert re.search(rf"<strong>{len(read_csv(REPO / 'data' / 'claims.csv'))}</strong> claims", html)
    assert "/-/figures/evidence-map.svg" in html and 'action="/-/search"' in html
    tables = re.search(r"<h2>Tables</h2>\s*<p>(.*?)</p>", html, re.S).group(1)
    assert re.findall(r">(\w+)</a>", tables)[0] == "claim_summary"


async def test_home_page_lists_the_first_claims_of_each_verdict_and_links_to_the_rest(datasette, monkeypatch):
    monkeypatch.setattr(kb.pages, "HOME_CLAIMS_PER_VERDICT", 2)
    html = (await datasette.client.get("/")).text
    claim_list = re.search(r'id="kb-claim-list">(.*?)</div>', html, re.S).group(1)
    groups = re.findall(r"<h3>(.*?) \((\d+)\)</h3>\s*<ul>(.*?)</ul>\s*(<p class=\"kb-more\">.*?</p>)?", claim_list, re.S)
    assert sum(int(total) for _, total, _, _ in groups) == len(read_csv(REPO / "data" / "claims.csv"))
    for label, total, items, more in groups:
        assert items.count("<li>") == min(int(total), 2)
        assert bool(more) == (int(total) > 2)
        if more:
            assert f"All {total} claims" in more and "/kb/claim_summary?verdict=" in more
    assert any(more for *_, more in groups)


async def test_evidence_map_is_served_as_svg(datasette):
    response = await datasette.client.get("/-/figures/evidence-map.svg")
    assert response.status_code == 200 and response.headers["content-type"] == "image/svg+xml"
    assert "<svg" in response.text and "acne-scar-reduction" in response.text
    assert (await datasette.client.get("/-/figures/nothing.svg")).status_code == 404


async def test_search_across_claims_and_studies(datasette):
    html = (await datasette.client.get("/-/search?q=scar")).text
    for claim in ("acne-scar-reduction", "surgical-scar-reduction", "scar-tissue-remodelling"):
        assert f"/kb/claims/{claim}" in html
    assert "/kb/studies/alsterli2020" in html
    assert "No claim matches" in (await datasette.client.get('/-/search?q=zzzz"(')).text


async def test_text_from_data_is_escaped(data_copy, tmp_path):
    edit_row(data_copy, "claim_evidence.csv", 0, note=PROBE)
    rows = read_csv(data_copy / "studies.csv")
    study = read_csv(data_copy / "claim_evidence.csv")[0]["study_id"]
    edit_row(data_copy, "studies.csv", [r["id"] for r in rows].index(study), title=PROBE)
    db = tmp_path / "kb.db"
    build(data_copy, db)
    ds = make_datasette(db, REPO / "metadata.json")
    for path in ("/kb/claims/acne-scar-reduction", f"/kb/studies/{study}", "/-/search?q=alert"):
        html = (await ds.client.get(path)).text
        assert "<script>alert" not in html and "<img src=x" not in html, path
        assert "&lt;script&gt;alert(" in html, path
