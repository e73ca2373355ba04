"""Every export format, on real files from public projects (../shared/fixtures) and on our own."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest

from kb.load import HEAD_BYTES, decode, load
from kb.loaders import FORMATS, detect
from kb.loaders.records import FileRejected, check_record, tidy

OWN = Path(__file__).parent / "fixtures" / "exports"

# file -> (format, valid records, rejected records) or (format or None, message of the file's rejection)
SHARED_EXPECTATIONS = {
    "bibtex/bibtexparser-v1__wrong.bib": ("bibtex", 0, 2),
    "bibtex/jabref__Chocolate.bib": ("bibtex", 15, 0),
    "bibtex/jabref__utf8-bom.bib": ("bibtex", 2, 0),
    "bibtex/manubot__bibliography.bib": ("bibtex", 2, 0),
    "bibtex/pubmed_parser__paper.bib": ("bibtex", 11, 0),
    "crossref_json/abbotsbury__test1.json": ("crossref-json", 1, 0),
    "crossref_json/commonmeta__crossref-list.json": ("crossref-json", 13, 7),
    "csl_json/commonmeta__csl-list.json": ("csl-json", 17, 0),
    "csl_json/manubot__bibliography.json": ("csl-json", 2, 0),
    "csl_json/manubot__null-date-parts-csl.raw.json": ("csl-json", 0, 1),
    "medline/manubot__bibliography.nbib": ("medline", 2, 0),
    "medline/rispy__example_pubmed.txt": ("medline", 10, 0),
    "pubmed_xml/biopython__pubmed1.xml": ("pubmed-xml", 2, 0),
    "pubmed_xml/jabref__MedlineImporterTestMalformedEntry.xml": ("pubmed-xml", "the XML is malformed"),
    "pubmed_xml/pubmed_parser__pubmed-29768149.xml": ("pubmed-xml", 1, 0),
    "ris/jabref__RisImporterCorrupted.ris": ("ris", "must begin with a 'TY  - ' line"),
    "ris/jabref__RisImporterTestScopus.ris": ("ris", 1, 0),
    "ris/manubot__bibliography.ris": ("ris", 2, 0),
    "ris/rispy__example_multiline.ris": ("ris", 0, 3),
    "ris/rispy__example_utf_chars.ris": ("ris", 1, 0),
}


def parse_file(path: Path):
    text = decode(path.read_bytes())
    fmt = detect(text)
    records = [tidy(p.record) for p in FORMATS[fmt](text)]
    return fmt, records


def outcome(path: Path):
    text = decode(path.read_bytes())
    fmt = detect(text)
    parsed = list(FORMATS[fmt](text))
    valid = [p for p in parsed if not (p.problems or check_record(tidy(p.record)))]
    return fmt, len(valid), len(parsed) - len(valid)


def test_every_shared_fixture_is_covered(shared_dir):
    exports = shared_dir / "fixtures" / "exports"
    found = {p.relative_to(exports).as_posix() for p in exports.rglob("*") if p.is_file() and p.name != "MANIFEST.csv"}
    assert found == set(SHARED_EXPECTATIONS)


@pytest.mark.parametrize("name", sorted(SHARED_EXPECTATIONS))
def test_shared_fixture(shared_dir, name):
    path = shared_dir / "fixtures" / "exports" / name
    expected = SHARED_EXPECTATIONS[name]
    if isinstance(expected[1], str):
        with pytest.raises(FileRejected, match=expected[1].replace("(", r"\(")):
            text = decode(path.read_bytes())
            assert detect(text) == expected[0]
            list(FORMATS[expected[0]](text))
    else:
        assert outcome(path) == expected


def test_manubot_twins_agree_on_doi_and_title(shared_dir):
    exports = shared_dir / "fixtures" / "exports"
    firsts = []
    for name in ("bibtex/manubot__bibliography.bib", "ris/manubot__bibliography.ris",
                 "csl_json/manubot__bibliography.json", "medline/manubot__bibliography.nbib"):
        firsts.append(parse_file(exports / name)[1][0])
    assert {r.doi.lower() for r in firsts} == {"10.7554/elife.32822"}
    assert {r.title for r in firsts} == {"Sci-Hub provides access to nearly all scholarly literature"}
    assert {r.year for r in firsts} == {"2018"}


def test_shared_fixture_details(shared_dir):
    exports = shared_dir / "fixtures" / "exports"
    _, (nejm,) = parse_file(exports / "pubmed_xml/pubmed_parser__pubmed-29768149.xml")
    assert nejm.pmid == "29768149" and nejm.doi and "β" in nejm.abstract and "<" not in nejm.abstract
    _, chocolate = parse_file(exports / "bibtex/jabref__Chocolate.bib")
    assert all(r.doi and r.year for r in chocolate)
    assert not any("&amp;" in r.journal for r in chocolate)
    assert any("Lüscher" in a for r in chocolate for a in r.authors)
    _, scopus = parse_file(exports / "ris/jabref__RisImporterTestScopus.ris")
    assert (scopus[0].journal, scopus[0].pages, scopus[0].doi) == ("Journal of the Mechanics and Physics of Solids", "2309-2327", "10.1016/j.jmps.2004.03.010")
    _, csl = parse_file(exports / "csl_json/commonmeta__csl-list.json")
    assert all(r.year.isdigit() for r in csl if r.year)


# --- our own files: one or more per format ------------------------------------------------

def test_ris_maps_fields_and_strips_markup():
    fmt, records = parse_file(OWN / "small.ris")
    assert fmt == "ris" and len(records) == 3
    first = records[0]
    assert first.title == "Synthetic record one: needling & collagen in ex vivo skin"
    assert (first.authors, first.year, first.pages, first.doi) == (["Tester AB", "Example B"], "2022", "101-109", "10.5555/KB-TEST.0101")
    assert first.abstract == "A synthetic abstract that continues on a second line."
    assert records[1].doi == "10.5555/kb-test.0102"  # found inside the UR link


def test_bibtex_decodes_latex_and_reads_misc_entries():
    fmt, records = parse_file(OWN / "small.bib")
    assert fmt == "bibtex"
    assert records[0].title == "Synthetic Needling Study of Lüscher-Type Scars"
    assert records[0].authors == ["Tester A", "Müller J"] and records[0].pages == "11-19"
    assert records[1].title == "Synthetic web page about needling"


def test_pubmed_xml_maps_ids_markup_and_design_guess():
    fmt, records = parse_file(OWN / "small_pubmed.xml")
    trial, case = records
    assert fmt == "pubmed-xml"
    assert trial.title == "Synthetic randomised trial of TGF-β1 after needling"
    assert (trial.pmid, trial.pmcid, trial.doi, trial.year) == ("90000301", "PMC9000301", "10.5555/kb-test.0301", "2024")
    assert trial.authors == ["Tester AB", "Synthetic Trial Group"]
    assert trial.abstract == "BACKGROUND: Synthetic background. RESULTS: Synthetic results."
    assert (trial.design, trial.design_is_guess) == ("rct", True)
    assert (case.design, case.year, case.title) == ("case_report", "2019", "Synthetic case of a granuloma after needling")


def test_medline_joins_continuation_lines_and_reads_qualified_ids():
    fmt, records = parse_file(OWN / "small.nbib")
    assert fmt == "medline"
    assert records[0].title == "Synthetic MEDLINE record about needling and pigment in darker skin types"
    assert (records[0].doi, records[0].pmcid, records[0].design) == ("10.5555/KB-TEST.0401", "PMC9000401", "systematic_review")
    assert records[1].design == "narrative_review"


def test_csl_json_reads_string_years_and_literal_authors():
    fmt, records = parse_file(OWN / "small_csl.json")
    assert fmt == "csl-json"
    assert records[0].title == "Synthetic CSL item with markup & entities"
    assert (records[0].year, records[0].authors, records[0].abstract) == ("2016", ["Tester AB", "Synthetic Consortium"], "Synthetic abstract.")
    assert records[1].year == ""


def test_crossref_json_envelope():
    fmt, (work,) = parse_file(OWN / "small_crossref.json")
    assert fmt == "crossref-json"
    assert (work.title, work.doi, work.year) == ("Synthetic Crossref work on needling", "10.5555/kb-test.0601", "2015")


def test_curator_csv_template_with_links():
    fmt, records = parse_file(OWN / "studies.csv")
    assert fmt == "csv" and len(records) == 3
    assert records[0].links[0].claim_id == "acne-scar-reduction" and records[0].design == "rct"
    assert records[2].links == [] and records[2].design == "controlled_study"


@pytest.mark.parametrize("name, message", [
    ("broken_pubmed.xml", "line 5, column 0: the XML is malformed"),
    ("broken_wos.ris", "Web of Science"),
    ("broken_csl.json", "line 1, column 40: not valid JSON"),
])
def test_broken_files_are_rejected_clearly(name, message):
    with pytest.raises(FileRejected, match=message):
        parse_file(OWN / name)


def test_broken_record_names_its_field():
    text = (OWN / "broken_records.ris").read_text()
    parsed = list(FORMATS["ris"](text))
    assert check_record(parsed[0].record) == [("doi", "malformed DOI '11.5555/not-a-doi'")]
    assert parsed[0].location == "record 1 (line 1)"


# --- encodings and things that are not exports -----------------------------------------------

def test_utf8_with_and_without_bom_and_utf16():
    text = "TY  - JOUR\nTI  - Synthetic Lüscher record\nER  - \n"
    for data in (text.encode("utf-8"), codecs.BOM_UTF8 + text.encode("utf-8"), text.encode("utf-16")):
        assert decode(data) == text


def test_legacy_single_byte_file_is_rejected_unless_its_encoding_is_given():
    data = "@article{a, title = {Synthetic Lüscher study}, year = {2001}}\n".encode("cp1252")
    with pytest.raises(FileRejected, match=r"line 1: byte 0xfc is not valid UTF-8.*--encoding cp1252"):
        decode(data)
    assert "Lüscher" in decode(data, "cp1252")


def test_jabref_encoding_header_is_honoured():
    data = "% Encoding: windows-1252\n@article{a, title = {Synthetic Lüscher study}}\n".encode("cp1252")
    assert "Lüscher" in decode(data)


@pytest.mark.parametrize("data, message", [
    (b"", "empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
    (b"just some words\nand more", "not recognised"),
    (b"<html><body>no</body></html>", "not PubMed XML"),
])
def test_non_exports_are_rejected(data, message):
    with pytest.raises(FileRejected, match=message):
        detect(decode(data))


def test_curator_csv_headers_are_matched_loosely(tmp_path):
    path = tmp_path / "typed.csv"
    path.write_text("Title,DOI,Year,Claim ID,Stance,Rating,Note\n"
                    "Synthetic study typed by hand,10.5555/kb-test.7001,2020,infection-risk,qualifies,2,Synthetic note.\n")
    fmt, (record,) = parse_file(path)
    assert fmt == "csv" and record.doi == "10.5555/kb-test.7001"
    assert (record.links[0].claim_id, record.links[0].rating) == ("infection-risk", 2)


@pytest.mark.parametrize("line", ["@article{synthetic, title = {Synthetic}}", "TY  - JOUR", "PMID- 90000001", "<PubmedArticle>"])
def test_a_curator_csv_is_recognised_by_its_header_whatever_its_cells_hold(tmp_path, line):
    """A note that starts a line with another format's mark does not make the file that format."""
    path = tmp_path / "notes.csv"
    path.write_text(f'title,year,abstract\nSynthetic study with a pasted abstract,2020,"Pasted from the export:\n{line}\nend"\n',
                    encoding="utf-8")
    fmt, (record,) = parse_file(path)
    assert (fmt, record.title, record.year) == ("csv", "Synthetic study with a pasted abstract", "2020")
    assert record.abstract.startswith("Pasted from the export:")


