"""RIS (Zotero, EndNote, Scopus, Mendeley...) via rispy, the maintained RIS reader.

rispy does the tag parsing (continuation lines, repeated tags), one record at
a time: given a whole file, it adds a line that follows a record's TY line to
the previous record's last tag, which fails, and drops a record without its
ER line.  This module splits the records at their TY lines, reports what
rispy silently accepts (a file that does not start with TY, a record
without ER) and maps rispy's keys to a :class:`StudyRecord`.
"""

from __future__ import annotations

import re
from typing import Iterator

import rispy

from kb.loaders.records import WEB_PAGE, FileRejected, ParsedRecord, StudyRecord, clean_doi, clean_text, split_name, year_of

TAG_LINE = re.compile(r"^([A-Z][A-Z0-9])  -( |$)")
WEB_TYPES = {"ELEC", "WEB", "BLOG"}
"""RIS reference types of web pages."""


def parse(text: str) -> Iterator[ParsedRecord]:
    lines = text.lstrip("\ufeff").splitlines()
    tagged = [(number, match.group(1)) for number, line in enumerate(lines) if (match := TAG_LINE.match(line))]
    if not tagged:
        raise FileRejected("no RIS tag lines ('XX  - value') were found")
    if tagged[0][1] != "TY":
        raise FileRejected(f"line {tagged[0][0] + 1}: the first record starts with {tagged[0][1]}, not TY; "
                           "every RIS record must begin with a 'TY  - ' line (the file looks truncated or corrupted)")
    starts = [number for number, tag in tagged if tag == "TY"]
    parser = rispy.RisParser()
    for index, (start, end) in enumerate(zip(starts, [*starts[1:], len(lines)]), start=1):
        location = f"record {index} (line {start + 1})"
        entries = parser.parse_lines(iter(lines[start:end]))
        if entries:
            yield ParsedRecord(index, location, to_record(entries[0]))
        else:
            yield ParsedRecord(index, location, StudyRecord(), [("", "has no end line ('ER  - ') before the next record or the end "
                                                                    "of the file: the file looks cut short")])


def _first(entry: dict, *keys: str) -> str:
    for key in keys:
        value = entry.get(key)
        if isinstance(value, list):
            value = value[0] if value else ""
        if value:
            return clean_text(value)
    return ""


def to_record(entry: dict) -> StudyRecord:
    unknown = entry.get("unknown_tag", {})
    doi = _first(entry, "doi") or next((d for d in map(clean_doi, entry.get("urls", [])) if d.startswith("10.")), "")
    start, end = _first(entry, "start_page"), _first(entry, "end_page")
    authors = [split_name(a) for a in entry.get("authors", []) + entry.get("first_authors", [])]
    return StudyRecord(
        title=_first(entry, "title", "primary_title", "short_title"),
        authors=[a for a in authors if a],
        journal=_first(entry, "journal_name", "secondary_title", "alternate_title3", "alternate_title2", "alternate_title1"),
        year=year_of(_first(entry, "year", "publication_year", "date")),
        volume=_first(entry, "volume") or clean_text((unknown.get("VO") or [""])[0]),
        issue=_first(entry, "number"),
        pages=f"{start}-{end}" if start and end else start,
        doi=clean_doi(doi),
        abstract=_first(entry, "abstract", "notes_abstract"),
        record_type=WEB_PAGE if entry.get("type_of_reference") in WEB_TYPES else "",
    )
