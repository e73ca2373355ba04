"""Crossref REST API JSON: /works/{doi} (status/message envelope), /works?query (work-list), or {"items": [...]}."""

from __future__ import annotations

from typing import Iterator

from kb.loaders.csl_json import date_year, field_text, json_type, load_json, names, parse_items
from kb.loaders.records import FileRejected, ParsedRecord, StudyRecord, clean_doi

DATES = ("issued", "published-print", "published-online", "published")
"""Crossref's dates of a work, the one to use first."""


def items_of(data) -> list:
    if isinstance(data, dict) and "message" in data:
        message = data["message"]
        if not isinstance(message, dict):
            raise FileRejected(f"the 'message' is {json_type(message)}, not a Crossref work or work list")
        data = message if data.get("message-type") == "work-list" or "items" in message else [message]
    if isinstance(data, dict) and "items" in data:
        data = data["items"]
    if isinstance(data, list):
        return data
    if isinstance(data, dict) and "DOI" in data:
        return [data]
    raise FileRejected("no Crossref works found (expected a 'message' envelope or an 'items' list)")


def parse(text: str) -> Iterator[ParsedRecord]:
    yield from parse_items(items_of(load_json(text)), to_record, "DOI")


def to_record(item: dict) -> StudyRecord:
    issued = next((name for name in DATES if item.get(name)), DATES[0])
    return StudyRecord(
        title=field_text(item, "title"),
        authors=names(item, "author"),
        journal=field_text(item, "container-title"),
        year=date_year(item, issued),
        volume=field_text(item, "volume"),
        issue=field_text(item, "issue"),
        pages=field_text(item, "page"),
        doi=clean_doi(field_text(item, "DOI")),
        abstract=field_text(item, "abstract"),
    )
