"""The history of verdicts: what each build said about each claim, and what moved since the build before.

A build must not write into ``data/`` (that would change the fingerprint it
is keyed by), so the history lives beside the database, in
``kb-history.sqlite`` next to ``kb.db``.  It holds every build whose data or
verdicts differed from the build before it (``build_history``; a change of
grading rules moves verdicts with the same data), each claim's verdict
and certainty in each (``verdict_history``), the claims that moved and why
(``verdict_changes``), and the evidence behind each claim in the last build
(its links, with the facts of their studies that grading uses), which the
next build is compared with to say why a verdict moved.

:func:`plan` works out a build's part of the history while the database is
written; :func:`copy_into` puts the whole history into the new database
(so Datasette shows it); :func:`commit` records it in the history file once
the new database is in place.  :func:`latest_changes` is what ``kb diff`` prints.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import SQLModel

from kb.models import BuildHistory, VerdictChange, VerdictHistory

LINK_FACTS = ("stance", "directness", "rating", "counted")
STUDY_FACTS = ("design", "risk_of_bias", "n_participants", "identity_confirmed", "industry_funded", "notice")
"""What grading reads of a link and of its study: when one of these changed, it is a reason a verdict moved."""

SCHEMA = """
CREATE TABLE IF NOT EXISTS build_history (build INTEGER PRIMARY KEY, data_sha256 TEXT NOT NULL, built_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS verdict_history (build INTEGER, claim_id TEXT, data_sha256 TEXT, verdict TEXT, certainty TEXT,
    PRIMARY KEY (build, claim_id));
CREATE TABLE IF NOT EXISTS verdict_changes (build INTEGER, claim_id TEXT, previous_build INTEGER, old_verdict TEXT, new_verdict TEXT,
    old_certainty TEXT, new_certainty TEXT, reason TEXT, PRIMARY KEY (build, claim_id));
CREATE TABLE IF NOT EXISTS last_evidence (claim_id TEXT PRIMARY KEY, links TEXT, override_verdict TEXT, override_certainty TEXT);
"""
"""The history file: the three published tables, and the last build's evidence (per claim, its links with their facts
as JSON: one row per claim is written ten times as fast as one per link) and overrides, to compare with."""

PUBLISHED: tuple[type[SQLModel], ...] = (BuildHistory, VerdictHistory, VerdictChange)


def history_path(db_path: Path) -> Path:
    """Where the history of ``db_path`` is kept: ``kb-history.sqlite`` beside ``kb.db``."""
    db_path = Path(db_path)
    return db_path.with_name(f"{db_path.stem}-history.sqlite")


Evidence = dict[str, dict[str, tuple]]
"""claim id -> study id -> the link's and its study's facts (LINK_FACTS + STUDY_FACTS)."""


@dataclass
class HistoryUpdate:
    """One build's part of the history, written to the history file by :func:`commit`."""

    path: Path
    build: dict | None  # the new build_history row; None when the data are those of the last build
    verdicts: list[dict] = field(default_factory=list)
    changes: list[dict] = field(default_factory=list)
    evidence: Evidence = field(default_factory=dict)
    overrides: dict[str, tuple] = field(default_factory=dict)


def claim_evidence_facts(links: dict[str, list], studies: dict[str, list]) -> Evidence:
    """Each claim's links with the facts grading uses, from typed columns of claim_evidence and studies."""
    facts = {row[0]: row[1:] for row in zip(studies["id"], *(studies[name] for name in STUDY_FACTS))}
    evidence: Evidence = {}
    for claim_id, study_id, *link in zip(links["claim_id"], links["study_id"], *(links[name] for name in LINK_FACTS)):
        evidence.setdefault(claim_id, {})[study_id] = (*link, *facts[study_id])
    return evidence


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path)
    conn.executescript(SCHEMA)
    return conn


def _shown(value) -> str:
    return "none" if value in (None, "") else str(value).replace("_", " ")


def reason(old: dict[str, tuple], new: dict[str, tuple], old_override: tuple, new_override: tuple) -> str:
    """Why a claim's evidence differs between two builds, in words: links added, removed or changed, studies changed, overrides."""
    parts = [f"link added: {study} ({new[study][0]}, rating {new[study][2]})" for study in sorted(new.keys() - old.keys())]
    parts += [f"link removed: {study}" for study in sorted(old.keys() - new.keys())]
    names = [f"link {name}" for name in LINK_FACTS] + [f"study {name.replace('_', ' ')}" for name in STUDY_FACTS]
    for study in sorted(old.keys() & new.keys()):
        parts += [f"{study}: {name} {_shown(a)} → {_shown(b)}" for name, a, b in zip(names, old[study], new[study]) if a != b]
    if old_override != new_override:
        parts.append(f"curator override: verdict {_shown(old_override[0])} → {_shown(new_override[0])}, "
                     f"certainty {_shown(old_override[1])} → {_shown(new_override[1])}")
    return "; ".join(parts) or "none of its links, their studies or its overrides changed (the grading rules or a review's included studies did)"


def claim_overrides(claims: dict[str, list]) -> dict[str, tuple]:
    """Each claim's curator override (verdict, certainty), from typed columns of claims."""
    return dict(zip(claims["id"], zip(claims["override_verdict"], claims["override_certainty"])))


