"""The reviewer's pages (claim, study, article, home, search), in-process; escaping of data."""

from __future__ import annotations

import re
import sqlite3
from html import escape

import pytest
from markupsafe import escape as page_escape

import kb.web.pages

from kb.build import build
from kb.web.pages import Segment, paragraphs, segments
from kb.web.serve import make_datasette
from kb import vocab
from tests.conftest import POOLED_CLAIM, REPO, add_poolable_outcomes, edit_row, read_csv, write_csv

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


async def test_claim_page_cites_sources_instead_of_ids(datasette):
    html = (await datasette.client.get("/kb/claims/acne-scar-reduction")).text
    rationale = re.search(r'id="kb-rationale">(.*?)</p>', html, re.S).group(1)
    assert '<a class="kb-cite" href="/kb/studies/paklamisiur2021" title="paklamisiur2021">Pakla-Misiur <i>et al.</i>, 2021</a>' in rationale
    not_counted = html.split('id="kb-not-counted"')[1]
    assert "Unconfirmed source (PMID 35426044), no date" in not_counted  # cited as what it is, and not counted
    assert not re.search(r"\bpaklamisiur2021\b", re.sub(r"<[^>]+>", "", rationale))
    evidence = re.search(r'id="kb-evidence">(.*)</section>', html, re.S).group(1)
    assert ">Alam <i>et al.</i>, 2014</a>" in evidence


async def test_star_column_speaks_of_weight_for_every_stance(datasette):
    html = (await datasette.client.get("/kb/claims/acne-scar-reduction")).text
    assert "supports this claim" not in html
    assert html.count('<th scope="col"><abbr title="How much weight this source carries for this claim') == html.count("kb-cards kb-evidence")
    ratings = (await datasette.client.get("/kb/support_ratings")).text
    assert "whichever way it points" in ratings


async def test_no_table_of_ours_uses_datasettes_phone_labels(datasette):
    for path in ("/kb/claims/acne-scar-reduction", "/kb/studies/alam2014", "/", "/-/evidence-map"):
        html = (await datasette.client.get(path)).text
        content = re.search(r'<section class="content">(.*)</section>', html, re.S).group(1)
        assert "rows-and-columns" not in content, path
        cards = re.findall(r'<table class="kb-table kb-cards[^"]*"[^>]*>(.*?)</table>', content, re.S)
        assert cards, path
        for table in cards:
            headings = len(re.findall(r'<th scope="col"', table))
            for row in re.findall(r"<tr\b[^>]*>(.*?)</tr>", table.split("</thead>")[1], re.S):
                labels = re.findall(r'<td data-label="([^"]+)"', row)
                assert len(labels) == row.count("<td") and len(labels) + row.count('<th scope="row"') == headings, (path, row[:80])


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


async def test_summary_of_findings_pools_comparable_outcomes_and_draws_a_forest_plot(data_copy, tmp_path):
    add_poolable_outcomes(data_copy)
    db = tmp_path / "kb.db"
    build(data_copy, db)
    (row, figure, note, effect), = sqlite3.connect(db).execute(
        "SELECT row, figure, pooling_note, effect FROM claim_findings WHERE claim_id = ? AND pooled = 1", (POOLED_CLAIM,)).fetchall()
    assert figure == f"forest-{POOLED_CLAIM}-{row}.svg" and "DerSimonian-Laird" in note and "I²" in note
    assert effect.startswith("mean difference 1.2")  # inverse-variance pool of 1.0 and 1.5
    ds = make_datasette(db, REPO / "metadata.json")
    html = (await ds.client.get(f"/kb/claims/{POOLED_CLAIM}")).text
    assert f'src="/-/figures/{figure}"' in html and 'id="kb-no-forest"' not in html
    svg = await ds.client.get(f"/-/figures/{figure}")
    assert svg.status_code == 200 and "Cachafeiro 2016" in svg.text and "pooled-diamond" in svg.text


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


def review_section(html: str) -> str:
    return re.search(r'<section class="kb-review" id="kb-article-review">(.*?)</section>', html, re.S).group(1)