def test_a_header_with_a_misspelt_column_is_still_a_csv_and_named():
    text = "Title,Athors,Year\nSynthetic study,Tester A,2020\n"
    assert detect(text) == "csv"
    with pytest.raises(FileRejected, match="unknown: athors"):
        list(FORMATS["csv"](text))


# --- found by fuzzing (tests/test_loader_fuzz.py) ------------------------------------------------

def big_ris(encoding: str) -> bytes:
    """RIS records past the 64 KB that format detection reads, in ``encoding``."""
    record = "TY  - JOUR\nTI  - Synthetic Lüscher record {}\nPY  - 2020\nER  - \n\n"
    return "".join(record.format(n) for n in range(1500)).encode(encoding)


def test_a_utf16_file_longer_than_the_detection_head_is_read(data_copy, tmp_path):
    """The head was cut after a b'\\n' byte, half of a UTF-16 newline: a UnicodeDecodeError traceback."""
    path = tmp_path / "endnote.ris"
    path.write_bytes(big_ris("utf-16"))
    report = load([path], data_copy, dry_run=True)
    assert (report.files[0].format, report.files[0].n_read, report.files[0].count("added")) == ("ris", 1500, 1500)


def test_a_one_line_file_cut_inside_a_character_is_still_recognised(tmp_path):
    """Minified JSON has no line break to cut the head at; a character split at 64 KB made it 'not valid UTF-8'."""
    prefix = '[{"id": "x", "title": "'
    filler = "a" * (HEAD_BYTES - len(prefix) - 1)
    text = prefix + filler + "é" * 10 + '", "DOI": "10.5555/kb-test.7002"}]'
    assert text.encode()[HEAD_BYTES - 1:HEAD_BYTES + 1] == "é".encode()  # the head ends inside the é
    assert detect(decode(text.encode()[:HEAD_BYTES], partial=True)) == "csl-json"


