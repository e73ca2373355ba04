"""The Retraction Watch data file (the CSV Crossref publishes): retractions, corrections and concerns about papers.

Each row is a notice about one original paper.  :func:`parse_file` streams
the file row by row (the real file holds about 60,000 rows), reading only
what a notice needs: the record id, the nature, the date, the reasons, the
notice's own DOI and PMID, and the original paper's DOI and PMID, by which
``kb load`` matches the notice to a study already in the knowledge base.
Dates such as ``1/15/2024 0:00`` become ``2024-01-15``; the ``;``-separated
reasons (``+Duplication of Article;+Error in Data;``) become ``Duplication
of Article; Error in Data``.  A PubMed id of ``0`` means none.  Some copies
end every line with a comma: the empty column that makes is ignored.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Iterable, Iterator

from kb.loaders.records import FileRejected, ParsedRecord
from kb.spreadsheet_safety import neutralise
from kb.validate import IDENTIFIER_PATTERNS, strip_doi_prefix
from kb.vocab import NoticeNature

COLUMNS = ("Record ID", "Title", "Subject", "Institution", "Journal", "Publisher", "Country", "Author", "URLS", "ArticleType",
           "RetractionDate", "RetractionDOI", "RetractionPubMedID", "OriginalPaperDate", "OriginalPaperDOI", "OriginalPaperPubMedID",
           "RetractionNature", "Reason", "Paywalled", "Notes")
"""The columns of the file, as Crossref publishes it."""
NEEDED = ("Record ID", "RetractionDate", "RetractionDOI", "RetractionPubMedID", "OriginalPaperDOI", "OriginalPaperPubMedID",
          "RetractionNature", "Reason")

NATURES = {"retraction": NoticeNature.RETRACTION, "correction": NoticeNature.CORRECTION,
           "expression of concern": NoticeNature.EXPRESSION_OF_CONCERN, "reinstatement": NoticeNature.REINSTATEMENT}
"""RetractionNature as written in the file (any case) -> notice_natures."""
SOURCE_PREFIX = "retraction-watch:"
DATE_FORMATS = ("%m/%d/%Y %H:%M", "%m/%d/%Y", "%Y-%m-%d", "%Y-%m-%d %H:%M:%S")


def is_header(first_line: str) -> bool:
    """Whether ``first_line`` is the header of a Retraction Watch file."""
    names = {c.strip().strip('"').lower() for c in first_line.split(",")}
    return {"record id", "retractionnature", "originalpaperdoi"} <= names


@dataclass
class Notice:
    """One row of the file: a notice, with the identifiers of the paper it is about."""

    record_id: str
    nature: str  # as in the file; see :func:`nature_of`
    date: str  # as in the file; see :func:`iso_date`
    reason: str
    notice_doi: str
    notice_pmid: str
    paper_doi: str
    paper_pmid: str

    @property
    def source(self) -> str:
        return f"{SOURCE_PREFIX}{self.record_id}"


def iso_date(text: str) -> str | None:
    """'1/15/2024 0:00' -> '2024-01-15'; None when it is not a date."""
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text.strip(), pattern).date().isoformat()
        except ValueError:
            continue
    return None


def nature_of(text: str) -> str | None:
    """The notice_natures value of a RetractionNature; None when it is none of the four."""
    return NATURES.get(" ".join(text.split()).lower())


def reasons(text: str) -> str:
    """'+Duplication of Article;+Error in Data;' -> 'Duplication of Article; Error in Data' (safe to open in a spreadsheet)."""
    return neutralise("; ".join(part.strip().lstrip("+").strip() for part in text.split(";") if part.strip().lstrip("+").strip()))


def doi(text: str) -> str:
    """The DOI of a cell in any form (URL, 'doi:' label, any case), or '' when the cell holds none ('unavailable')."""
    found = strip_doi_prefix(text)
    return found if IDENTIFIER_PATTERNS["doi"].match(found) else ""


def pmid(text: str) -> str:
    """A PubMed id, or '' for an empty cell or the file's '0'."""
    found = text.strip()
    return found if IDENTIFIER_PATTERNS["pmid"].match(found) else ""


def notices(lines: Iterable[str]) -> Iterator[ParsedRecord]:
    """The notices of the file's ``lines``, one :class:`ParsedRecord` (whose record is a :class:`Notice`) per row."""
    reader = csv.reader(lines)
    header = [name.strip().lstrip("\ufeff") for name in next(reader, [])]
    missing = [name for name in NEEDED if name not in header]
    if missing:
        raise FileRejected(f"line 1: the header lacks the Retraction Watch column(s) {', '.join(missing)}")
    position = {name: header.index(name) for name in NEEDED}
    for index, row in enumerate(reader, start=1):
        if not any(cell.strip() for cell in row):
            continue
        cell = {name: row[at].strip() if at < len(row) else "" for name, at in position.items()}
        record = Notice(cell["Record ID"], cell["RetractionNature"], cell["RetractionDate"], reasons(cell["Reason"]),
                        doi(cell["RetractionDOI"]), pmid(cell["RetractionPubMedID"]), doi(cell["OriginalPaperDOI"]),
                        pmid(cell["OriginalPaperPubMedID"]))
        yield ParsedRecord(index, f"line {reader.line_num} (record {cell['Record ID'] or '?'})", record)


def problems_of(notice: Notice) -> list[tuple[str, str]]:
    """What is wrong with a notice that matched a study: (column, message) pairs (unmatched rows are never checked)."""
    problems = []
    if not notice.record_id:
        problems.append(("Record ID", "the record id is empty"))
    if nature_of(notice.nature) is None:
        problems.append(("RetractionNature", f"{notice.nature!r} is not one of Retraction, Correction, Expression of concern, Reinstatement"))
    if iso_date(notice.date) is None:
        problems.append(("RetractionDate", f"{notice.date!r} is not a date like 1/15/2024 0:00"))
    return problems


def parse(text: str) -> Iterator[ParsedRecord]:
    """The notices of a file's whole text."""
    return notices(io.StringIO(text.lstrip("\ufeff"), newline=""))


def parse_file(path: Path, encoding: str | None = None) -> Iterator[ParsedRecord]:
    """The notices of the file at ``path``, streamed (never the whole file in memory)."""
    try:
        with open(path, encoding=encoding or "utf-8-sig", newline="") as handle:
            yield from notices(handle)
    except UnicodeDecodeError as error:
        raise FileRejected(f"byte 0x{error.object[error.start]:02x} is not valid {encoding or 'UTF-8'}; "
                           "give the file's encoding with --encoding") from None

