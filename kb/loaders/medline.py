"""PubMed's MEDLINE text format (.nbib, .txt from 'Send to: File, PubMed').

A small reader of our own: no maintained Python parser handles this format
(rispy reads RIS and Web of Science only).  Tags are four columns wide,
'TAG - value', with six-space continuation lines; records are separated by
blank lines.
"""

from __future__ import annotations

import re
from typing import Iterator

from kb.loaders.records import FileRejected, ParsedRecord, StudyRecord, clean_doi, clean_pmcid, clean_text, guess_design, split_name, year_of

TAG_LINE = re.compile(r"^([A-Z][A-Z0-9]{0,3})\s*- (.*)$")


def records(text: str) -> Iterator[tuple[int, dict[str, list[str]]]]:
    """(first line, {tag: [values]}) for each record."""
    current: dict[str, list[str]] = {}
    start, last_tag = 0, None
    for number, line in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        if not line.strip():
            if current:
                yield start, current
            current, last_tag = {}, None
            continue
        match = TAG_LINE.match(line)
        if match:
            if not current:
                start = number
            last_tag = match.group(1)
            current.setdefault(last_tag, []).append(match.group(2).strip())
        elif line.startswith("      ") and last_tag:
            current[last_tag][-1] += " " + line.strip()
        else:
            raise FileRejected(f"line {number}: {line[:40]!r} is neither a 'TAG - value' line nor a continuation")
    if current:
        yield start, current


def parse(text: str) -> Iterator[ParsedRecord]:
    found = False
    for index, (line, fields) in enumerate(records(text), start=1):
        found = True
        if "PMID" not in fields and "TI" not in fields:
            raise FileRejected(f"line {line}: record {index} has neither PMID nor TI; this is not MEDLINE format")
        yield ParsedRecord(index, f"record {index} (line {line})", to_record(fields))
    if not found:
        raise FileRejected("no MEDLINE records were found")


def _qualified(values: list[str], qualifier: str) -> str:
    for value in values:
        if value.endswith(f"[{qualifier}]"):
            return value[: -len(qualifier) - 2].strip()
    return ""


def to_record(fields: dict[str, list[str]]) -> StudyRecord:
    first = lambda tag: clean_text(fields.get(tag, [""])[0])  # noqa: E731
    doi = _qualified(fields.get("LID", []), "doi") or _qualified(fields.get("AID", []), "doi")
    authors = [split_name(a) for a in fields.get("FAU", [])] or [clean_text(a) for a in fields.get("AU", [])]
    design, guessed = guess_design(fields.get("PT", []))
    return StudyRecord(
        title=first("TI") or first("BTI"),
        authors=[a for a in authors if a],
        journal=first("JT") or first("TA"),
        year=year_of(first("DP")),
        volume=first("VI"),
        issue=first("IP"),
        pages=first("PG"),
        doi=clean_doi(doi),
        pmid=first("PMID"),
        pmcid=clean_pmcid(first("PMC")),
        abstract=first("AB"),
        design=design,
        design_is_guess=guessed,
    )
