"""Build ``kb.db`` from ``data/``: validate, then write a new database and swap it in.

The build never edits a database in place.  It validates everything first,
writes a complete database to a temporary file beside the target, and
renames it over the target only when it is finished, so the previous
``kb.db`` survives any failure or interruption.  The same ``data/`` always
yields the same content (only ``build_info.built_at`` differs).
"""

from __future__ import annotations

import glob
import os
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import Float, Integer
from sqlalchemy.schema import CreateIndex, CreateTable
from sqlmodel import SQLModel, create_engine

import kb
from kb import grading, history, vocab
from kb.grading.all_claims import Graded, grade_all, last_searches, link_statuses, rows_of, study_identities, study_notices
from kb.web.evidence_map import render_svg
from kb.datafiles import DEFAULT_DATA_DIR, Table, data_fingerprint, data_lock, gc_paused, read_all
from kb.faults import failpoint
from kb.models import (
    DATA_MODELS, LOOKUP_MODELS, BuildInfo, ClaimCertainty, ClaimFinding, ClaimRobustness, ClaimSummary, Figure,
    VerdictRuleRow,
)
from kb.validate import ValidationError, validate
from kb.vocab import NoticeNature

DEFAULT_DB = Path("kb.db")

EVIDENCE_MAP = "evidence-map.svg"

FTS_INDEXES = {
    "claims": ("quote", "statement", "population", "outcome"),
    "studies": ("title", "authors", "journal", "population", "abstract"),
}
"""Full-text search: table -> indexed columns (Datasette finds ``<table>_fts``).  Studies are found by who was
studied (population) and by their abstracts as well as by their citation."""


@dataclass
class BuildResult:
    db_path: Path
    data_sha256: str
    counts: dict[str, int]
    moved: list[str] = field(default_factory=list)  # claims whose verdict or certainty moved since the last build


def typed_columns(model: type[SQLModel], columns: dict[str, list[str]]) -> dict[str, list]:
    """Data-file columns (all strings) converted to the column types of ``model``: ints, and None for empty nullable values."""
    typed_values = {}
    for column in model.__table__.columns:
        if column.name not in columns:
            continue
        values = columns[column.name]
        if isinstance(column.type, Integer):
            typed_values[column.name] = [int(v) if v != "" else None for v in values]
        elif isinstance(column.type, Float):
            typed_values[column.name] = [float(v) if v != "" else None for v in values]
        elif column.nullable:
            typed_values[column.name] = [v if v != "" else None for v in values]
        else:
            typed_values[column.name] = list(values)
    return typed_values


def table_columns(table: Table) -> dict[str, list]:
    """A data table's columns, typed."""
    return typed_columns(table.model, {name: table.column(name) for name in table.columns})


def insert_columns(conn: sqlite3.Connection, model: type[SQLModel], columns: dict[str, list]) -> int:
    """Insert column-oriented values into the table of ``model`` in one executemany."""
    names = [c.name for c in model.__table__.columns if c.name in columns]
    if not names or not columns[names[0]]:
        return 0
    sql = f"INSERT INTO {model.__tablename__} ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})"
    conn.executemany(sql, zip(*(columns[n] for n in names)))
    return len(columns[names[0]])


def insert_rows(conn: sqlite3.Connection, model: type[SQLModel], rows: list[dict]) -> int:
    """Insert ``rows`` (dicts) into the table of ``model``."""
    names = [c.name for c in model.__table__.columns]
    return insert_columns(conn, model, {n: [row.get(n) for row in rows] for n in names})


def lookup_rows(vocabulary: vocab.Vocabulary) -> list[dict]:
    return [{"value": t.value, "label": t.label, "description": t.description, **t.extra} for t in vocabulary.terms]


def add_study_derivations(columns: dict[str, list], verifications: dict[str, list], notices: dict[str, list]) -> None:
    """Add to typed study columns those the build derives: evidence level, darker-skin inclusion, identity, notice.

    A study under an expression of concern keeps counting, but its risk-of-bias reason (as published) says so.
    """
    levels = {t.value: t.extra["evidence_level"] for t in vocab.STUDY_DESIGNS.terms}
    columns["evidence_level"] = [levels[d] for d in columns["design"]]
    columns["darker_skin_included"] = [None if high is None else int(high >= 4) for high in columns["fitzpatrick_max"]]
    columns["identity_confirmed"], columns["identity_gaps"] = study_identities(columns, verifications)
    columns["notice"], columns["notice_text"] = study_notices(columns, notices)
    columns["risk_of_bias_reason"] = [
        " ".join(filter(None, [reason, f"{text[0].upper()}{text[1:]}."]))
        if nature == NoticeNature.EXPRESSION_OF_CONCERN else reason
        for reason, nature, text in zip(columns["risk_of_bias_reason"], columns["notice"], columns["notice_text"])]


