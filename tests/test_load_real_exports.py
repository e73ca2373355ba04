"""Real exports load whole: PubMed book records, DOIs in URL forms, unusual BibTeX types, web pages without author or date."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.cli import cli
from kb.load import load
from kb.loaders import pubmed_xml
from kb.loaders.records import clean_doi
from kb.web.serve import make_datasette
from tests.conftest import REPO, read_csv

OWN = Path(__file__).parent / "fixtures" / "exports"


def loaded(data_dir: Path) -> dict[str, dict]:
    return {s["pmid"] or s["title"]: s for s in read_csv(data_dir / "studies.csv") if s["added_by_load"]}


def test_pubmed_book_articles_load_as_book_records(data_copy):
    report = load([OWN / "pubmed_books.xml"], data_copy)
    assert report.written and report.files[0].count("added") == 3 and not report.problems
    studies = loaded(data_copy)
    chapter, guidance = studies["90000401"], studies["90000402"]
    assert (chapter["title"], chapter["authors"], chapter["year"]) == ("Synthetic Needling Chapter", "Chapterly C", "2024")
    assert chapter["journal"] == "Synthetic Pearls; editors Editorson E, Redacteur RP; Synthetic Pearls Publishing"
    assert chapter["design_as_reported"] == "book chapter, NCBI Bookshelf NBK000000"
    assert chapter["url"] == "https://www.ncbi.nlm.nih.gov/books/NBK000000/"
    assert (chapter["design"], chapter["design_is_guess"]) == ("narrative_review", "1")  # PublicationType 'Review'
    assert "Editorson" not in chapter["authors"]  # editors are not the chapter's authors
    assert (guidance["title"], guidance["authors"]) == ("Synthetic guidance on skin needling procedures", "Synthetic Institute for Guidance")
    assert guidance["design_as_reported"] == "book, NCBI Bookshelf NBK000001"
    assert guidance["journal"] == "Synthetic Interventional Procedures Guidance; Synthetic Institute for Guidance"


def test_book_records_are_read_when_streamed_from_disk():
    records = [p.record for p in pubmed_xml.parse_file(OWN / "pubmed_books.xml")]
    assert [(r.record_type, r.accession) for r in records] == [("book chapter", "NBK000000"), ("book", "NBK000001"), ("", "")]


@pytest.mark.parametrize("given", [
    "10.5555/kb-test.1", "doi:10.5555/kb-test.1", "DOI: 10.5555/kb-test.1", "https://doi.org/10.5555/kb-test.1",
    "http://dx.doi.org/10.5555/kb-test.1", "https://dx.doi.org/10.5555/kb-test.1", "http://doi.acm.org/10.5555/kb-test.1",
    "doi.org/10.5555/kb-test.1", "https://www.doi.org/10.5555%2Fkb-test.1", "https://onlinelibrary.example/doi/full/10.5555/kb-test.1?af=R",
])
def test_dois_are_extracted_from_any_url_form(given):
    assert clean_doi(given) == "10.5555/kb-test.1"


def test_url_form_dois_load_instead_of_being_rejected(data_copy):
    report = load([OWN / "pubmed_books.xml", OWN / "unusual_types.bib"], data_copy)
    assert not report.problems
    dois = {s["doi"] for s in loaded(data_copy).values()}
    assert {"10.5555/kb-test.0403", "10.5555/kb-test.0501", "10.5555/KB-test.0502"} <= dois


def test_unusual_bibtex_types_load_as_other_and_web_pages_without_author_or_date_warn(data_copy):
    result = CliRunner().invoke(cli, ["load", "--data", str(data_copy), "--no-build", str(OWN / "unusual_types.bib")])
    assert result.exit_code == 0, result.output
    assert "5 read, 5 added" in result.output and "0 rejected" in result.output
    for entry_type in ("@patent", "@set", "@online"):
        assert f"{entry_type} is not a usual BibTeX entry type: loaded as other" in result.output
    assert "key 'synthweb': field 'authors': a web page with no author" in result.output
    assert "key 'synthweb': field 'year': a web page with no date" in result.output
    assert "synthacm2021" not in result.output  # an ordinary article with a URL-form DOI loads without a word
    studies = {s["title"]: s for s in loaded(data_copy).values()}
    patent = studies["Synthetic needle cartridge with a depth stop"]
    assert (patent["design"], patent["design_as_reported"]) == ("unclassified", "other (@patent)")
    assert studies["Synthetic clinic page about needling aftercare"]["design_as_reported"] == "web page"


@pytest.mark.parametrize("name, text", [
    ("page.ris", "TY  - ELEC\nTI  - Synthetic aftercare page\nUR  - https://example.invalid/page\nER  - \n"),
    ("page.json", '[{"id": "p1", "type": "webpage", "title": "Synthetic aftercare page", "URL": "https://example.invalid/page"}]'),
])
def test_web_pages_from_ris_and_csl_json_warn_when_author_or_date_is_missing(data_copy, tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    report = load([path], data_copy)
    assert report.written and report.files[0].count("added") == 1
    assert {(w.field, w.message.split(":")[0]) for w in report.files[0].warnings} == {
        ("authors", "a web page with no author"), ("year", "a web page with no date")}


async def test_a_loaded_book_chapter_page_links_its_bookshelf_page_as_not_verified(data_copy, tmp_path):
    db = tmp_path / "kb.db"
    load([OWN / "pubmed_books.xml"], data_copy, db)
    page = (await make_datasette(db, REPO / "metadata.json").client.get("/kb/studies/chapterly2024")).text
    assert 'href="https://www.ncbi.nlm.nih.gov/books/NBK000000/"' in page
    assert "source record (not verified)" in page and "verified record<" not in page
