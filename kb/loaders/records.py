"""The one study record every export format is mapped to, and the checks it must pass.

Parsers turn a file into :class:`ParsedRecord` objects (a :class:`StudyRecord`
plus where it was found); :func:`check_record` validates one record and
returns :class:`LoadProblem` objects naming the file, the record and the field.
"""

from __future__ import annotations

import html
import operator
import re
import unicodedata
from dataclasses import dataclass, field, fields, replace
from datetime import date

from kb.spreadsheet_safety import is_formula, neutralise
from kb.validate import IDENTIFIER_PATTERNS, normalise_doi, strip_doi_prefix


def _pickle_as_field_values(cls: type) -> type:
    """Pickle instances of dataclass ``cls`` as (class, field values): the background parser
    (:mod:`kb.loaders.background`) sends every record through a pipe, and the default way costs twice as much."""
    values = operator.attrgetter(*(f.name for f in fields(cls)))
    cls.__reduce__ = lambda self: (cls, values(self))
    return cls


@dataclass(frozen=True)
class LinkSpec:
    """A claim link to make for a loaded study."""

    claim_id: str
    stance: str
    rating: int | None
    note: str
    directness: str = "direct"
    indirectness_reason: str = ""


@_pickle_as_field_values
@dataclass
class StudyRecord:
    """A study as read from an export file, before it becomes a row of studies.csv."""

    title: str = ""
    authors: list[str] = field(default_factory=list)
    journal: str = ""
    year: str = ""
    volume: str = ""
    issue: str = ""
    pages: str = ""
    doi: str = ""
    pmid: str = ""
    pmcid: str = ""
    abstract: str = ""
    design: str = ""
    design_is_guess: bool = False
    n_participants: str = ""
    population: str = ""
    links: list[LinkSpec] = field(default_factory=list)
    record_type: str = ""  # what kind of record the file says it is, where that is not a journal article ('web page', 'book chapter', 'other (@patent)')
    accession: str = ""  # the NCBI Bookshelf accession (NBK...) of a book or chapter

    @property
    def first_author(self) -> str:
        return self.authors[0] if self.authors else ""


MESSAGE_CHARS = 500
"""The longest problem message kept; the rest is counted."""


@dataclass(frozen=True, order=True)
class LoadProblem:
    """One problem with one record (or the whole file when ``record`` is 0).

    A message quotes the value at fault; one of a garbage file can be a
    megabyte long, so a message is cut at :data:`MESSAGE_CHARS`.
    """

    file: str
    record: int
    location: str
    field: str
    message: str

    def __post_init__(self) -> None:
        if len(self.message) > MESSAGE_CHARS:
            object.__setattr__(self, "message", f"{self.message[:MESSAGE_CHARS]}... ({len(self.message) - MESSAGE_CHARS:,} more characters)")

    def __str__(self) -> str:
        where = f"{self.file}: {self.location}" if self.location else self.file
        column = f" field '{self.field}':" if self.field else ""
        return f"{where}:{column} {self.message}"


@_pickle_as_field_values
@dataclass
class ParsedRecord:
    """A record with where it came from: its 1-based index and a human location ('line 12')."""

    index: int
    location: str
    record: StudyRecord
    problems: list[tuple[str, str]] = field(default_factory=list)  # (field, message) found by the parser
    warnings: list[tuple[str, str]] = field(default_factory=list)  # (field, message): loaded, but a curator should look


class FileRejected(Exception):
    """The file as a whole cannot be read in the format it claims (message names why)."""


TAG = re.compile(r"</?\s*([A-Za-z][\w.:-]*)[^>]*>|<!--.*?-->", re.S)
SPACE = re.compile(r"\s+")
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
INLINE_TAGS = {"i", "b", "em", "strong", "sub", "sup", "scp", "sc", "span", "u", "italic", "bold", "a", "ext-link"}
"""Markup that sits inside a word ('TGF-β<sub>1</sub>'): removed without a space."""


def _untag(match: re.Match) -> str:
    name = (match.group(1) or "").split(":")[-1].lower()
    return "" if name in INLINE_TAGS or match.group(0).startswith(("<mml", "</mml", "<m:", "</m:")) else " "