def plan(db_path: Path, fingerprint: str, built_at: str, summaries: list[dict], evidence: Evidence,
         overrides: dict[str, tuple]) -> HistoryUpdate:
    """This build's part of the history of ``db_path``: its verdicts, and the claims that moved since the last build, with why."""
    path = history_path(db_path)
    now = {s["claim_id"]: (s["verdict"], s["certainty"]) for s in summaries}
    if not path.exists():
        last = None
    else:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            last = conn.execute("SELECT build, data_sha256 FROM build_history ORDER BY build DESC LIMIT 1").fetchone()
            before = {r[0]: r[1:] for r in conn.execute("SELECT claim_id, verdict, certainty FROM verdict_history WHERE build = ?", [last[0]])} if last else {}
            if last is not None and last[1] == fingerprint and before == now:
                return HistoryUpdate(path, None)  # same data, same verdicts: nothing to record
            moved = {c for c in now if c in before and before[c] != now[c]}
            old_evidence: Evidence = {}
            old_overrides: dict[str, tuple] = {}
            for claim_id, links, *override in conn.execute("SELECT * FROM last_evidence"):
                if claim_id in moved:  # only their links are compared: decode no others
                    old_evidence[claim_id] = {study: tuple(facts) for study, facts in json.loads(links).items()}
                    old_overrides[claim_id] = tuple(override)
    number = last[0] + 1 if last else 1
    update = HistoryUpdate(path, dict(build=number, data_sha256=fingerprint, built_at=built_at), evidence=evidence, overrides=overrides)
    update.verdicts = [dict(build=number, claim_id=c, data_sha256=fingerprint, verdict=v, certainty=k) for c, (v, k) in now.items()]
    if last is None:
        return update
    for claim_id in sorted(now.keys() | before.keys()):
        old, new = before.get(claim_id, (None, None)), now.get(claim_id, (None, None))
        if old == new:
            continue
        why = ("new claim" if claim_id not in before else "claim removed" if claim_id not in now else
               reason(old_evidence.get(claim_id, {}), evidence.get(claim_id, {}), old_overrides.get(claim_id, (None, None)),
                      overrides.get(claim_id, (None, None))))
        update.changes.append(dict(build=number, claim_id=claim_id, previous_build=last[0], old_verdict=old[0], new_verdict=new[0],
                                   old_certainty=old[1], new_certainty=new[1], reason=why))
    return update


def _insert(conn: sqlite3.Connection, table: str, rows: list[dict]) -> None:
    if rows:
        names = list(rows[0])
        conn.executemany(f"INSERT OR REPLACE INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})",
                         [tuple(row[n] for n in names) for row in rows])


def copy_into(conn: sqlite3.Connection, update: HistoryUpdate) -> None:
    """Fill the new database's history tables with the history file's rows and this build's (outside a transaction)."""
    if update.path.exists():
        conn.execute("ATTACH DATABASE ? AS history", [f"file:{update.path}?mode=ro"])
        for model in PUBLISHED:
            names = ", ".join(c.name for c in model.__table__.columns)
            conn.execute(f"INSERT INTO main.{model.__tablename__} ({names}) SELECT {names} FROM history.{model.__tablename__}")
        conn.commit()
        conn.execute("DETACH DATABASE history")
    with conn:
        _insert(conn, BuildHistory.__tablename__, [update.build] if update.build else [])
        _insert(conn, VerdictHistory.__tablename__, update.verdicts)
        _insert(conn, VerdictChange.__tablename__, update.changes)


def commit(update: HistoryUpdate) -> None:
    """Record ``update`` in the history file, all at once (call when the new database is in place)."""
    if update.build is None:
        return
    conn = _connect(update.path)
    try:
        with conn:
            _insert(conn, BuildHistory.__tablename__, [update.build])
            _insert(conn, VerdictHistory.__tablename__, update.verdicts)
            _insert(conn, VerdictChange.__tablename__, update.changes)
            conn.execute("DELETE FROM last_evidence")
            conn.executemany("INSERT INTO last_evidence VALUES (?, ?, ?, ?)",
                             ((c, json.dumps(update.evidence.get(c, {})), *o) for c, o in update.overrides.items()))
    finally:
        conn.close()


@dataclass
class Changes:
    """The claims whose verdict or certainty moved in the latest build."""

    build: int | None
    built_at: str
    previous_build: int | None
    changes: list[dict]


def latest_changes(db_path: Path) -> Changes:
    """What moved in the latest build of ``db_path`` (read from the database itself)."""
    with contextlib.closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)) as conn:
        conn.row_factory = sqlite3.Row
        latest = conn.execute("SELECT build, built_at FROM build_history ORDER BY build DESC LIMIT 1").fetchone()
        if latest is None:
            return Changes(None, "", None, [])
        changes = [dict(r) for r in conn.execute("SELECT * FROM verdict_changes WHERE build = ? ORDER BY claim_id", [latest["build"]])]
    return Changes(latest["build"], latest["built_at"], latest["build"] - 1 if latest["build"] > 1 else None, changes)


def render_changes(found: Changes) -> str:
    """``kb diff``'s text: each claim that moved in the latest build, from what to what, and why."""
    if found.build is None:
        return "The database has no build history yet.\n"
    if found.previous_build is None:
        return f"Build {found.build} ({found.built_at}) is the first build recorded for this database: nothing to compare with.\n"
    lines = [f"Build {found.build} ({found.built_at}) against build {found.previous_build}: "
             f"{len(found.changes)} claim(s) whose verdict or certainty moved."]
    for change in found.changes:
        moves = [f"{name} {_shown(change['old_' + name])} → {_shown(change['new_' + name])}" if change["old_" + name] != change["new_" + name]
                 else f"{name} {_shown(change['new_' + name])} (unchanged)" for name in ("verdict", "certainty")]
        lines.append(f"{change['claim_id']}: {', '.join(moves)}")
        lines.append(f"  why: {change['reason']}")
    return "\n".join(lines) + "\n"
