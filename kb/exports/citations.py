"""What the bibliography exports (RIS, BibTeX, CSL-JSON) share: which studies, and their authors as names.

A bibliography entry needs a title: studies whose title could not be verified
are left out of the files and named in :attr:`Bibliography.left_out`, never
given a made-up title.

``studies.authors`` holds 'Surname AB' names separated by commas, sometimes
with a curator's remark ('et al. (15 authors)', 'Cohen [initials not
verified]').  Surname-and-initials become structured names, 'et al.' marks a
shortened list, and anything else is kept verbatim as a literal (corporate)
name; when the names do not give the text back, the text is kept in a note.  Authors are exported as names only when the study also has a first
author; otherwise (a registry record 'with no personal authors') the text
goes into a note, so that no format asserts an author the knowledge base does
not, and loading the file back fills no empty field.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field

STUDY_COLUMNS = ("id", "title", "authors", "first_author", "journal", "year", "volume", "issue", "pages",
                 "doi", "pmid", "pmcid", "url")

PERSON = re.compile(r"^(?P<family>[^\W\d][\w'’-]*(?: [^\W\d][\w'’-]*)*) (?P<initials>[A-Z]{1,4})$")
ET_AL = re.compile(r"^et al\b", re.I)


@dataclass(frozen=True)
class Name:
    """One author: a person (family name and initials) or a literal name kept as written."""

    family: str = ""
    initials: str = ""
    literal: str = ""

    @property
    def given(self) -> str:
        """Initials as reference managers write them: 'AB' -> 'A. B.'."""
        return " ".join(f"{letter}." for letter in self.initials)

    def inverted(self) -> str:
        """'Family, A. B.' (RIS and BibTeX); a literal name as written."""
        return f"{self.family}, {self.given}" if self.family else self.literal


@dataclass
class Citation:
    """One study as the bibliography formats need it: its columns (``item.title``...) and its authors as names."""

    columns: dict[str, str]
    """The study's :data:`STUDY_COLUMNS` but the authors, as text ('' when empty)."""
    names: list[Name] = field(default_factory=list)
    truncated: bool = False
    note: str = ""

    def __getattr__(self, name: str) -> str:
        try:
            return self.__dict__["columns"][name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def is_article(self) -> bool:
        """A journal article (it has a journal and a volume, pages or an identifier), else a generic document."""
        return bool(self.journal and (self.volume or self.pages or self.doi or self.pmid))

    def page_range(self) -> tuple[str, str]:
        """(start, end) split at the first hyphen: '29-34' -> ('29', '34'); '124 (article number)' -> (it, '')."""
        start, _, end = self.pages.partition("-")
        return (start, end) if end else (self.pages, "")


@dataclass
class Bibliography:
    citations: list[Citation]
    left_out: list[str]
    """Ids of studies left out because they have no verified title."""


def split_authors(text: str) -> list[str]:
    """The comma-separated parts of an authors field, keeping commas inside brackets."""
    parts, depth, current = [], 0, ""
    for char in text:
        depth += char in "(["
        depth -= char in ")]"
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    parts.append(current.strip())
    return [p for p in parts if p]


def parse_authors(text: str) -> tuple[list[Name], bool]:
    """Structured names from an authors field, and whether the list was shortened ('et al.')."""
    names, truncated = [], False
    for part in split_authors(text):
        if ET_AL.match(part):
            truncated = True
        elif match := PERSON.match(part):
            names.append(Name(family=match["family"], initials=match["initials"]))
        else:
            names.append(Name(literal=part))
    return names, truncated


def citation(study: dict) -> Citation:
    """A :class:`Citation` from a row of ``studies``."""
    values = {k: "" if study[k] is None else str(study[k]) for k in STUDY_COLUMNS}
    authors, first_author = values.pop("authors"), values.pop("first_author")
    entry = Citation(values)
    if authors and first_author:
        entry.names, entry.truncated = parse_authors(authors)
        if ", ".join(n.literal or f"{n.family} {n.initials}" for n in entry.names) != authors:
            entry.note = f"Authors as recorded: {authors}"  # a remark such as 'et al. (15 authors)'
    elif authors or first_author:
        entry.note = f"Authors as recorded: {authors}" if authors else f"First author or issuing body as recorded: {first_author}"
    return entry


def bibliography(conn: sqlite3.Connection, claim_id: str | None = None) -> Bibliography:
    """The studies of ``kb.db`` (or those linked to one claim) as citations, sorted by id."""
    sql = f"SELECT {', '.join(STUDY_COLUMNS)} FROM studies"
    params: tuple = ()
    if claim_id is not None:
        sql += " WHERE id IN (SELECT study_id FROM claim_evidence WHERE claim_id = ?)"
        params = (claim_id,)
    cursor = conn.execute(sql + " ORDER BY id", params)
    columns = [d[0] for d in cursor.description]
    rows = [dict(zip(columns, row)) for row in cursor]
    return Bibliography([citation(r) for r in rows if r["title"]], [r["id"] for r in rows if not r["title"]])
