"""Standard exports: RIS, BibTeX and CSL-JSON read back by the loaders with no change; ClaimReview as JSON-LD.

Known limits of the round trip (the fields are kept, only their form changes):
RIS has no PubMed or PMC field, so those identifiers travel in BibTeX and
CSL-JSON only; curators' remarks inside author lists ('et al. (15 authors)')
travel in a note; and the BibTeX loader splits a braced corporate name
('{U.S. FDA}') as if it were a person's and drops braces that are part of a title.
"""

from __future__ import annotations

import json
import re
import sqlite3

import pytest
from click.testing import CliRunner
from pyld import jsonld

from kb.cli import cli
from kb.datafiles import data_fingerprint
from kb.exports import bibtex, claimreview
from kb.exports.citations import Bibliography, Citation, bibliography, citation, parse_authors
from kb.exports.formats import BIBLIOGRAPHY_FORMATS
from kb.load import load
from kb.loaders import FORMATS
from kb.loaders.records import tidy
from kb import vocab

LOADER_FORMAT = {"ris": "ris", "bib": "bibtex", "csl.json": "csl-json"}
CITATION_FIELDS = ("title", "journal", "year", "volume", "issue", "pages", "doi")
SCHEMA = "https://schema.org/"


@pytest.fixture(scope="module")
def conn(built_db):
    connection = sqlite3.connect(built_db)
    connection.row_factory = sqlite3.Row
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def studies(conn) -> dict[str, dict]:
    return {row["id"]: dict(row) for row in conn.execute("SELECT * FROM studies")}


# --- bibliography ------------------------------------------------------------------------

@pytest.mark.parametrize("extension", list(BIBLIOGRAPHY_FORMATS))
def test_loading_an_export_back_changes_nothing(extension, conn, data_copy, tmp_path):
    entries = bibliography(conn)
    path = tmp_path / f"studies.{extension}"
    path.write_text(BIBLIOGRAPHY_FORMATS[extension].dumps(entries), encoding="utf-8")
    before = data_fingerprint(data_copy)
    report = load([path], data_copy)
    assert data_fingerprint(data_copy) == before and not report.written
    file_load = report.files[0]
    assert file_load.format == LOADER_FORMAT[extension]
    assert file_load.n_read == len(entries.citations) and file_load.count("unchanged") == len(entries.citations)
    assert [o.study_id for o in file_load.outcomes] == [c.id for c in entries.citations]  # each matched its own study
    result = CliRunner().invoke(cli, ["load", str(path), "--data", str(data_copy), "--no-build"])
    assert result.exit_code == 0 and "Nothing changed" in result.output, result.output
    assert data_fingerprint(data_copy) == before


@pytest.mark.parametrize("extension", list(BIBLIOGRAPHY_FORMATS))
def test_loaders_read_back_every_citation_field(extension, conn, studies):
    entries = bibliography(conn)
    records = [tidy(p.record) for p in FORMATS[LOADER_FORMAT[extension]](BIBLIOGRAPHY_FORMATS[extension].dumps(entries))]
    identifiers = ("pmid", "pmcid") if extension != "ris" else ()
    for item, record in zip(entries.citations, records, strict=True):
        study = studies[item.id]
        for name in CITATION_FIELDS + identifiers:
            expected = "" if study[name] is None else str(study[name])
            if name == "title":
                expected = tidy_title(expected)
            assert getattr(record, name) == expected, (item.id, name)
        if item.names and all(n.family for n in item.names):
            shown = [f"{n.family} {n.initials}" for n in item.names]
            assert record.authors == shown, item.id


def tidy_title(title: str) -> str:
    """The loaders drop a title's final full stop (MEDLINE adds one)."""
    return title[:-1].rstrip() if title.endswith(".") and not title.endswith("..") else title


def test_studies_without_a_title_are_left_out_and_named(conn, studies):
    entries = bibliography(conn)
    assert entries.left_out == sorted(i for i, s in studies.items() if not s["title"])
    assert {c.id for c in entries.citations} == {i for i, s in studies.items() if s["title"]}