def add_link_statuses(links: dict[str, list], studies: dict[str, list]) -> None:
    """Add to typed link columns whether each link counts, and why not (studies must carry their identity)."""
    links["counted"], links["not_counted_reason"] = link_statuses(links, studies)


def add_article_texts(columns: dict[str, list], data_dir: Path) -> None:
    """Add each article's archived text to typed article columns."""
    columns["text"] = [(Path(data_dir) / f).read_text(encoding="utf-8") for f in columns["text_file"]]


GRADED_TABLES = ("claims", "claim_evidence", "studies", "study_inclusions", "study_verifications", "outcomes", "outcome_claims",
                 "study_notices", "search_log")


def grade_data(tables: dict[str, Table]) -> Graded:
    """The computed tables for every claim of validated tables."""
    columns = {name: table_columns(tables[name]) for name in GRADED_TABLES}
    add_derivations(columns)
    return grade_columns(columns)


def add_derivations(columns: dict[str, dict[str, list]]) -> None:
    """Add to typed tables the columns the build derives before grading: the studies' identity and notice, then whether each link counts."""
    add_study_derivations(columns["studies"], columns["study_verifications"], columns["study_notices"])
    add_link_statuses(columns["claim_evidence"], columns["studies"])


def grade_columns(columns: dict[str, dict[str, list]]) -> Graded:
    """:func:`grade_data` from tables already typed and derived (the build has them)."""
    inclusions, outcome_claims = columns["study_inclusions"], columns["outcome_claims"]
    return grade_all(rows_of(columns["claims"]), columns["claim_evidence"], columns["studies"],
                     list(zip(inclusions.get("review_id", []), inclusions.get("study_id", []))),
                     rows_of(columns["outcomes"]),
                     list(zip(outcome_claims.get("outcome_id", []), outcome_claims.get("claim_id", []))),
                     searches=last_searches(columns["search_log"]))


def create_fts(conn: sqlite3.Connection) -> None:
    """FTS5 indexes over claims and studies, as external-content tables Datasette detects.

    The Porter stemmer makes a search for "scar" find "scars" and "scarring".
    """
    for table, columns in FTS_INDEXES.items():
        names = ", ".join(columns)
        conn.execute(f'CREATE VIRTUAL TABLE {table}_fts USING fts5({names}, content="{table}", tokenize="porter unicode61")')
        conn.execute(f"INSERT INTO {table}_fts (rowid, {names}) SELECT rowid, {names} FROM {table}")


PAGE_SIZE = 16384
"""Database page size in bytes.  A search or facet over tens of thousands of matching studies looks each row up
by rowid; with 16 KB pages it reads a quarter as many pages as with SQLite's default 4 KB, which halved the time
of a full-text search of studies at 100,000 rows (docs/performance.md)."""


def tables_only(conn: sqlite3.Connection, engine) -> None:
    """Create every table of the schema, leaving out the secondary indexes.

    Bulk inserts into tables without indexes, then building each index once
    over the finished table, is several times faster than updating a dozen
    B-trees row by row; the finished database has exactly the schema.
    """
    for table in SQLModel.metadata.sorted_tables:
        conn.execute(str(CreateTable(table).compile(engine)))


def create_indexes(conn: sqlite3.Connection, engine) -> None:
    """The schema's secondary indexes, built after the rows are in."""
    for table in SQLModel.metadata.sorted_tables:
        for index in sorted(table.indexes, key=lambda i: i.name):
            conn.execute(str(CreateIndex(index).compile(engine)))