@pytest.mark.parametrize("fmt, key", [("csl-json", "id"), ("crossref-json", "DOI")])
def test_a_json_export_longer_than_the_detection_head_is_read(data_copy, tmp_path, fmt, key):
    """Detection parsed the 64 KB head as JSON: every JSON export past 64 KB was refused as 'not valid JSON'."""
    items = [{key: f"10.5555/kb-test.{n}", "title": f"Synthetic title {n}", "DOI": f"10.5555/kb-test.{n}"} for n in range(2000)]
    document = {"message-type": "work-list", "message": {"items": items}} if fmt == "crossref-json" else items
    path = tmp_path / "export.json"
    path.write_text(json.dumps(document, indent=1), encoding="utf-8")
    assert path.stat().st_size > HEAD_BYTES
    report = load([path], data_copy, dry_run=True)
    assert (report.files[0].format, report.files[0].count("added")) == (fmt, 2000)


@pytest.mark.parametrize("data, message", [
    (b"\xff\xfe[{\n", "starts with a UTF-16 byte order mark but byte 4 is not valid UTF-16"),
    (b'{"status": "ok", "message-type": "work", "message": null}', "the 'message' is null, not a Crossref work"),
    (b'{"items": null}', "no Crossref works found"),
])
def test_malformed_files_found_by_fuzzing_are_rejected_clearly(data, message):
    with pytest.raises(FileRejected, match=message):
        text = decode(data)
        list(FORMATS[detect(text)](text))


