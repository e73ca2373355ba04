"""BibTeX and biblatex via bibtexparser 2, the maintained BibTeX parser.

bibtexparser handles the syntax (braces, @string macros, @comment blocks);
its LaTeX-decoding middleware (pylatexenc) turns {\\"o} into ö.  biblatex's
journaltitle/date are read as well as BibTeX's journal/year.

bibtexparser logs a warning for every block it cannot parse; the load
reports those blocks itself (each a rejected record), so its logger is
silenced below ERROR.  ``library.entries`` and ``library.failed_blocks``
rebuild a list on every access, so the blocks are taken once.
"""

from __future__ import annotations

import logging
from typing import Iterator

import bibtexparser
from bibtexparser.middlewares import LatexDecodingMiddleware
from bibtexparser.model import Entry, ParsingFailedBlock

from kb.loaders.records import (
    BOOK_CHAPTER, OTHER, WEB_PAGE, FileRejected, ParsedRecord, StudyRecord, clean_doi, clean_text, split_name, year_of,
)

ENTRY_TYPES = {
    "article", "book", "booklet", "inbook", "incollection", "inproceedings", "conference", "manual", "mastersthesis",
    "misc", "phdthesis", "proceedings", "techreport", "unpublished", "report", "thesis", "collection",
    "dataset", "software", "preprint",
}
"""The usual BibTeX and biblatex entry types; any other (@patent, @set, @online...) loads as 'other' with a warning."""
WEB_ENTRY_TYPES = {"online", "electronic", "www"}
CHAPTER_ENTRY_TYPES = {"inbook", "incollection"}


logging.getLogger("bibtexparser").setLevel(logging.ERROR)


def parse(text: str) -> Iterator[ParsedRecord]:
    library = bibtexparser.parse_string(text.lstrip("\ufeff"), append_middleware=[LatexDecodingMiddleware()])
    blocks = sorted((b for b in library.blocks if isinstance(b, (Entry, ParsingFailedBlock))), key=lambda b: b.start_line or 0)
    if not blocks:
        raise FileRejected("no BibTeX entries (@type{key, ...}) were found")
    for index, block in enumerate(blocks, start=1):
        location = f"record {index} (line {(block.start_line or 0) + 1})"
        if isinstance(block, ParsingFailedBlock):
            reason = getattr(block.error, "abort_reason", "") or str(block.error)  # a syntax error's str() is empty
            yield ParsedRecord(index, location, StudyRecord(), [("", f"could not be parsed: {reason}")])
            continue
        record = to_record({k.lower(): v for k, v in block.fields_dict.items()})
        entry_type, warnings = block.entry_type.lower(), []
        record.record_type = (WEB_PAGE if entry_type in WEB_ENTRY_TYPES else BOOK_CHAPTER if entry_type in CHAPTER_ENTRY_TYPES
                              else "" if entry_type in ENTRY_TYPES else f"{OTHER} (@{entry_type})")
        if entry_type not in ENTRY_TYPES:
            kind = f"{OTHER} ({WEB_PAGE})" if record.record_type == WEB_PAGE else OTHER
            warnings.append(("entry type", f"@{block.entry_type} is not a usual BibTeX entry type: loaded as {kind}, design unclassified"))
        yield ParsedRecord(index, f"{location}, key {block.key!r}", record, warnings=warnings)


def _value(fields: dict, *names: str) -> str:
    for name in names:
        if name in fields and fields[name].value:
            return clean_text(str(fields[name].value).replace("{", "").replace("}", ""))
    return ""


def _authors(raw: str) -> list[str]:
    names = [n.strip() for n in raw.replace("\n", " ").split(" and ") if n.strip()]
    return [split_name(n) for n in names if n.lower() not in ("others", "et al.")]


def to_record(fields: dict) -> StudyRecord:
    raw_authors = str(fields["author"].value) if "author" in fields else ""
    return StudyRecord(
        title=_value(fields, "title", "booktitle"),
        authors=_authors(raw_authors),
        journal=_value(fields, "journal", "journaltitle", "booktitle", "publisher"),
        year=year_of(_value(fields, "year", "date")),
        volume=_value(fields, "volume"),
        issue=_value(fields, "number", "issue"),
        pages=_value(fields, "pages").replace("--", "-").replace("\u2013", "-"),
        doi=clean_doi(_value(fields, "doi")),
        pmid=_value(fields, "pmid"),
        pmcid=_value(fields, "pmcid"),
        abstract=_value(fields, "abstract"),
    )