def write_database(path: Path, data_dir: Path, tables: dict[str, Table], fingerprint: str,
                   history_of: Path) -> tuple[dict[str, int], history.HistoryUpdate]:
    """Write every table of a fresh database at ``path`` from validated ``tables``, with the verdict history of ``history_of``.

    Returns the row counts and this build's part of the history, to be committed once the database is in place.
    """
    engine = create_engine(f"sqlite:///{path}")  # compiles the schema's DDL; the rows go in through sqlite3
    columns = {name: table_columns(t) for name, t in tables.items()}
    add_article_texts(columns["articles"], data_dir)
    add_derivations(columns)
    graded = grade_columns(columns)
    built_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    update = history.plan(history_of, fingerprint, built_at, graded.summaries, history.claim_evidence_facts(columns["claim_evidence"], columns["studies"]),
                          history.claim_overrides(columns["claims"]))
    conn = sqlite3.connect(path)
    try:
        conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")
        conn.execute("PRAGMA journal_mode = OFF")  # a fresh file renamed into place when complete: no journal needed
        conn.execute("PRAGMA synchronous = OFF")
        with conn:
            tables_only(conn, engine)
            for vocabulary in vocab.ALL:
                insert_rows(conn, LOOKUP_MODELS[vocabulary.table], lookup_rows(vocabulary))
            insert_rows(conn, VerdictRuleRow, [dict(rule=i, verdict=r.verdict, condition=r.condition)
                                               for i, r in enumerate(grading.VERDICT_RULES, start=1)])
            counts = {model.__tablename__: insert_columns(conn, model, columns[model.__tablename__]) for model in DATA_MODELS}
            insert_rows(conn, ClaimSummary, graded.summaries)
            insert_rows(conn, ClaimCertainty, graded.domains)
            insert_rows(conn, ClaimRobustness, graded.robustness)
            insert_rows(conn, ClaimFinding, graded.findings)
            insert_rows(conn, Figure, [dict(name=EVIDENCE_MAP, media_type="image/svg+xml", content=render_svg(graded.summaries)),
                                       *graded.figures])
            create_fts(conn)
            create_indexes(conn, engine)
            insert_rows(conn, BuildInfo, [dict(
                id=1, built_at=built_at, data_sha256=fingerprint,
                kb_version=kb.__version__, n_claims=counts["claims"], n_studies=counts["studies"],
                n_links=counts["claim_evidence"])])
        history.copy_into(conn, update)
    finally:
        conn.close()
        engine.dispose()
    with open(path, "rb+") as handle:  # durable before it is renamed into place
        os.fsync(handle.fileno())
    return counts, update


def build(data_dir: Path = DEFAULT_DATA_DIR, db_path: Path = DEFAULT_DB, lock_timeout: float | None = None) -> BuildResult:
    """Validate ``data_dir`` and build ``db_path`` from it.

    Raises :class:`ValidationError` (with every problem) before anything is
    written; the previous database is left untouched on any failure.  Holds
    the data lock (waiting up to ``lock_timeout`` seconds for it, by default
    :data:`kb.datafiles.LOCK_WAIT`), so a build never reads a load's
    half-written files.
    """
    with data_lock(data_dir, timeout=lock_timeout), gc_paused():
        return build_locked(data_dir, db_path)


def build_locked(data_dir: Path, db_path: Path) -> BuildResult:
    """:func:`build` for a caller that already holds the data lock (a load)."""
    data_dir, db_path = Path(data_dir), Path(db_path)
    tables = read_all(data_dir)
    problems = validate(data_dir, tables)
    if problems:
        raise ValidationError(problems)
    fingerprint = data_fingerprint(data_dir)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(db_path)
    temporary = db_path.with_name(f".{db_path.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)
    try:
        counts, update = write_database(temporary, data_dir, tables, fingerprint, db_path)
        failpoint("build:database-written")
        os.replace(temporary, db_path)
        history.commit(update)
    finally:
        temporary.unlink(missing_ok=True)
    return BuildResult(db_path, fingerprint, counts, [change["claim_id"] for change in update.changes])


def remove_stale_temporaries(db_path: Path) -> None:
    """Delete the temporary databases (``.kb.db.<pid>.tmp``, tens of MB) that killed builds left beside ``db_path``.

    Only those whose process is gone: a build running for the same database
    from another data folder keeps its file.
    """
    prefix = f".{db_path.name}."
    for path in db_path.parent.glob(f"{glob.escape(prefix)}*.tmp"):
        pid = path.name[len(prefix):-len(".tmp")]
        if pid.isdigit() and not _process_exists(int(pid)):
            path.unlink(missing_ok=True)


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, under another user
    return True


def built_fingerprint(db_path: Path) -> str | None:
    """The ``data/`` fingerprint recorded in an existing database, if any."""
    if not Path(db_path).exists():
        return None
    try:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        try:
            row = conn.execute("SELECT data_sha256 FROM build_info WHERE id = 1").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return None
    return row[0] if row else None


def is_up_to_date(data_dir: Path = DEFAULT_DATA_DIR, db_path: Path = DEFAULT_DB) -> bool:
    """True when ``db_path`` was built from exactly the current ``data_dir``."""
    return built_fingerprint(db_path) == data_fingerprint(data_dir)
