"""Loading new evidence: export files in, duplicates merged, every load recorded, nothing lost.

:func:`load` reads each file (encoding checked, format detected from its
content), validates every record, matches records against the knowledge
base and each other (DOI, then PMID, then PMCID, then title + year), and
plans what to add and merge.  Only when everything is valid (or
``skip_invalid`` is set) does it write: all changed data files at once
through :func:`kb.datafiles.commit_files`, under the data lock, and then it
rebuilds the database.  The same file loaded twice changes nothing.

The outcomes template (:mod:`kb.loaders.outcomes_template`) goes through the
same lock, validation of the planned files and commit: its rows are appended
to ``outcomes.csv`` and ``outcome_claims.csv`` instead of studies and links.
"""

from __future__ import annotations

import codecs
import functools
import hashlib
import re
import sys
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable, Iterator

from sqlmodel import SQLModel

import kb
from kb import vocab
from kb.build import build_locked
from kb.datafiles import DEFAULT_DATA_DIR, commit_files, data_lock, gc_paused, read_all, read_table, sorted_rows, table_from_values, write_csv
from kb.faults import failpoint
from kb.loaders import FORMATS, NOTICE_FORMATS, detect, outcomes_template, pubmed_xml, retraction_watch
from kb.loaders.background import BACKGROUND_BYTES, parse_in_background
from kb.loaders.records import (
    FileRejected, LinkSpec, LoadProblem, ParsedRecord, StudyRecord, bookshelf_url, check_record, dedup_keys, neutralise_formulas,
    normalised_title, tidy, type_as_reported, warnings_for,
)
from kb.models import Claim, ClaimEvidence, Load, LoadFill, LoadRejection, Study, StudyNotice, StudyVerification, data_columns
from kb.validate import ValidationError, validate
from kb.vocab import Directness, ReviewStatus, RiskOfBias, Verification

IDENTIFIERS = ("doi", "pmid", "pmcid")
FILLABLE = ("title", "authors", "first_author", "journal", "year", "volume", "issue", "pages",
            "doi", "pmid", "pmcid", "abstract", "n_participants", "population")


@dataclass
class Outcome:
    """What happened to one record."""

    location: str
    action: str  # added, merged, unchanged, duplicate, rejected
    study_id: str = ""
    detail: str = ""


@dataclass
class FileLoad:
    """One file's part of a load."""

    path: Path
    sha256: str
    format: str = ""
    load_id: str = ""
    started_at: str = ""
    n_read: int = 0
    outcomes: list[Outcome] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)
    problems: list[LoadProblem] = field(default_factory=list)
    warnings: list[LoadProblem] = field(default_factory=list)
    links_added: int = 0
    notices_added: int = 0
    same_as: str = ""  # the file of this command with the same bytes (SHA-256): this copy is skipped

    def count(self, action: str) -> int:
        return self.counts[action]

    def record_outcome(self, outcome: Outcome) -> None:
        """Count every outcome; keep the details of all but plain additions (a large load adds 100,000s)."""
        self.counts[outcome.action] += 1
        if outcome.action != "added":
            self.outcomes.append(outcome)

    @property
    def changed(self) -> bool:
        return bool(self.count("added") or self.count("merged") or self.links_added or self.notices_added)


@dataclass
class LoadReport:
    files: list[FileLoad]
    written: bool = False
    dry_run: bool = False
    moved: list[str] = field(default_factory=list)  # claims whose verdict or certainty the rebuild moved

    @property
    def problems(self) -> list[LoadProblem]:
        return [p for f in self.files for p in f.problems]

    @property
    def changed(self) -> bool:
        return any(f.changed for f in self.files)


PROBLEMS_SHOWN = 20
"""How many problems (and as many warnings and merges) of each file a printed report lists by default."""


def first_and_rest(items: list, limit: int = PROBLEMS_SHOWN) -> tuple[list, int]:
    """The first ``limit`` of ``items`` (all of them when ``limit`` is 0) and how many were left out.

    A file of garbage can hold a problem per line; every printed report goes
    through this, so that its length does not grow with the file's.  Nothing
    is lost: the report object keeps every problem, and a load run with
    ``--skip-invalid`` records each rejection in ``data/load_rejections.csv``.
    """
    if not limit or len(items) <= limit:
        return items, 0
    return items[:limit], len(items) - limit


