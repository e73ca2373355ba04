"""The history of loads: list them, and undo one exactly.

Every load that changed ``data/`` is a row of ``loads.csv``; the studies and
links it added carry its id (``added_by_load``), and the fields it filled in
on studies it did not add are in ``load_fills.csv`` with their values before.
:func:`unload` uses these to put ``data/`` back as it was before the load,
byte for byte, apart from the load's own row, which stays in ``loads.csv``
marked ``undone_at`` (the record of the undo).  It runs under the data lock
and writes through the same atomic commit as a load, and it refuses, naming
each one, when a later change depends on the load: a curator linked,
verified or assessed a study it added, a later load changed a study it
touched, a field it filled was edited since.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from kb.build import build_locked
from kb.datafiles import DEFAULT_DATA_DIR, Table, data_lock, gc_paused, read_all, read_table, sorted_rows
from kb.load import NOT_YET_ASSESSED, commit_planned
from kb.loaders.outcomes_template import FORMAT as OUTCOMES
from kb.models import DATA_MODELS, ClaimEvidence, Load, LoadFill, LoadRejection, Study, StudyNotice

CHANGED_BY = "changed_by_load"


class UnloadRefused(Exception):
    """The load cannot be undone; nothing was written.  ``reasons`` says why, one line each."""

    def __init__(self, load_id: str, reasons: list[str]):
        self.load_id = load_id
        self.reasons = reasons
        super().__init__(f"load {load_id} cannot be undone: " + "; ".join(reasons))


@dataclass
class UnloadReport:
    """What undoing one load removed and put back."""

    load_id: str
    file_name: str
    studies_removed: int
    links_removed: int
    fields_restored: int
    rejections_removed: int
    notices_removed: int = 0
    moved: list[str] = field(default_factory=list)  # claims whose verdict or certainty the rebuild moved


def list_loads(data_dir: Path = DEFAULT_DATA_DIR) -> list[dict[str, str]]:
    """The rows of loads.csv, oldest first."""
    return sorted(read_table(data_dir, Load).records(), key=lambda row: (row["started_at"], row["id"]))


def _where(table: Table, data_dir: Path, index: int) -> str:
    return f"{table.path.relative_to(data_dir)} line {table.line_of(index)}"


def _references_to_studies(tables: dict[str, Table]):
    """(table, column) pairs of every data-file column that refers to studies.id."""
    for model in DATA_MODELS:
        for column in model.__table__.columns:
            if any(fk.target_fullname == "studies.id" for fk in column.foreign_keys):
                yield tables[model.__tablename__], column.name


def dependants(load_id: str, tables: dict[str, Table], data_dir: Path) -> list[str]:
    """Every later change that depends on ``load_id``, one sentence each (empty when it can be undone)."""
    studies = tables[Study.__tablename__]
    added = {s for s, by in zip(studies.column("id"), studies.column("added_by_load")) if by == load_id}
    fills = [f for f in tables[LoadFill.__tablename__].records() if f["load_id"] == load_id]
    touched = added | {f["study_id"] for f in fills}
    position = {study_id: index for index, study_id in enumerate(studies.column("id"))}
    reasons = []
    for study_id in sorted(touched):
        if study_id not in position:
            reasons.append(f"study {study_id} was removed from studies.csv after the load")
            continue
        changed_by = studies.column(CHANGED_BY)[position[study_id]]
        if changed_by != load_id:
            reasons.append(f"{_where(studies, data_dir, position[study_id])}: study {study_id} was changed by the later "
                           f"load {changed_by or '(a curator)'}; undo that first")
    for study_id in sorted(added):
        index = position[study_id]
        assessed = [name for name, value in NOT_YET_ASSESSED.items() if studies.column(name)[index] != value]
        if assessed:
            reasons.append(f"{_where(studies, data_dir, index)}: study {study_id}, which the load added, was assessed by a curator "
                           f"since ({', '.join(assessed)} changed)")
    for fill in fills:
        index = position.get(fill["study_id"])
        if fill["field"] != CHANGED_BY and index is not None and studies.column(fill["field"])[index] != fill["new_value"]:
            reasons.append(f"{_where(studies, data_dir, index)}: field '{fill['field']}' of study {fill['study_id']} was edited "
                           f"after the load filled it in")
    for table, column in _references_to_studies(tables):
        own = table.column("added_by_load" if "added_by_load" in table.columns else "load_id")  # all '' for tables with neither
        for index, study_id in enumerate(table.column(column)):
            if study_id in added and own[index] != load_id:
                reasons.append(f"{_where(table, data_dir, index)}: {column} refers to study {study_id}, which the load added")
    return reasons


def unload(load_id: str, data_dir: Path = DEFAULT_DATA_DIR, db_path: Path | None = None, lock_timeout: float = 30.0) -> UnloadReport:
    """Revert everything load ``load_id`` added or filled in (then rebuild ``db_path`` if given).

    Raises :class:`UnloadRefused` (nothing written) for an unknown or already
    undone load, or when a later change depends on it.
    """
    data_dir = Path(data_dir)
    with gc_paused(), data_lock(data_dir, timeout=lock_timeout):
        tables = read_all(data_dir)
        loads = tables[Load.__tablename__].records()
        row = next((l for l in loads if l["id"] == load_id), None)
        if row is None:
            raise UnloadRefused(load_id, [f"there is no load {load_id!r} in loads.csv (`kb loads` lists them)"])
        if row["undone_at"]:
            raise UnloadRefused(load_id, [f"it was already undone at {row['undone_at']}"])
        if row["format"] == OUTCOMES:
            raise UnloadRefused(load_id, ["it loaded outcomes, which kb unload does not undo: remove its rows from "
                                          "outcomes.csv and outcome_claims.csv (the load's file names them)"])
        reasons = dependants(load_id, tables, data_dir)
        if reasons:
            raise UnloadRefused(load_id, reasons)
        fills = tables[LoadFill.__tablename__].records()
        restore: dict[str, dict[str, str]] = {}
        for fill in fills:
            if fill["load_id"] == load_id:
                restore.setdefault(fill["study_id"], {})[fill["field"]] = fill["old_value"]
        studies = [{**s, **restore.get(s["id"], {})} for s in tables[Study.__tablename__].records() if s["added_by_load"] != load_id]
        links = [l for l in tables[ClaimEvidence.__tablename__].records() if l["added_by_load"] != load_id]
        rejections = [r for r in tables[LoadRejection.__tablename__].records() if r["load_id"] != load_id]
        notices = [n for n in tables[StudyNotice.__tablename__].records() if n["load_id"] != load_id]
        row["undone_at"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
        report = UnloadReport(load_id, row["file_name"], len(tables[Study.__tablename__]) - len(studies),
                              len(tables[ClaimEvidence.__tablename__]) - len(links),
                              sum(len(fields) - 1 for fields in restore.values()), len(tables[LoadRejection.__tablename__]) - len(rejections),
                              len(tables[StudyNotice.__tablename__]) - len(notices))
        planned = {Study: sorted_rows(Study, studies), ClaimEvidence: sorted_rows(ClaimEvidence, links),
                   LoadRejection: sorted_rows(LoadRejection, rejections), Load: sorted_rows(Load, loads),
                   LoadFill: sorted_rows(LoadFill, [f for f in fills if f["load_id"] != load_id]),
                   StudyNotice: sorted_rows(StudyNotice, notices)}
        del tables
        commit_planned(data_dir, planned)
        if db_path is not None:
            report.moved = build_locked(data_dir, Path(db_path)).moved
    return report
