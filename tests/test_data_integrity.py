"""Evidence integrity: quotes verbatim, identifiers as verified, nothing from outside the bibliography."""

from __future__ import annotations

import csv
import re

from tests.conftest import DATA, read_csv

BIBLIOGRAPHY_FIELDS = {  # studies.csv column -> bibliography.csv column
    "title": "title", "authors": "authors_short", "first_author": "first_author", "journal": "journal",
    "year": "year", "volume": "volume", "issue": "issue", "pages": "pages",
    "doi": "doi", "pmid": "pmid", "pmcid": "pmcid", "n_as_reported": "n_participants",
    "population": "population", "design_as_reported": "study_design",
}


def test_every_quote_appears_verbatim_in_its_article():
    articles = {a["id"]: (DATA / a["text_file"]).read_text(encoding="utf-8") for a in read_csv(DATA / "articles.csv")}
    for claim in read_csv(DATA / "claims.csv"):
        text = articles[claim["article_id"]]
        assert text[int(claim["quote_start"]):int(claim["quote_end"])] == claim["quote"], claim["id"]


def test_every_study_matches_its_verification_record():
    records = {r["study_id"]: r for r in read_csv(DATA / "study_verifications.csv")}
    for study in read_csv(DATA / "studies.csv"):
        record = records[study["id"]]
        assert (study["doi"], study["pmid"], study["pmcid"]) == (record["doi"], record["pmid"], record["pmcid"])
        assert study["url"] == record["verified_urls"].split(" | ")[0].strip()
        assert (study["verification"] == "complete") == (record["completeness"] == "complete")


def test_studies_are_exactly_the_verified_bibliography(shared_dir):
    with open(shared_dir / "evidence" / "bibliography.csv", newline="", encoding="utf-8") as handle:
        bibliography = {r["key"]: r for r in csv.DictReader(handle)}
    studies = {s["id"]: s for s in read_csv(DATA / "studies.csv")}
    assert set(studies) == set(bibliography)
    for key, study in studies.items():
        for ours, theirs in BIBLIOGRAPHY_FIELDS.items():
            assert study[ours] == bibliography[key][theirs], f"{key}.{ours}"
    records = {r["study_id"]: r for r in read_csv(DATA / "study_verifications.csv")}
    for key, record in records.items():
        for field in ("verified_urls", "verified_fields", "completeness"):
            assert record[field] == bibliography[key][field], f"{key}.{field}"


def test_no_identifier_in_data_is_unverified():
    """Every DOI or PMID written anywhere in data/ is one of a verified study's."""
    studies = read_csv(DATA / "studies.csv")
    known = {s["doi"].lower() for s in studies if s["doi"]} | {s["pmid"] for s in studies if s["pmid"]}
    doi = re.compile(r"\b10\.\d{4,9}/[^\s,;\"'<>|]+", re.I)
    for path in DATA.rglob("*.csv"):
        for found in doi.findall(path.read_text(encoding="utf-8")):
            found = found.rstrip(".").lower()  # a verified URL may continue past the DOI ('/full')
            assert any(found == k or found.startswith(k + "/") for k in known), f"{found} in {path.name}"
