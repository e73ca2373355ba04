"""The curator's CSV template: one row per study, or per study-claim link (documented in docs/loading.md).

Rows that describe the same study (same DOI, PMID, PMCID or title + year)
are merged into one study with several links.
"""

from __future__ import annotations

import csv
import io
from typing import Iterator

from kb.loaders.records import FileRejected, LinkSpec, ParsedRecord, StudyRecord, UNCLASSIFIED, clean_doi, clean_pmcid, clean_text

STUDY_COLUMNS = ("title", "authors", "journal", "year", "volume", "issue", "pages", "doi", "pmid", "pmcid",
                 "design", "n_participants", "population", "abstract")
LINK_COLUMNS = ("claim_id", "stance", "directness", "indirectness_reason", "rating", "note")
COLUMNS = STUDY_COLUMNS + LINK_COLUMNS


def column_name(heading: str) -> str:
    """A header cell as a template column name: 'Claim ID' -> 'claim_id'."""
    return heading.strip().lower().replace(" ", "_")


def is_template_header(line: str) -> bool:
    """Whether ``line`` is the header row of the template: 'title' and, at least half of it, the template's columns.

    Checked before any other format's marks: a cell of a curator CSV may
    start a line with '@article{' or 'TY  - ', but no other export starts
    with a row of these column names.  A header with a misspelt column still
    counts, so that :func:`parse` can say which column is wrong.
    """
    names = [column_name(h) for h in next(csv.reader([line]), [])]
    return "title" in names and 2 * sum(n in COLUMNS for n in names) >= len(names)


def parse(text: str) -> Iterator[ParsedRecord]:
    # newline=None reads '\r' (classic Mac, 'CSV (Macintosh)') and '\r\n' line ends as '\n', which the csv module needs
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=None))
    try:
        yield from _records(reader)
    except csv.Error as error:
        raise FileRejected(f"line {reader.line_num}: not a readable CSV file ({error})") from None


def _records(reader: csv.DictReader) -> Iterator[ParsedRecord]:
    reader.fieldnames = [column_name(h) for h in (reader.fieldnames or [])]
    header = reader.fieldnames
    unknown = [h for h in header if h not in COLUMNS]
    if "title" not in header or unknown:
        raise FileRejected(f"line 1: the header must use the template's columns ({', '.join(COLUMNS)}); "
                           f"unknown: {', '.join(unknown) or 'none'}; 'title' is required")
    for index, raw in enumerate(reader, start=1):
        row = {k.strip(): clean_text(v) for k, v in raw.items() if k}
        record = StudyRecord(
            title=row.get("title", ""),
            authors=[a.strip() for a in row.get("authors", "").split(";") if a.strip()],
            journal=row.get("journal", ""), year=row.get("year", ""), volume=row.get("volume", ""),
            issue=row.get("issue", ""), pages=row.get("pages", ""), doi=clean_doi(row.get("doi", "")),
            pmid=row.get("pmid", ""), pmcid=clean_pmcid(row.get("pmcid", "")),
            design=row.get("design") or UNCLASSIFIED, n_participants=row.get("n_participants", ""),
            population=row.get("population", ""), abstract=row.get("abstract", ""),
        )
        problems = []
        if row.get("claim_id"):
            rating = row.get("rating", "")
            whole_number = rating.isascii() and rating.isdigit()  # not '²', which isdigit() accepts and int() refuses
            if rating and not whole_number:
                problems.append(("rating", f"{rating!r} is not a rating from 1 to 5"))
            record.links.append(LinkSpec(row["claim_id"], row.get("stance", ""), int(rating) if whole_number else None,
                                         row.get("note", ""), row.get("directness") or "direct", row.get("indirectness_reason", "")))
        elif any(row.get(c) for c in LINK_COLUMNS):
            problems.append(("claim_id", "link columns are filled but claim_id is empty"))
        yield ParsedRecord(index, f"line {reader.line_num}", record, problems)