class LoadFailed(Exception):
    """The load was refused; nothing was written.  Carries the report with every problem."""

    def __init__(self, report: LoadReport):
        self.report = report
        super().__init__(f"{len(report.problems)} problem(s); nothing was written")


def decode(data: bytes, encoding: str | None = None, partial: bool = False) -> str:
    """The text of a file: UTF-8 (BOM or not), UTF-16 with BOM, or an encoding named by the curator or the file.

    With ``partial``, ``data`` is the head of a longer file: a character cut
    at its end is left out instead of being an error.
    """
    utf16 = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    if b"\x00" in data[:8192] and not utf16:
        raise FileRejected("this is a binary file, not a text export")
    if encoding:
        try:
            return _decode(data, encoding, partial)
        except (UnicodeDecodeError, LookupError) as error:
            raise FileRejected(f"cannot be read as {encoding}: {error}") from None
    if utf16:
        try:
            return _decode(data, "utf-16", partial)
        except UnicodeDecodeError as error:
            raise FileRejected(f"it starts with a UTF-16 byte order mark but byte {error.start} is not valid UTF-16 ({error.reason})") from None
    try:
        return _decode(data, "utf-8-sig", partial)
    except UnicodeDecodeError as error:
        declared = re.search(rb"%\s*Encoding:\s*([\w-]+)", data[:1000])
        if declared:
            name = declared.group(1).decode("ascii")
            try:
                return _decode(data, name, partial)
            except (UnicodeDecodeError, LookupError):
                pass
        line = data[: error.start].count(b"\n") + 1
        raise FileRejected(f"line {line}: byte 0x{data[error.start]:02x} is not valid UTF-8; the file is in another encoding. "
                           "If it is a legacy single-byte file (for example windows-1252), load it with --encoding cp1252") from None


def _decode(data: bytes, encoding: str, partial: bool) -> str:
    if not partial:
        return data.decode(encoding)
    "".encode(encoding)  # LookupError for a codec that is not a text encoding (rot13, zlib...)
    return codecs.getincrementaldecoder(encoding)().decode(data, final=False)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def new_study_id(record: StudyRecord, taken: set[str], suffixes: dict[str, int]) -> str:
    """'surnameYEAR' like the curated ids (first title words without an author); '-2', '-3'... when taken."""
    surname = slug(record.first_author.split(" ")[0]) if record.first_author else ""
    base = (surname or "-".join(slug(record.title).split("-")[:3]) or "study") + (record.year or "")
    candidate, number = base, suffixes.get(base, 1)
    if candidate in taken:
        while True:
            number += 1
            candidate = f"{base}-{number}"
            if candidate not in taken:
                break
    suffixes[base] = number
    taken.add(candidate)
    return candidate


class StudyRow:
    """A row of studies.csv in a fraction of a dict's memory: a load may hold hundreds of thousands."""

    __slots__ = tuple(data_columns(Study))

    def __init__(self, **values: str):
        for name in self.__slots__:
            setattr(self, name, values.get(name, ""))

    def __getitem__(self, name: str) -> str:
        return getattr(self, name)

    def __setitem__(self, name: str, value: str) -> None:
        setattr(self, name, value)

    def get(self, name: str, default=None):
        return getattr(self, name, default)


NOT_YET_ASSESSED = dict(risk_of_bias=RiskOfBias.NOT_ASSESSED, risk_of_bias_reason="Loaded from an export file; not yet assessed by a curator.",
                        verification=Verification.UNVERIFIED)
"""What a loaded study says until a curator assesses and verifies it."""