def test_claim_bibliography_holds_the_claims_evidence(conn):
    claim_id = conn.execute("SELECT claim_id FROM claim_evidence GROUP BY claim_id ORDER BY count(*) DESC").fetchone()[0]
    linked = {r[0] for r in conn.execute("SELECT study_id FROM claim_evidence WHERE claim_id = ?", (claim_id,))}
    entries = bibliography(conn, claim_id)
    assert {c.id for c in entries.citations} | set(entries.left_out) == linked


@pytest.mark.parametrize("authors, names, truncated", [
    ("Alam M, West DP", [("Alam", "M", ""), ("West", "DP", "")], False),
    ("Al Qarqaz F, et al. (co-author not verified)", [("Al Qarqaz", "F", "")], True),
    ("U.S. FDA, Center for Devices and Radiological Health", [("", "", "U.S. FDA"), ("", "", "Center for Devices and Radiological Health")], False),
    ("Bellus Medical, LLC (sponsor; registry record, no personal authors)", [("", "", "Bellus Medical"), ("", "", "LLC (sponsor; registry record, no personal authors)")], False),
])
def test_authors_become_names(authors, names, truncated):
    parsed, cut = parse_authors(authors)
    assert [(n.family, n.initials, n.literal) for n in parsed] == names and cut == truncated


def test_authors_without_a_first_author_become_a_note():
    item = citation({"id": "x", "title": "T", "authors": "Bellus Medical, LLC (sponsor)", "first_author": "", "journal": "",
                     "year": None, "volume": "", "issue": "", "pages": "", "doi": None, "pmid": None, "pmcid": None, "url": ""})
    assert item.names == [] and item.note == "Authors as recorded: Bellus Medical, LLC (sponsor)"


def test_bibtex_special_characters_read_back():
    title = "Ségou: 50% & $x_1$ # é ~ \\"  # not ^: pylatexenc decodes its encoding as ˆ
    item = Citation({"id": "x", "title": title, "journal": "J Ø", "year": "2020", "volume": "1", "issue": "", "pages": "1-2",
                     "doi": "10.1000/a_b%c", "pmid": "", "pmcid": "", "url": "https://example.org/a_b"},
                    names=parse_authors("Øster AB, U.S. FDA")[0])
    record = next(iter(FORMATS["bibtex"](bibtex.dumps(Bibliography([item], []))))).record
    assert (record.title, record.journal, record.doi, record.pages) == (title, "J Ø", "10.1000/a_b%c", "1-2")
    assert record.authors[0] == "Øster AB"


# --- ClaimReview ---------------------------------------------------------------------------

def schema_org_loader(url, options=None):
    """A local stand-in for the schema.org context (no network): every term in the schema.org vocabulary."""
    assert url.rstrip("/") in ("https://schema.org", "http://schema.org"), url
    return {"contextUrl": None, "documentUrl": url, "document": {"@context": {"@vocab": SCHEMA}}}


def first(node: dict, term: str):
    return node[SCHEMA + term][0]


def test_claimreview_expands_with_the_fields_aggregators_read(conn):
    reviews = claimreview.claim_reviews(conn, "2026-11-30", lambda i: f"https://kb.example/kb/claims/{i}", "https://kb.example")
    assert len(reviews) == conn.execute("SELECT count(*) FROM claims").fetchone()[0]
    summary = {r["claim_id"]: r for r in conn.execute("SELECT claim_id, verdict FROM claim_summary")}
    quotes = {r["id"]: r["quote"] for r in conn.execute("SELECT id, quote FROM claims")}
    ranks = [t.extra["rank"] for t in vocab.VERDICTS.terms]
    for review in reviews:
        [node] = jsonld.expand(review, {"documentLoader": schema_org_loader})
        claim_id = review["identifier"]
        assert node["@type"] == [SCHEMA + "ClaimReview"]
        assert first(node, "claimReviewed")["@value"] == quotes[claim_id]
        assert first(node, "url")["@value"] == f"https://kb.example/kb/claims/{claim_id}"
        assert first(node, "datePublished")["@value"] == "2026-11-30"
        author = first(node, "author")
        assert author["@type"] == [SCHEMA + "Organization"] and first(author, "name")["@value"]
        item = first(node, "itemReviewed")
        assert item["@type"] == [SCHEMA + "Claim"]
        appearance = first(item, "appearance")
        assert appearance["@type"] == [SCHEMA + "CreativeWork"] and first(appearance, "name")["@value"]
        rating = first(node, "reviewRating")
        verdict = vocab.VERDICTS.term(summary[claim_id]["verdict"])
        assert first(rating, "alternateName")["@value"] == verdict.label
        assert first(rating, "ratingValue")["@value"] == verdict.extra["rank"]
        assert (first(rating, "worstRating")["@value"], first(rating, "bestRating")["@value"]) == (min(ranks), max(ranks))


