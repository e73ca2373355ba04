"""CSL-JSON (Zotero, Mendeley, pandoc, Crossref's citation format): a list of items, or one item."""

from __future__ import annotations

import json
from typing import Callable, Iterator

from kb.loaders.records import WEB_PAGE, FileRejected, ParsedRecord, StudyRecord, author_name, clean_doi, clean_pmcid, clean_text, year_of

WEB_TYPES = {"webpage", "post", "post-weblog"}
"""CSL item types of web pages."""


def load_json(text: str):
    try:
        return json.loads(text.lstrip("\ufeff"))
    except json.JSONDecodeError as error:
        raise FileRejected(f"line {error.lineno}, column {error.colno}: not valid JSON ({error.msg})") from None


class WrongType(Exception):
    """A field of a JSON item holds a value of another type than the format allows (an object where text belongs...)."""

    def __init__(self, name: str, value, expected: str):
        self.field = name
        super().__init__(f"expected {expected}, found {json_type(value)}")


def json_type(value) -> str:
    """The JSON name of ``value``'s type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    return {dict: "an object", list: "a list", str: "text"}.get(type(value), "a number")


def parse(text: str) -> Iterator[ParsedRecord]:
    data = load_json(text)
    yield from parse_items(data if isinstance(data, list) else [data], to_record, "id")


def parse_items(items: list, to_record: Callable[[dict], StudyRecord], label: str) -> Iterator[ParsedRecord]:
    """Records of the JSON ``items``: an item that is not an object, or has a field of the wrong type, is a rejected record."""
    for index, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            yield ParsedRecord(index, f"item {index}", StudyRecord(), [("", f"is {json_type(item)}, not a JSON object")])
            continue
        location = f"item {index} ({label} {str(item.get(label, '?'))[:60]!r})"
        try:
            yield ParsedRecord(index, location, to_record(item))
        except WrongType as error:
            yield ParsedRecord(index, location, StudyRecord(), [(error.field, str(error))])


def field_text(item: dict, name: str) -> str:
    """The text of field ``name``: a string or a number, or the first of a list of them (Crossref's titles); '' when absent."""
    value = item.get(name)
    if isinstance(value, list):
        value = value[0] if value else None
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise WrongType(name, value, "text")
    return clean_text(value)


def date_year(item: dict, name: str) -> str:
    """The year of a CSL/Crossref date: {'date-parts': [[2015, 8, 26]]} (year may be a string or null), or its 'raw' text."""
    value = item.get(name)
    if not isinstance(value, dict):
        return year_of(field_text(item, name))
    parts = value.get("date-parts")
    first = parts[0] if isinstance(parts, list) and parts and isinstance(parts[0], list) else []
    if first and isinstance(first[0], (str, int)) and not isinstance(first[0], bool):
        return year_of(first[0])
    return year_of(field_text(value, "raw") or field_text(value, "literal"))


def names(item: dict, name: str) -> list[str]:
    """'Surname AB' for each person of field ``name``: objects with family/given or literal parts."""
    people = item.get(name) or []
    if not isinstance(people, list):
        raise WrongType(name, people, "a list of names")
    found = []
    for person in people:
        if not isinstance(person, dict):
            raise WrongType(name, person, "an object with 'family' and 'given'")
        author = author_name(field_text(person, "family"), field_text(person, "given"),
                             field_text(person, "literal") or field_text(person, "name"))
        if author:
            found.append(author)
    return found


def to_record(item: dict) -> StudyRecord:
    return StudyRecord(
        title=field_text(item, "title"),
        authors=names(item, "author"),
        journal=field_text(item, "container-title"),
        year=date_year(item, "issued"),
        volume=field_text(item, "volume"),
        issue=field_text(item, "issue"),
        pages=field_text(item, "page").replace("--", "-"),
        doi=clean_doi(field_text(item, "DOI") or field_text(item, "doi")),
        pmid=field_text(item, "PMID"),
        pmcid=clean_pmcid(field_text(item, "PMCID")),
        abstract=field_text(item, "abstract"),
        record_type=WEB_PAGE if field_text(item, "type") in WEB_TYPES else "",
    )