def study_row(record: StudyRecord, study_id: str, load_id: str) -> StudyRow:
    return StudyRow(
        id=study_id, title=record.title, authors=", ".join(record.authors), first_author=record.first_author,
        journal=sys.intern(record.journal), year=sys.intern(record.year), volume=sys.intern(record.volume),
        issue=sys.intern(record.issue), pages=record.pages, doi=record.doi, pmid=record.pmid, pmcid=record.pmcid, design=record.design or "unclassified",
        design_as_reported=type_as_reported(record), design_is_guess=str(int(record.design_is_guess)), n_participants=record.n_participants,
        n_as_reported=record.n_participants, population=record.population, fitzpatrick_min="", fitzpatrick_max="",
        **NOT_YET_ASSESSED, url=bookshelf_url(record.accession), abstract=record.abstract,
        added_by_load=load_id, changed_by_load=load_id,
    )


def record_values(record: StudyRecord) -> dict:
    values = study_row(record, "", "")
    return {k: getattr(values, k) for k in FILLABLE}


class KnowledgeBase:
    """The rows a load may change, with the indexes used to match records."""

    def __init__(self, data_dir: Path):
        self.studies = read_table(data_dir, Study).records()
        self.links = read_table(data_dir, ClaimEvidence).records()
        self.notices = read_table(data_dir, StudyNotice).records()
        self.notice_keys = {(n["study_id"], n["source"]) for n in self.notices}
        self.loads = read_table(data_dir, Load).records()
        self.rejections = read_table(data_dir, LoadRejection).records()
        self.fills = read_table(data_dir, LoadFill).records()
        self.fill_keys = {(f["load_id"], f["study_id"], f["field"]) for f in self.fills}
        self.added_by: dict[str, str] = {}  # study id -> the load of this command that added it
        self.claims = {c["id"] for c in read_table(data_dir, Claim).records()}
        self.verified = {v["study_id"] for v in read_table(data_dir, StudyVerification).records()}
        self.by_id = {s["id"]: s for s in self.studies}
        self.index: dict[tuple[str, str], str] = {}
        self.titles: dict[str, list[str]] = {}
        for study in self.studies:
            self._index(study)
        self.link_keys = {(l["claim_id"], l["study_id"]) for l in self.links}
        self.ids = set(self.by_id)
        self.suffixes: dict[str, int] = {}

    def _index(self, study: dict) -> None:
        for key in dedup_keys(study["doi"], study["pmid"], study["pmcid"], "", ""):
            self.index.setdefault(key, study["id"])
        if study["title"]:
            ids = self.titles.setdefault(normalised_title(study["title"]), [])
            if study["id"] not in ids:
                ids.append(study["id"])

    def match(self, record: StudyRecord) -> str | None:
        """The study ``record`` duplicates: same DOI, else PMID, else PMCID, else same title and year.

        A missing year on either side does not prevent a title match (verified
        records sometimes lack the year an export gives).
        """
        for key in dedup_keys(record.doi, record.pmid, record.pmcid, "", ""):
            if key in self.index:
                return self.index[key]
        for study_id in self.titles.get(normalised_title(record.title), []) if record.title else []:
            year = str(self.by_id[study_id]["year"] or "")
            if not year or not record.year or year == record.year:
                return study_id
        return None

    def match_notice(self, notice: retraction_watch.Notice) -> str | None:
        """The study a notice is about: the one with its original paper's DOI (any case or URL form), else its PMID."""
        for key in dedup_keys(notice.paper_doi, notice.paper_pmid, "", "", ""):
            if key in self.index:
                return self.index[key]
        return None

    def add_notice(self, notice: retraction_watch.Notice, study_id: str, load_id: str) -> bool:
        """Record ``notice`` on ``study_id``; False when it is already recorded (loading a file again changes nothing)."""
        if (study_id, notice.source) in self.notice_keys:
            return False
        self.notice_keys.add((study_id, notice.source))
        self.notices.append(dict(study_id=study_id, source=notice.source, nature=retraction_watch.nature_of(notice.nature),
                                 notice_date=retraction_watch.iso_date(notice.date), reason=notice.reason, notice_doi=notice.notice_doi,
                                 notice_pmid=notice.notice_pmid, load_id=load_id))
        return True

    def release_indexes(self) -> None:
        """Drop the matching indexes (and the id map) once planning is done, to free memory before writing."""
        self.index, self.titles, self.by_id = {}, {}, {}

    def owner(self, name: str, value: str) -> str | None:
        """The study that already has identifier ``name`` = ``value``, if any."""
        key = dedup_keys(value if name == "doi" else "", value if name == "pmid" else "", value if name == "pmcid" else "", "", "")
        return self.index.get(key[0]) if key else None

    def add(self, row: dict) -> None:
        self.added_by[row["id"]] = row["added_by_load"]
        self.studies.append(row)
        self.by_id[row["id"]] = row
        self._index(row)

    def fill(self, study_id: str, record: StudyRecord, load_id: str) -> list[str]:
        """Fill the study's empty fields from ``record``; never overwrite; never touch a verified study's identifiers."""
        study = self.by_id[study_id]
        filled = []
        for name, value in record_values(record).items():
            if not value or study.get(name):
                continue
            if name in IDENTIFIERS and study_id in self.verified:
                continue  # a verified study's identifiers change only with its verification record
            if name in IDENTIFIERS and self.owner(name, value) not in (None, study_id):
                continue  # the identifier belongs to another study: never create a duplicate
            study[name] = value
            filled.append(name)
        if filled:
            if self.added_by.get(study_id) != load_id:  # what undoing the load must put back
                self.record_fills(study, filled, load_id)
            study["changed_by_load"] = load_id
            self._index(study)
        return filled

    def record_fills(self, study: StudyRow | dict, filled: list[str], load_id: str) -> None:
        """Record the fields ``load_id`` filled on ``study`` (and its previous changed_by_load), once per load and field."""
        for name in [*filled, "changed_by_load"]:
            if (load_id, study["id"], name) not in self.fill_keys:
                self.fill_keys.add((load_id, study["id"], name))
                old, new = (study["changed_by_load"], load_id) if name == "changed_by_load" else ("", study[name])
                self.fills.append(dict(load_id=load_id, study_id=study["id"], field=name, old_value=old, new_value=new))

    def add_link(self, spec: LinkSpec, study_id: str, load_id: str) -> bool:
        if (spec.claim_id, study_id) in self.link_keys:
            return False
        self.link_keys.add((spec.claim_id, study_id))
        self.links.append(dict(claim_id=spec.claim_id, study_id=study_id, stance=spec.stance, directness=spec.directness,
                               indirectness_reason=spec.indirectness_reason, rating=str(spec.rating), note=spec.note,
                               review_status=ReviewStatus.PROPOSED, added_by_load=load_id, changed_by_load=load_id))
        return True