def test_claimreview_uses_the_article_url_when_known(conn):
    row = dict(conn.execute(claimreview.SQL + " LIMIT 1").fetchone())
    with_url = claimreview.claim_review({**row, "article_url": "https://blog.example/post"}, "2026-11-30")
    assert with_url["itemReviewed"]["appearance"]["url"] == "https://blog.example/post"
    assert "url" not in claimreview.claim_review({**row, "article_url": ""}, "2026-11-30")["itemReviewed"]["appearance"]


# --- on the site ---------------------------------------------------------------------------

@pytest.fixture
def datasette(built_db):
    from conftest import REPO
    from kb.web.serve import make_datasette

    return make_datasette(built_db, REPO / "metadata.json")


@pytest.mark.parametrize("extension", list(BIBLIOGRAPHY_FORMATS))
async def test_site_serves_the_studies_as_a_bibliography(datasette, conn, extension):
    response = await datasette.client.get(f"/-/export/studies.{extension}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(BIBLIOGRAPHY_FORMATS[extension].media_type)
    assert f'filename="studies.{extension}"' in response.headers["content-disposition"]
    assert response.text == BIBLIOGRAPHY_FORMATS[extension].dumps(bibliography(conn))


async def test_site_serves_a_claims_evidence_and_its_claimreview(datasette, conn):
    claim_id = conn.execute("SELECT claim_id FROM claim_evidence ORDER BY claim_id LIMIT 1").fetchone()[0]
    response = await datasette.client.get(f"/-/export/claims/{claim_id}.bib")
    assert response.status_code == 200 and response.text == bibtex.dumps(bibliography(conn, claim_id))
    assert (await datasette.client.get("/-/export/claims/no-such-claim.ris")).status_code == 404
    page = await datasette.client.get(f"/kb/claims/{claim_id}")
    script = re.search(r'<script type="application/ld\+json" id="kb-claimreview">(.*?)</script>', page.text, re.S)
    review = json.loads(script.group(1))
    assert review["identifier"] == claim_id and review["url"].endswith(f"/kb/claims/{claim_id}")
    assert review["datePublished"] == conn.execute("SELECT substr(built_at, 1, 10) FROM build_info").fetchone()[0]
    [node] = jsonld.expand(review, {"documentLoader": schema_org_loader})
    assert node["@type"] == [SCHEMA + "ClaimReview"]
    assert f'href="/-/export/claims/{claim_id}.ris"' in page.text


async def test_claimreview_cannot_break_out_of_its_script(datasette, built_db, tmp_path):
    """A quote with '</script>' stays inside the JSON-LD (tojson escapes < and >)."""
    import shutil

    db = tmp_path / "kb.db"
    shutil.copy(built_db, db)
    connection = sqlite3.connect(db)
    claim_id = connection.execute("SELECT id FROM claims LIMIT 1").fetchone()[0]
    connection.execute("UPDATE claims SET quote = '</script><script>alert(1)</script>' WHERE id = ?", (claim_id,))
    connection.commit()
    connection.close()
    from conftest import REPO
    from kb.web.serve import make_datasette

    page = await make_datasette(db, REPO / "metadata.json").client.get(f"/kb/claims/{claim_id}")
    assert 'id="kb-claimreview"' in page.text and "\\u003c/script\\u003e\\u003cscript\\u003ealert(1)" in page.text
    assert "<script>alert(1)" not in page.text


async def test_studies_table_menu_links_to_the_downloads(datasette):
    page = await datasette.client.get("/kb/studies")
    for extension in BIBLIOGRAPHY_FORMATS:
        assert f'href="/-/export/studies.{extension}"' in page.text
