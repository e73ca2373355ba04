"""CSL-JSON (Zotero, Mendeley, pandoc, Crossref's citation format): a list of items, or one item."""

from __future__ import annotations

import json
from typing import Iterator

from kb.loaders.records import WEB_PAGE, FileRejected, ParsedRecord, StudyRecord, author_name, clean_doi, clean_pmcid, clean_text, year_of

WEB_TYPES = {"webpage", "post", "post-weblog"}
"""CSL item types of web pages."""


def load_json(text: str):
    try:
        return json.loads(text.lstrip("\ufeff"))
    except json.JSONDecodeError as error:
        raise FileRejected(f"line {error.lineno}, column {error.colno}: not valid JSON ({error.msg})") from None


def parse(text: str) -> Iterator[ParsedRecord]:
    data = load_json(text)
    items = data if isinstance(data, list) else [data]
    for index, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            yield ParsedRecord(index, f"item {index}", StudyRecord(), [("", "is not a JSON object")])
            continue
        yield ParsedRecord(index, f"item {index} (id {item.get('id', '?')!r})", to_record(item))


def date_year(value) -> str:
    """The year of a CSL/Crossref date: {'date-parts': [[2015, 8, 26]]} (year may be a string or null)."""
    if isinstance(value, dict):
        parts = value.get("date-parts") or [[]]
        first = parts[0] if parts and isinstance(parts[0], list) else []
        if first and first[0] is not None:
            return year_of(first[0])
        return year_of(value.get("raw") or value.get("literal") or "")
    return year_of(value or "")


def names(people) -> list[str]:
    found = []
    for person in people or []:
        if isinstance(person, dict):
            name = author_name(person.get("family", ""), person.get("given", ""), person.get("literal") or person.get("name", ""))
            if name:
                found.append(name)
    return found


def first_text(value) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    return clean_text(value)


def to_record(item: dict) -> StudyRecord:
    return StudyRecord(
        title=first_text(item.get("title")),
        authors=names(item.get("author")),
        journal=first_text(item.get("container-title")),
        year=date_year(item.get("issued")),
        volume=clean_text(item.get("volume")),
        issue=clean_text(item.get("issue")),
        pages=clean_text(item.get("page")).replace("--", "-"),
        doi=clean_doi(item.get("DOI") or item.get("doi") or ""),
        pmid=clean_text(item.get("PMID") or ""),
        pmcid=clean_pmcid(item.get("PMCID") or ""),
        abstract=clean_text(item.get("abstract")),
        record_type=WEB_PAGE if item.get("type") in WEB_TYPES else "",
    )