def check_link(spec: LinkSpec, claims: set[str]) -> list[tuple[str, str]]:
    problems = []
    if spec.claim_id not in claims:
        problems.append(("claim_id", f"unknown claim {spec.claim_id!r}"))
    if spec.stance not in vocab.STANCES:
        problems.append(("stance", f"{spec.stance!r} is not one of {', '.join(vocab.STANCES.values())}"))
    if spec.directness not in vocab.DIRECTNESS:
        problems.append(("directness", f"{spec.directness!r} is not one of {', '.join(vocab.DIRECTNESS.values())}"))
    elif spec.directness != Directness.DIRECT and not spec.indirectness_reason:
        problems.append(("indirectness_reason", "an indirect link must say how the study differs from the claim"))
    if spec.rating is None or not 1 <= spec.rating <= 5:
        problems.append(("rating", "a link needs a rating from 1 to 5"))
    if not spec.note:
        problems.append(("note", "a link needs a note saying what the study shows about the claim"))
    return problems


HEAD_BYTES = 65536
"""How much of a file is read to recognise its format."""


def file_format(path: Path, fmt: str, encoding: str | None) -> str:
    """The format of the file at ``path``: ``fmt``, or recognised from its first bytes when ``fmt`` is 'auto'."""
    if fmt != "auto":
        if fmt not in FORMATS and fmt not in NOTICE_FORMATS and fmt != outcomes_template.FORMAT:
            raise FileRejected(f"unknown format {fmt!r}")
        return fmt
    with open(path, "rb") as handle:
        head = handle.read(HEAD_BYTES)
    whole = len(head) < HEAD_BYTES
    return detect(decode(head, encoding, partial=not whole))