@pytest.mark.parametrize("item, field, message", [
    ('{"title": {"a": 1}}', "title", "expected text, found an object"),
    ('{"title": "Synthetic", "author": "Tester A"}', "author", "expected a list of names, found text"),
    ('{"title": "Synthetic", "author": [["Tester"]]}', "author", "expected an object with 'family' and 'given', found a list"),
    ('{"title": "Synthetic", "author": [{"family": {"a": 1}}]}', "family", "expected text, found an object"),
    ('{"title": "Synthetic", "issued": {"raw": [true]}}', "raw", "expected text, found true/false"),
])
def test_a_json_field_of_the_wrong_type_rejects_its_record_by_name(item, field, message):
    for fmt in ("csl-json", "crossref-json"):
        (parsed,) = FORMATS[fmt](f"[{item}]")
        assert parsed.problems == [(field, message)], fmt


def test_json_dates_of_any_shape_give_a_year_or_nothing():
    items = ['{"title": "S", "issued": {"date-parts": 2015}}', '{"title": "S", "issued": {"date-parts": [[{"y": 1}]]}}',
             '{"title": "S", "issued": 2015}', '{"title": "S", "issued": {"date-parts": [["2015"]]}}']
    years = [p.record.year for p in FORMATS["csl-json"]("[" + ",".join(items) + "]")]
    assert years == ["", "", "2015", "2015"]


