"""Crossref REST API JSON: /works/{doi} (status/message envelope), /works?query (work-list), or {"items": [...]}."""

from __future__ import annotations

from typing import Iterator

from kb.loaders.csl_json import date_year, first_text, load_json, names
from kb.loaders.records import FileRejected, ParsedRecord, StudyRecord, clean_doi, clean_text


def items_of(data) -> list:
    if isinstance(data, dict) and "message" in data:
        message = data["message"]
        return message.get("items", []) if data.get("message-type") == "work-list" or "items" in message else [message]
    if isinstance(data, dict) and "items" in data:
        return data["items"]
    if isinstance(data, list):
        return data
    if isinstance(data, dict) and "DOI" in data:
        return [data]
    raise FileRejected("no Crossref works found (expected a 'message' envelope or an 'items' list)")


def parse(text: str) -> Iterator[ParsedRecord]:
    for index, item in enumerate(items_of(load_json(text)), start=1):
        yield ParsedRecord(index, f"item {index} (DOI {item.get('DOI', '?')})", to_record(item))


def to_record(item: dict) -> StudyRecord:
    issued = item.get("issued") or item.get("published-print") or item.get("published-online") or item.get("published")
    return StudyRecord(
        title=first_text(item.get("title")),
        authors=names(item.get("author")),
        journal=first_text(item.get("container-title")),
        year=date_year(issued),
        volume=clean_text(item.get("volume")),
        issue=clean_text(item.get("issue")),
        pages=clean_text(item.get("page")),
        doi=clean_doi(item.get("DOI", "")),
        abstract=clean_text(item.get("abstract")),
    )