def is_outcomes_file(path: Path, fmt: str, encoding: str | None) -> bool:
    """Whether ``path`` is the outcomes template (a file that cannot be read is not: reading it reports why)."""
    try:
        return file_format(path, fmt, encoding) == outcomes_template.FORMAT
    except (FileRejected, OSError):
        return False


def plan_outcomes(outcomes: outcomes_template.OutcomePlan, file_load: FileLoad, path: Path, encoding: str | None) -> None:
    """Read an outcomes template and plan its rows; problems go on ``file_load`` as a study file's do."""
    file_load.format = outcomes_template.FORMAT
    try:
        rows = list(outcomes_template.parse(decode(path.read_bytes(), encoding)))
    except FileRejected as error:
        file_load.problems.append(LoadProblem(path.name, 0, "", "", f"rejected as {file_load.format}: {error}"))
        return
    for index, row in enumerate(rows, start=1):
        file_load.n_read += 1
        file_load.problems += [LoadProblem(path.name, index, row.location, f, message) for f, message in row.problems]
        if row.problems:
            file_load.record_outcome(Outcome(row.location, "rejected", detail="; ".join(m for _, m in row.problems)))
            continue
        action, outcome_id, links_added = outcomes.add(row, f"{path.name} {row.location}")
        file_load.links_added += links_added
        file_load.record_outcome(Outcome(row.location, action, row.values["study_id"], f"outcome {outcome_id}"))
    if not rows:
        file_load.problems.append(LoadProblem(path.name, 0, "", "", "no outcomes were found in this outcomes file"))


def read_file(path: Path, file_load: FileLoad, fmt: str, encoding: str | None, links: list[LinkSpec],
              claims: set[str], progress: Callable[[Iterable], Iterable]) -> Iterator[ParsedRecord]:
    """Parse and validate one file, record by record (streaming); problems and warnings go on ``file_load``.

    A problem with the file as a whole (unreadable, malformed) is recorded as record 0 and ends the stream.
    """
    name = path.name
    try:
        file_load.format = file_format(path, fmt, encoding)
        if file_load.format == "pubmed-xml" and not encoding:
            parse = functools.partial(pubmed_xml.parse_file, path)
        elif file_load.format in NOTICE_FORMATS:
            parse = functools.partial(retraction_watch.parse_file, path, encoding)
        else:
            parse = functools.partial(FORMATS[file_load.format], decode(path.read_bytes(), encoding))
        parsed_records = parse_in_background(parse) if path.stat().st_size >= BACKGROUND_BYTES else parse()
        for parsed in progress(parsed_records):
            file_load.n_read += 1
            if isinstance(parsed.record, retraction_watch.Notice):  # checked in plan_notice, only when it matches a study
                yield parsed
                continue
            tidy(parsed.record)
            parsed.record.links.extend(links)
            neutralised = neutralise_formulas(parsed.record)
            parsed.problems += check_record(parsed.record)
            for spec in parsed.record.links:
                parsed.problems += check_link(spec, claims)
            for field_name, message in parsed.problems:
                file_load.problems.append(LoadProblem(name, parsed.index, parsed.location, field_name, message))
            for field_name, message in parsed.warnings + neutralised + warnings_for(parsed.record):
                file_load.warnings.append(LoadProblem(name, parsed.index, parsed.location, field_name, message))
            yield parsed
    except FileRejected as error:
        file_load.problems.append(LoadProblem(name, 0, "", "", f"rejected{f' as {file_load.format}' if file_load.format else ''}: {error}"))
        return
    except OSError as error:
        file_load.problems.append(LoadProblem(name, 0, "", "", f"cannot be read: {error.strerror or error}"))
        return
    if not file_load.n_read:
        file_load.problems.append(LoadProblem(name, 0, "", "", f"no records were found in this {file_load.format} file"))