def review_field(section: str, heading: str) -> str:
    return re.search(rf'<th scope="row">{re.escape(heading)}</th><td>(.*?)</td></tr>', section, re.S).group(1)


async def test_article_review_shows_rating_takeaway_and_counts_from_claim_summary(datasette, built_db):
    html = (await datasette.client.get("/kb/articles/skin-deep-needling")).text
    section = review_section(html)
    review = read_csv(REPO / "data" / "article_reviews.csv")[0]
    rating = vocab.ARTICLE_RATINGS.term(review["rating"])
    assert f'<span class="kb-badge-key">Rating:</span> {rating.label}</span>' in review_field(section, "Rating")
    assert f'id="kb-takeaway">{page_escape(review["takeaway"])}</p>' in section
    assert review_field(section, "Reviewed") == f'{review["reviewed_by"]}, {review["reviewed_on"]}'
    with sqlite3.connect(built_db) as conn:
        expected = dict(conn.execute("SELECT cs.verdict, count(*) FROM claim_summary cs JOIN claims c ON c.id = cs.claim_id "
                                     "WHERE c.article_id = 'skin-deep-needling' GROUP BY cs.verdict").fetchall())
    shown = re.findall(r'<tr data-verdict="([a-z_]+)">.*?class="kb-count">(\d+)</td></tr>', section)
    assert {verdict: int(n) for verdict, n in shown} == expected
    assert f'<a href="/-/check">Check another article against this knowledge base</a>' in section


async def test_article_review_lists_the_claims_whose_verdicts_overstate(datasette, built_db):
    section = review_section((await datasette.client.get("/kb/articles/skin-deep-needling")).text)
    with sqlite3.connect(built_db) as conn:
        overstating = {row[0] for row in conn.execute(
            f"SELECT claim_id FROM claim_summary WHERE verdict IN ({', '.join('?' * len(vocab.OVERSTATING_VERDICTS))})",
            [str(v) for v in vocab.OVERSTATING_VERDICTS])}
    main = re.search(r'id="kb-main-overstatements">(.*?)</ol>', section, re.S).group(1)
    other = re.search(r'id="kb-other-overstatements">(.*?)</ul>', section, re.S).group(1)
    listed = re.findall(r'<li data-claim="([^"]+)"><a href="/kb/claims/\1">', main + other)
    assert sorted(listed) == sorted(overstating)  # every overstating claim once, each linked to its claim page
    curated = sorted(read_csv(REPO / "data" / "article_overstatements.csv"), key=lambda r: int(r["rank"]))
    assert re.findall(r'<li data-claim="([^"]+)">', main) == [r["claim_id"] for r in curated]
    for row in curated:
        assert f"<br>{page_escape(row['text'])}</li>" in main


async def test_article_review_links_each_omission_to_its_studies(datasette):
    section = review_section((await datasette.client.get("/kb/articles/skin-deep-needling")).text)
    omissions = read_csv(REPO / "data" / "article_omissions.csv")
    assert {o["kind"] for o in omissions} == {"harm", "limit"}
    for omission in omissions:
        row = re.search(rf'<tr id="kb-omission-{omission["id"]}">(.*?)</tr>', section, re.S).group(1)
        assert page_escape(omission["text"]) in row and vocab.OMISSION_KINDS.term(omission["kind"]).label in row
        linked = re.findall(r'<a class="kb-cite" href="/kb/studies/([^"]+)"', row)
        assert linked == [i.strip() for i in omission["study_ids"].split(";")]


async def test_article_review_says_not_recorded_for_what_the_archive_does_not_show(datasette):
    article = read_csv(REPO / "data" / "articles.csv")[0]
    assert not article["site"] and not article["url"]  # the seed article's archived copy shows neither
    section = review_section((await datasette.client.get(f"/kb/articles/{article['id']}")).text)
    for heading in ("Site", "Address (URL)", "Archived on"):
        assert review_field(section, heading) == "not recorded"