def clean_text(value) -> str:
    """Text with HTML/XML entities decoded, markup (HTML, JATS, MathML) reduced to its text, control characters
    (NUL, escape...) made spaces, spaces folded, NFC."""
    if value is None:
        return ""
    text = str(value)
    if "&" in text or "<" in text:
        for _ in range(2):  # '&amp;lt;' style double escaping
            text = html.unescape(text)
        text = TAG.sub(_untag, text)
        text = re.sub(r"\s+([,.;:)])", r"\1", re.sub(r"([(])\s+", r"\1", SPACE.sub(" ", text)))
    if not text.isprintable():
        text = CONTROL.sub(" ", text)
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return " ".join(text.split())


def clean_doi(value: str) -> str:
    """A DOI without resolver prefix, 'doi:' label or surrounding spaces (case kept)."""
    return strip_doi_prefix(clean_text(value)).rstrip(".")


def clean_pmcid(value: str) -> str:
    value = clean_text(value).upper()
    return value if value.startswith("PMC") or not value else f"PMC{value}"


def year_of(value) -> str:
    """The first plausible four-digit year in ``value`` ('2018/03/01/', 'Spring 1990', 2018)."""
    match = re.search(r"(1[6-9]\d\d|20\d\d)", str(value or ""))
    return match.group(1) if match else ""


def author_name(family: str, given: str = "", literal: str = "") -> str:
    """'Surname AB' from name parts (the style of studies.csv); a corporate name as is."""
    family, given, literal = clean_text(family), clean_text(given), clean_text(literal)
    if not family:
        return literal or given
    initials = "".join(part[0] for part in re.split(r"[\s.\-]+", given) if part and part[0].isalpha())
    return f"{family} {initials.upper()}".strip()


def split_name(name: str) -> str:
    """'Surname, Given' or 'Given Surname' -> 'Surname GI'."""
    name = clean_text(name).strip("{} ")
    if not name:
        return ""
    if "," in name:
        family, given = name.split(",", 1)
        return author_name(family.strip("{} "), given)
    parts = name.split()
    if len(parts) == 1:
        return parts[0]
    return author_name(parts[-1], " ".join(parts[:-1]))


PUBLICATION_TYPE_DESIGNS = (
    ("systematic review", "systematic_review"),
    ("meta-analysis", "systematic_review"),
    ("randomized controlled trial", "rct"),
    ("randomised controlled trial", "rct"),
    ("controlled clinical trial", "controlled_study"),
    ("clinical trial", "controlled_study"),
    ("observational study", "controlled_study"),
    ("comparative study", "controlled_study"),
    ("case reports", "case_report"),
    ("practice guideline", "narrative_review"),
    ("guideline", "narrative_review"),
    ("consensus development conference", "narrative_review"),
    ("review", "narrative_review"),
    ("editorial", "narrative_review"),
    ("comment", "narrative_review"),
    ("letter", "narrative_review"),
)
"""Publication types (PubMed's, in priority order) and the design they suggest."""

UNCLASSIFIED = "unclassified"


def guess_design(publication_types: list[str]) -> tuple[str, bool]:
    """A design guessed from publication types, marked as a guess; 'unclassified' when none fits."""
    lowered = [clean_text(t).lower() for t in publication_types]
    for name, design in PUBLICATION_TYPE_DESIGNS:
        if any(name == t or (name in t and name != "review") for t in lowered):
            return design, True
    return UNCLASSIFIED, False


MOJIBAKE = re.compile("Ã.|Â|â€")


def tidy(record: StudyRecord) -> StudyRecord:
    """Cosmetic normalisation shared by every format: no final full stop on titles (MEDLINE adds one)."""
    if record.title.endswith(".") and not record.title.endswith(".."):
        record.title = record.title[:-1].rstrip()
    return record