def plan(kb_state: KnowledgeBase, file_load: FileLoad, records: Iterable[ParsedRecord]) -> None:
    """Decide, record by record, what to add, merge or reject (applied to ``kb_state`` in memory)."""
    added_here: dict[str, int] = {}
    for parsed in records:
        if isinstance(parsed.record, retraction_watch.Notice):
            plan_notice(kb_state, file_load, parsed)
            continue
        if parsed.problems:
            file_load.record_outcome(Outcome(parsed.location, "rejected", detail="; ".join(m for _, m in parsed.problems)))
            continue
        record = parsed.record
        study_id = kb_state.match(record)
        if study_id is None:
            study_id = new_study_id(record, kb_state.ids, kb_state.suffixes)
            kb_state.add(study_row(record, study_id, file_load.load_id))
            added_here[study_id] = parsed.index
            outcome = Outcome("", "added", study_id)
        else:
            filled = kb_state.fill(study_id, record, file_load.load_id)
            if study_id in added_here:
                outcome = Outcome(parsed.location, "duplicate", study_id,
                                  f"same study as record {added_here[study_id]} of this file" + (f"; filled {', '.join(filled)}" if filled else ""))
            elif filled:
                outcome = Outcome(parsed.location, "merged", study_id, f"filled empty {', '.join(filled)}")
            else:
                outcome = Outcome(parsed.location, "unchanged", study_id, "already in the knowledge base")
        for spec in record.links:
            if kb_state.add_link(spec, study_id, file_load.load_id):
                file_load.links_added += 1
        file_load.record_outcome(outcome)


def plan_notice(kb_state: KnowledgeBase, file_load: FileLoad, parsed: ParsedRecord) -> None:
    """Record a notice on the study it is about; a notice about no study of the knowledge base is passed over (never added)."""
    notice = parsed.record
    study_id = kb_state.match_notice(notice)
    if study_id is None:
        file_load.counts["unmatched"] += 1
        return
    problems = retraction_watch.problems_of(notice)
    if problems:
        file_load.problems += [LoadProblem(file_load.path.name, parsed.index, parsed.location, name, message) for name, message in problems]
        file_load.record_outcome(Outcome(parsed.location, "rejected", study_id, "; ".join(m for _, m in problems)))
    elif kb_state.add_notice(notice, study_id, file_load.load_id):
        file_load.notices_added += 1
        file_load.record_outcome(Outcome(parsed.location, "notice", study_id,
                                         f"{retraction_watch.nature_of(notice.nature)} of {retraction_watch.iso_date(notice.date)}"))
    else:
        file_load.record_outcome(Outcome(parsed.location, "unchanged", study_id, "notice already recorded"))


def load_row(file_load: FileLoad, command: str) -> dict:
    merged = file_load.count("merged") + file_load.count("duplicate")
    counts = dict(n_read=file_load.n_read, n_added=file_load.count("added"), n_merged=merged,
                  n_unchanged=file_load.count("unchanged"), n_rejected=file_load.count("rejected"), n_links_added=file_load.links_added,
                  n_notices_added=file_load.notices_added)
    return dict(id=file_load.load_id, file_name=file_load.path.name, file_sha256=file_load.sha256, format=file_load.format,
                started_at=file_load.started_at, finished_at=_now(), command=command, kb_version=kb.__version__,
                **{name: str(value) for name, value in counts.items()})


def check_planned_data(data_dir: Path, planned: dict[type[SQLModel], list[list[str]]]) -> None:
    """Validate data/ as it would be after the load (the planned files held in memory); raise if anything is wrong."""
    tables = read_all(data_dir)
    for model, values in planned.items():
        tables[model.__tablename__] = table_from_values(data_dir, model, values)
    problems = validate(data_dir, tables)
    if problems:
        raise ValidationError(problems)


def commit_planned(data_dir: Path, planned: dict[type[SQLModel], list[list[str]]]) -> None:
    """Validate data/ as it would be with the ``planned`` files, then write them all at once (call with the data lock held)."""
    check_planned_data(data_dir, planned)
    commit_files(data_dir, {model.__data_file__: functools.partial(write_csv, model=model, values=values)
                            for model, values in planned.items()})