def test_a_ris_line_right_after_a_records_ty_line_is_no_traceback():
    """rispy added it to the previous record's last tag, which the new record lacks: KeyError."""
    text = "TY  - JOUR\nPY  - 2020\nTI  - Synthetic one\nER  - \n\nTY  - JOUR\n\nTI  - Synthetic two\nER  - \n"
    assert [(p.location, p.record.title, p.problems) for p in FORMATS["ris"](text)] == [
        ("record 1 (line 1)", "Synthetic one", []), ("record 2 (line 6)", "Synthetic two", [])]


def test_a_ris_record_without_its_end_line_is_reported_not_dropped():
    """rispy drops a record without 'ER  - ' (a file cut short) and runs one into the next; both are now rejected records."""
    text = "TY  - JOUR\nTI  - Synthetic one\n\nTY  - JOUR\nTI  - Synthetic two\nER  - \n\nTY  - JOUR\nTI  - Synthetic thr"
    records = list(FORMATS["ris"](text))
    assert [(p.location, p.record.title) for p in records] == [
        ("record 1 (line 1)", ""), ("record 2 (line 4)", "Synthetic two"), ("record 3 (line 8)", "")]
    assert records[0].problems == records[2].problems == [
        ("", "has no end line ('ER  - ') before the next record or the end of the file: the file looks cut short")]


def test_a_curator_csv_with_classic_mac_line_ends_is_read():
    """Excel's 'CSV (Macintosh)' ends lines with a lone CR: the csv module raised 'new-line character seen in unquoted field'."""
    text = "title,year,claim_id,rating\rSynthetic study one,2020,,\rSynthetic study two,2021,acne-scar-reduction,²\r"
    records = list(FORMATS[detect(text)](text))
    assert [(p.location, p.record.title, p.record.year) for p in records] == [
        ("line 2", "Synthetic study one", "2020"), ("line 3", "Synthetic study two", "2021")]
    assert records[1].problems == [("rating", "'²' is not a rating from 1 to 5")]  # int('²') raised ValueError


def test_an_unreadable_curator_csv_is_rejected_with_its_line():
    text = 'title,abstract\nSynthetic study,"' + "a" * 200_000 + '"\n'
    with pytest.raises(FileRejected, match=r"line 1: not a readable CSV file \(field larger than field limit"):
        list(FORMATS["csv"](text))


def test_control_characters_are_not_loaded():
    (parsed,) = FORMATS["csv"]('title,year\n"Synthetic\x00 study\x1b[31m",2020\n')
    assert parsed.record.title == "Synthetic study [31m"


def test_a_bibtex_syntax_error_says_what_is_wrong():
    (parsed,) = FORMATS["bibtex"]('@article{synthetic, title = {Unclosed')
    assert parsed.problems == [("", "could not be parsed: Unexpectedly reached end of file.")]  # was 'could not be parsed: '