def neutralise_formulas(record: StudyRecord) -> list[tuple[str, str]]:
    """Make every text field of ``record`` (authors and links included) safe to open in a spreadsheet.

    A value a spreadsheet would run as a formula gets a leading single quote
    (:mod:`kb.spreadsheet_safety`); returns (field, message) for each value changed.
    """
    changed: list[tuple[str, str]] = []
    for name in _TEXT_FIELDS:
        value = getattr(record, name)
        if value and is_formula(value):
            setattr(record, name, _neutralised(name, value, changed))
    if any(is_formula(a) for a in record.authors):
        record.authors = [_neutralised("authors", a, changed) if is_formula(a) else a for a in record.authors]
    for index, link in enumerate(record.links):
        unsafe = {name: _neutralised(name, value, changed) for name in _LINK_TEXT_FIELDS if is_formula(value := getattr(link, name))}
        if unsafe:
            record.links[index] = replace(link, **unsafe)
    return changed


def _neutralised(name: str, value: str, changed: list[tuple[str, str]]) -> str:
    changed.append((name, f"began with {value[0]!r}, which a spreadsheet would run as a formula; "
                          "stored with a leading apostrophe so that it is shown as text"))
    return neutralise(value)


_TEXT_FIELDS = tuple(f.name for f in fields(StudyRecord) if f.type == "str")
_LINK_TEXT_FIELDS = tuple(f.name for f in fields(LinkSpec) if f.type == "str")


def check_record(record: StudyRecord) -> list[tuple[str, str]]:
    """(field, message) for everything wrong with one record."""
    problems = []
    if not record.title:
        problems.append(("title", "missing: a study needs a title a curator can recognise"))
    elif record.doi and clean_doi(record.title).lower() == record.doi.lower():
        problems.append(("title", f"the title is only the DOI {record.title!r}"))
    for name, pattern in IDENTIFIER_PATTERNS.items():
        value = getattr(record, name)
        if value and (not pattern.match(value) or "://" in value):
            problems.append((name, f"malformed {name.upper()} {value!r}"))
    if record.year:
        if not re.fullmatch(r"\d{4}", record.year) or not 1600 <= int(record.year) <= date.today().year + 1:
            problems.append(("year", f"{record.year!r} is not a plausible year"))
    if record.n_participants and not re.fullmatch(r"\d+", record.n_participants):
        problems.append(("n_participants", f"{record.n_participants!r} is not a whole number"))
    return problems


WEB_PAGE = "web page"
BOOK_CHAPTER = "book chapter"
BOOK = "book"
OTHER = "other"
"""Record types (``StudyRecord.record_type``) the loaders name; a journal article has none."""


def bookshelf_url(accession: str) -> str:
    """The NCBI Bookshelf page of a book or chapter accession (empty without one)."""
    return f"https://www.ncbi.nlm.nih.gov/books/{accession}/" if accession else ""


def type_as_reported(record: StudyRecord) -> str:
    """What the record is, in the source's terms, for ``studies.design_as_reported`` ('book chapter, NCBI Bookshelf NBK...')."""
    return ", ".join(filter(None, [record.record_type, f"NCBI Bookshelf {record.accession}" if record.accession else ""]))


def warnings_for(record: StudyRecord) -> list[tuple[str, str]]:
    """Things a curator should look at that do not block the load."""
    found = []
    if MOJIBAKE.search(record.title):
        found.append(("title", f"looks mis-encoded in the source file ({record.title[:60]!r})"))
    if record.record_type == WEB_PAGE:
        if not record.authors:
            found.append(("authors", "a web page with no author: find who is responsible for it before relying on it"))
        if not record.year:
            found.append(("year", "a web page with no date: record when it was published or last updated"))
    return found


def normalised_title(title: str) -> str:
    """Lower case letters and digits only, for matching titles across formats."""
    return NON_ALPHANUMERIC.sub(" ", title.lower()).strip()


NON_ALPHANUMERIC = re.compile(r"[^0-9a-z]+")


def dedup_keys(doi: str, pmid: str, pmcid: str, title: str, year) -> list[tuple[str, str]]:
    """Keys identifying a study, strongest first: DOI (normalised), PMID, PMCID, title + year."""
    keys = []
    if doi:
        keys.append(("doi", normalise_doi(doi)))
    if pmid:
        keys.append(("pmid", str(pmid)))
    if pmcid:
        keys.append(("pmcid", str(pmcid).upper()))
    if title and year:
        keys.append(("title", f"{normalised_title(title)}|{year}"))
    return keys
