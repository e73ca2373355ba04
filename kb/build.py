"""Build ``kb.db`` from ``data/``: validate, then write a new database and swap it in.

The build never edits a database in place.  It validates everything first,
writes a complete database to a temporary file beside the target, and
renames it over the target only when it is finished, so the previous
``kb.db`` survives any failure or interruption.  The same ``data/`` always
yields the same content (only ``build_info.built_at`` differs).
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from sqlalchemy import Integer
from sqlmodel import SQLModel, create_engine

import kb
from kb import grading, vocab
from kb.evidence_map import render_svg
from kb.datafiles import DEFAULT_DATA_DIR, Table, data_fingerprint, data_lock, read_all
from kb.faults import failpoint
from kb.models import (
    DATA_MODELS, LOOKUP_MODELS, Article, BuildInfo, Claim, ClaimCertainty, ClaimEvidence,
    ClaimSummary, Figure, Study, StudyInclusion, VerdictRuleRow,
)
from kb.validate import ValidationError, validate
from kb.vocab import Domain

DEFAULT_DB = Path("kb.db")

EVIDENCE_MAP = "evidence-map.svg"

FTS_INDEXES = {
    "claims": ("quote", "statement"),
    "studies": ("title", "authors", "journal"),
}
"""Full-text search: table -> indexed columns (Datasette finds ``<table>_fts``)."""


@dataclass
class BuildResult:
    db_path: Path
    data_sha256: str
    counts: dict[str, int]


def typed(model: type[SQLModel], record: dict[str, str]) -> dict:
    """A data-file record (all strings) converted to the column types of ``model``."""
    row = {}
    for column in model.__table__.columns:
        if column.name not in record:
            continue
        value = record[column.name]
        if value == "":
            row[column.name] = None if column.nullable else ""
        elif isinstance(column.type, Integer):
            row[column.name] = int(value)
        else:
            row[column.name] = value
    return row


def insert_rows(conn: sqlite3.Connection, model: type[SQLModel], rows: list[dict]) -> int:
    """Insert ``rows`` into the table of ``model`` in one executemany."""
    if not rows:
        return 0
    columns = [c.name for c in model.__table__.columns]
    sql = f"INSERT INTO {model.__tablename__} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
    conn.executemany(sql, ([row.get(c) for c in columns] for row in rows))
    return len(rows)


def lookup_rows(vocabulary: vocab.Vocabulary) -> list[dict]:
    return [{"value": t.value, "label": t.label, "description": t.description, **t.extra} for t in vocabulary.terms]


def study_rows(table: Table) -> list[dict]:
    """Studies with the columns the build derives: evidence level and darker-skin inclusion."""
    rows = []
    for record in table.records():
        row = typed(Study, record)
        row["evidence_level"] = vocab.STUDY_DESIGNS.term(row["design"]).extra["evidence_level"]
        high = row["fitzpatrick_max"]
        row["darker_skin_included"] = None if high is None else int(high >= 4)
        rows.append(row)
    return rows


def article_rows(table: Table, data_dir: Path) -> list[dict]:
    rows = []
    for record in table.records():
        row = typed(Article, record)
        row["text"] = (Path(data_dir) / row["text_file"]).read_text(encoding="utf-8")
        rows.append(row)
    return rows


def claim_evidence(claims: list[dict], links: list[dict], studies: list[dict]) -> dict[str, list[grading.Evidence]]:
    """Each claim's links joined with the study facts grading needs."""
    by_id = {s["id"]: s for s in studies}
    evidence: dict[str, list[grading.Evidence]] = {c["id"]: [] for c in claims}
    for link in links:
        study = by_id[link["study_id"]]
        evidence[link["claim_id"]].append(grading.Evidence(
            study_id=link["study_id"], stance=link["stance"], directness=link["directness"],
            rating=link["rating"], design=study["design"], risk_of_bias=study["risk_of_bias"],
            n_participants=study["n_participants"], indirectness_reason=link["indirectness_reason"],
        ))
    return evidence