def _identity(items: Iterable) -> Iterable:
    return items


def load(paths: list[Path], data_dir: Path = DEFAULT_DATA_DIR, db_path: Path | None = None, fmt: str = "auto",
         links: list[LinkSpec] = (), dry_run: bool = False, skip_invalid: bool = False, encoding: str | None = None,
         command: str = "", progress: Callable[[Iterable], Iterable] = _identity, lock_timeout: float | None = None) -> LoadReport:
    """Load export files into ``data_dir`` (then rebuild ``db_path`` if given).

    Raises :class:`LoadFailed` when any file or record is invalid (unless
    ``skip_invalid``, which loads the valid records and records the rest);
    nothing is written then, nor on ``dry_run``.
    """
    data_dir = Path(data_dir)
    with gc_paused(), data_lock(data_dir, timeout=lock_timeout):
        state = KnowledgeBase(data_dir)
        report = LoadReport([], dry_run=dry_run)
        first_with: dict[str, Path] = {}
        outcomes: outcomes_template.OutcomePlan | None = None  # read only when an outcomes file is loaded
        taken = {row["id"] for row in state.loads}  # an undone load keeps its id: the same file again within the second gets '-2'
        for path in map(Path, paths):
            started = datetime.now(timezone.utc)
            sha = file_sha256(path) if path.is_file() else ""
            base = f"{started:%Y%m%dT%H%M%S}-{sha[:8]}"
            load_id = next(i for i in (base, *(f"{base}-{n}" for n in range(2, len(taken) + 2))) if i not in taken)
            taken.add(load_id)
            file_load = FileLoad(path, sha, started_at=started.isoformat(timespec="seconds"), load_id=load_id)
            report.files.append(file_load)
            if sha in first_with:  # the same file twice, or under two names: the second copy adds nothing
                file_load.same_as = str(first_with[sha])
                continue
            if sha:
                first_with[sha] = path
            if is_outcomes_file(path, fmt, encoding):
                outcomes = outcomes or outcomes_template.OutcomePlan.read(data_dir)
                plan_outcomes(outcomes, file_load, path, encoding)
            else:
                plan(state, file_load, read_file(path, file_load, fmt, encoding, list(links), state.claims, progress))
        failpoint("load:planned")
        file_level = [p for p in report.problems if p.record == 0]
        if file_level or (report.problems and not skip_invalid):
            raise LoadFailed(report)
        if dry_run or not report.changed:
            return report
        for file_load in report.files:
            if file_load.same_as:
                continue
            state.loads.append(load_row(file_load, command))
            state.rejections += [dict(load_id=file_load.load_id, record=str(p.record), field=p.field, location=p.location, message=p.message)
                                 for p in file_load.problems]
        state.release_indexes()
        planned = {Study: sorted_rows(Study, state.studies, consume=True), ClaimEvidence: sorted_rows(ClaimEvidence, state.links, consume=True),
                   Load: sorted_rows(Load, state.loads), LoadRejection: sorted_rows(LoadRejection, state.rejections),
                   LoadFill: sorted_rows(LoadFill, state.fills), StudyNotice: sorted_rows(StudyNotice, state.notices)}
        del state
        if outcomes is not None:
            planned.update(outcomes.planned())
        try:
            commit_planned(data_dir, planned)
        except ValidationError as error:
            raise error if outcomes is None else ValidationError(outcomes.relocate(error.problems)) from None
        report.written = True
        failpoint("load:committed")
        if db_path is not None:
            report.moved = build_locked(data_dir, Path(db_path)).moved
    return report


def terminal_progress(description: str) -> Callable[[Iterable], Iterable]:
    """A tqdm progress bar on a terminal; nothing when stderr is not one."""
    if not sys.stderr.isatty():
        return _identity
    from tqdm import tqdm

    return lambda items: tqdm(items, desc=description, unit=" records", file=sys.stderr)