async def test_article_review_follows_the_data(data_copy, tmp_path):
    """Site and address shown once recorded (only a web address linked); without a review the computed parts stay;
    a curated line for a claim whose verdict does not overstate is not shown."""
    edit_row(data_copy, "articles.csv", 0, site="Example blog", url="https://example.com/skin-deep")
    write_csv(data_copy / "article_reviews.csv", [], fieldnames=list(read_csv(REPO / "data" / "article_reviews.csv")[0]))
    lines = read_csv(data_copy / "article_overstatements.csv")
    write_csv(data_copy / "article_overstatements.csv", sorted(
        lines + [{"claim_id": "popularity-growth", "rank": "0", "text": "A line for a supported claim."}], key=lambda r: r["claim_id"]))
    db = tmp_path / "kb.db"
    build(data_copy, db)
    section = review_section((await make_datasette(db, REPO / "metadata.json").client.get("/kb/articles/skin-deep-needling")).text)
    assert review_field(section, "Site") == "Example blog"
    assert 'href="https://example.com/skin-deep"' in review_field(section, "Address (URL)")
    assert review_field(section, "Archived on") == "not recorded"
    assert "has not been reviewed as a whole yet" in section and "kb-takeaway" not in section
    assert "Rating" not in section and 'data-verdict="supported"' in section
    assert "A line for a supported claim." not in section and 'data-claim="popularity-growth"' not in section


async def test_home_page_has_counts_map_search_and_summary_first(datasette):
    html = (await datasette.client.get("/")).text
    assert re.search(rf"<strong>{len(read_csv(REPO / 'data' / 'claims.csv'))}</strong> claims", html)
    assert "/-/figures/evidence-map.svg" in html and 'action="/-/search"' in html
    tables = re.search(r"<h2>Tables</h2>\s*<p>(.*?)</p>", html, re.S).group(1)
    assert re.findall(r">(\w+)</a>", tables)[0] == "claim_summary"


async def test_home_page_checks_no_permission_per_table(datasette):
    """Datasette's index view lists every table, checking a permission for each (and deep-copying the metadata each
    time); our home page shows its own summary, so it must not pay for that listing. /.json stays Datasette's."""
    datasette._permission_checks.clear()
    response = await datasette.client.get("/")
    assert response.status_code == 200 and 'rel="alternate"' in response.headers["link"]
    assert not [c for c in datasette._permission_checks if c["action"] == "view-table"]
    listing = await datasette.client.get("/.json")
    assert listing.status_code == 200 and listing.json()["kb"]["tables_count"] > 0


async def test_home_page_lists_the_first_claims_of_each_verdict_and_links_to_the_rest(datasette, monkeypatch):
    monkeypatch.setattr(kb.web.pages, "HOME_CLAIMS_PER_VERDICT", 2)
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
    assert "<svg" in response.text
    claims = read_csv(REPO / "data" / "claims.csv")
    links = set(re.findall(r'<a xlink:href="/kb/claims/([^"]+)"', response.text))
    assert links == {c["id"] for c in claims}
    assert ">Microneedling makes acne scars</text>" in response.text  # labelled by statement (wrapped), not slug
    assert (await datasette.client.get("/-/figures/nothing.svg")).status_code == 404


def test_svg_markers_sit_on_their_certainty_tick(monkeypatch):
    import matplotlib.axes

    from kb.web import evidence_map

    drawn = []
    original = matplotlib.axes.Axes.scatter
    monkeypatch.setattr(matplotlib.axes.Axes, "scatter", lambda self, xs, ys, **kw: drawn.extend(xs) or original(self, xs, ys, **kw))
    rows = [dict(claim_id=f"c{i}", statement=f"Claim {i}", kind="benefit", verdict="supported", certainty=level, n_studies=1)
            for i, level in enumerate([None, "very_low", "low", "moderate", "high"])]
    evidence_map.render_svg(rows)
    assert sorted(drawn) == [0, 1, 2, 3, 4]  # 'not graded' first, then very low to high


async def test_evidence_map_page_links_every_claim_and_folds_crowded_cells(datasette, built_db, monkeypatch):
    html = (await datasette.client.get("/-/evidence-map")).text
    claims = read_csv(REPO / "data" / "claims.csv")
    assert set(re.findall(r'class="kb-map-marker" href="/kb/claims/([^"]+)"', html)) == {c["id"] for c in claims}
    monkeypatch.setattr(kb.web.pages, "MAP_CLAIMS_PER_CELL", 1)
    fresh = make_datasette(built_db, REPO / "metadata.json")  # the first server has the page in its cache
    html = (await fresh.client.get("/-/evidence-map")).text
    assert re.search(r'href="/kb/claim_summary\?verdict=supported&amp;certainty=very_low">\d+ more</a>', html)