def grade_claims(claims: list[dict], links: list[dict], studies: list[dict], inclusions: list[dict]) -> tuple[list[dict], list[dict]]:
    """Rows of ``claim_summary`` and ``claim_certainty`` for every claim."""
    included = {(i["review_id"], i["study_id"]) for i in inclusions}
    evidence = claim_evidence(claims, links, studies)
    summaries, domains = [], []
    for claim in claims:
        grade = grading.grade_claim(claim["kind"], evidence[claim["id"]], included)
        verdict = claim["override_verdict"] or grade.verdict
        certainty = claim["override_certainty"] or grade.certainty
        text = grading.rationale(grade, evidence[claim["id"]], claim["no_evidence_reason"])
        if claim["override_verdict"] or claim["override_certainty"]:
            text += f" A curator ({claim['override_by']}) overrode the computed result: {claim['override_reason']}"
        summaries.append(dict(
            claim_id=claim["id"], statement=claim["statement"], kind=claim["kind"], topic=claim["topic"],
            verdict=verdict, certainty=certainty, computed_verdict=grade.verdict, verdict_rule=grade.verdict_rule,
            computed_certainty=grade.certainty, starting_certainty=grade.starting_certainty,
            overridden=int(bool(claim["override_verdict"] or claim["override_certainty"])),
            n_supports=grade.counts["supports"], n_qualifies=grade.counts["qualifies"],
            n_mixed=grade.counts["mixed"], n_refutes=grade.counts["refutes"],
            n_studies=grade.n_studies, n_participants=grade.participants,
            best_evidence_level=grade.best_evidence_level, key_sources=", ".join(grade.key_sources),
            rationale=text,
        ))
        domains.append(dict(claim_id=claim["id"], domain=Domain.START, change=0, reason=grade.starting_reason))
        domains += [dict(claim_id=claim["id"], domain=d.domain, change=d.change, reason=d.reason) for d in grade.domains]
    return summaries, domains


def create_fts(conn: sqlite3.Connection) -> None:
    """FTS5 indexes over claims and studies, as external-content tables Datasette detects.

    The Porter stemmer makes a search for "scar" find "scars" and "scarring".
    """
    for table, columns in FTS_INDEXES.items():
        names = ", ".join(columns)
        conn.execute(f'CREATE VIRTUAL TABLE {table}_fts USING fts5({names}, content="{table}", tokenize="porter unicode61")')
        conn.execute(f"INSERT INTO {table}_fts (rowid, {names}) SELECT rowid, {names} FROM {table}")


def write_database(path: Path, data_dir: Path, fingerprint: str) -> dict[str, int]:
    """Write every table of a fresh database at ``path`` from validated ``data_dir``."""
    engine = create_engine(f"sqlite:///{path}")
    SQLModel.metadata.create_all(engine)
    engine.dispose()
    tables = read_all(data_dir)
    rows = {name: [typed(t.model, r) for r in t.records()] for name, t in tables.items()}
    rows["articles"] = article_rows(tables["articles"], data_dir)
    rows["studies"] = study_rows(tables["studies"])
    summaries, domains = grade_claims(rows["claims"], rows["claim_evidence"], rows["studies"], rows["study_inclusions"])
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        with conn:
            for vocabulary in vocab.ALL:
                insert_rows(conn, LOOKUP_MODELS[vocabulary.table], lookup_rows(vocabulary))
            insert_rows(conn, VerdictRuleRow, [dict(rule=i, verdict=r.verdict, condition=r.condition)
                                               for i, r in enumerate(grading.VERDICT_RULES, start=1)])
            counts = {}
            for model in DATA_MODELS:
                counts[model.__tablename__] = insert_rows(conn, model, sorted(rows[model.__tablename__], key=_sort_key(model)))
            insert_rows(conn, ClaimSummary, summaries)
            insert_rows(conn, ClaimCertainty, domains)
            insert_rows(conn, Figure, [dict(name=EVIDENCE_MAP, media_type="image/svg+xml", content=render_svg(summaries))])
            create_fts(conn)
            insert_rows(conn, BuildInfo, [dict(
                id=1, built_at=datetime.now(timezone.utc).isoformat(timespec="seconds"), data_sha256=fingerprint,
                kb_version=kb.__version__, n_claims=counts["claims"], n_studies=counts["studies"],
                n_links=counts["claim_evidence"])])
        problems = conn.execute("PRAGMA foreign_key_check").fetchall()
        if problems:
            raise RuntimeError(f"foreign key check failed after build: {problems[:5]}")
    finally:
        conn.close()
    return counts


def _sort_key(model: type[SQLModel]) -> Callable[[dict], tuple]:
    key = [c.name for c in model.__table__.primary_key.columns]
    return lambda row: tuple(row[k] for k in key)


def build(data_dir: Path = DEFAULT_DATA_DIR, db_path: Path = DEFAULT_DB) -> BuildResult:
    """Validate ``data_dir`` and build ``db_path`` from it.

    Raises :class:`ValidationError` (with every problem) before anything is
    written; the previous database is left untouched on any failure.  Holds
    the data lock, so a build never reads a load's half-written files.
    """
    with data_lock(data_dir):
        return build_locked(data_dir, db_path)


def build_locked(data_dir: Path, db_path: Path) -> BuildResult:
    """:func:`build` for a caller that already holds the data lock (a load)."""
    data_dir, db_path = Path(data_dir), Path(db_path)
    problems = validate(data_dir)
    if problems:
        raise ValidationError(problems)
    fingerprint = data_fingerprint(data_dir)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    temporary = db_path.with_name(f".{db_path.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)
    try:
        counts = write_database(temporary, data_dir, fingerprint)
        failpoint("build:database-written")
        os.replace(temporary, db_path)
    finally:
        temporary.unlink(missing_ok=True)
    return BuildResult(db_path, fingerprint, counts)


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