def test_every_verdict_has_its_own_highlight_colour():
    from kb import vocab

    css = kb.web.pages.vocabulary_css()
    colours = {v: re.search(rf"mark\.kb-mark-{v} {{ background: ([^;]+);", css).group(1) for v in vocab.VERDICTS.values()}
    assert len(set(colours.values())) == len(colours)


async def test_identifiers_and_urls_are_links_in_datasette_tables(datasette):
    study = next(r for r in read_csv(REPO / "data" / "studies.csv") if r["id"] == "mahadevappa2016")
    html = (await datasette.client.get("/kb/studies?id=mahadevappa2016")).text
    assert f'<a href="https://doi.org/{study["doi"]}" rel="noopener noreferrer">{study["doi"]}</a>' in html
    assert f'<a href="https://pmc.ncbi.nlm.nih.gov/articles/{study["pmcid"]}/" rel="noopener noreferrer">' in html
    assert f'<a href="{study["url"]}" rel="noopener noreferrer">' in html
    html = (await datasette.client.get("/kb/studies?id=alam2014")).text
    assert '<a href="https://pubmed.ncbi.nlm.nih.gov/24919799/" rel="noopener noreferrer">24919799</a>' in html
    query = (await datasette.client.get("/kb/incomplete_verification")).text
    assert 'href="https://pubmed.ncbi.nlm.nih.gov/' in query and 'href="https://' in query.split("verified_urls")[-1]


def test_only_http_urls_and_well_formed_identifiers_become_links():
    from kb.web.pages import linked_cell

    assert linked_cell("url", "javascript:alert(1)") is None
    assert linked_cell("url", "data:text/html,<script>") is None
    assert linked_cell("url", "https://example.org/a b") is None
    assert linked_cell("pmid", "123 OR 1") is None
    assert linked_cell("doi", "not-a-doi") is None
    assert linked_cell("note", "https://a.example/x?y=<b>") == \
        '<a href="https://a.example/x?y=&lt;b&gt;" rel="noopener noreferrer">https://a.example/x?y=&lt;b&gt;</a>'
    assert linked_cell("verified_urls", "https://a.example | http://b.example").count("<a ") == 2
    assert linked_cell("pmcid", "PMC4924407") == \
        '<a href="https://pmc.ncbi.nlm.nih.gov/articles/PMC4924407/" rel="noopener noreferrer">PMC4924407</a>'


async def test_evidence_for_one_claim_is_sorted_by_strength(datasette):
    response = await datasette.client.get("/kb/evidence_for_claim.json?claim_id=acne-scar-reduction&_shape=array")
    rows = response.json()
    keys = [(-r["rating"], r["evidence_level"] is None, r["evidence_level"] or 0) for r in rows]
    assert keys == sorted(keys) and len({r["stance"] for r in rows}) > 1


async def test_lookup_table_certainty_domains_is_reachable(datasette):
    rows = (await datasette.client.get("/kb/certainty_domains.json?_shape=array")).json()
    assert {r["value"] for r in rows} >= {"risk_of_bias", "imprecision"}
    reasons = (await datasette.client.get("/kb/certainty_reasons.json?claim_id=acne-scar-reduction&_shape=array")).json()
    assert reasons and {"domain", "reason"} <= set(reasons[0])
    claim = (await datasette.client.get("/kb/claims/acne-scar-reduction")).text
    assert "/kb/certainty_reasons?claim_id=acne-scar-reduction" in claim


async def test_methods_page_serves_the_grading_document(datasette):
    html = (await datasette.client.get("/-/methods")).text
    assert "<h1>How ratings are computed</h1>" in html and "<table>" in html
    assert "Starting point" in html and "support_ratings" in html
    for page in ("/", "/kb/claims/acne-scar-reduction"):
        assert 'href="/-/methods"' in (await datasette.client.get(page)).text


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
