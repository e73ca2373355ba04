"""The curator's outcomes template: one row per measured result of a study (documented in docs/loading.md).

The columns are those of ``outcomes.csv`` without ``id`` (the load numbers
each new outcome ``<study_id>-NN``, continuing the study's numbering) plus
``claim_ids``: the claims the outcome informs, separated by ``;``.  This
module reads the file and plans the new rows; :func:`kb.load.load` writes
them, validated with the rest of ``data/`` exactly as a build validates it.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from typing import Iterator

from kb.datafiles import read_table, sorted_rows
from kb.loaders.records import FileRejected, clean_text
from kb.models import Outcome, OutcomeClaim, data_columns
from kb.validate import Problem

FORMAT = "outcomes"
OUTCOME_COLUMNS = tuple(c for c in data_columns(Outcome) if c != "id")
COLUMNS = (*OUTCOME_COLUMNS, "claim_ids")
MARKERS = {"study_id", "outcome_kind", "comparator_kind", "claim_ids"}
"""Header columns that together say a CSV file is the outcomes template (the study template has none of them)."""


def is_outcomes_header(text: str) -> bool:
    """Whether the first line of ``text``, read as CSV, is the outcomes template's header."""
    lines = text.lstrip("\ufeff").splitlines()  # any line end, classic Mac's lone CR included
    first = next(csv.reader(lines[:1]), []) if lines else []
    return MARKERS <= {_column(name) for name in first}


def _column(name: str) -> str:
    return name.strip().lower().replace(" ", "_")


@dataclass
class OutcomeRow:
    """One row of the template: the outcome's values (``id`` not yet given) and its claims."""

    location: str
    values: dict[str, str]
    claim_ids: list[str]
    problems: list[tuple[str, str]] = field(default_factory=list)

    def content(self) -> tuple[str, ...]:
        """What makes two rows the same outcome: every value but the id."""
        return tuple(self.values[c] for c in OUTCOME_COLUMNS)


def parse(text: str) -> Iterator[OutcomeRow]:
    """The template's rows; :class:`FileRejected` when the header is not the template's."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    reader.fieldnames = [_column(h) for h in (reader.fieldnames or [])]
    unknown = [h for h in reader.fieldnames if h not in COLUMNS]
    missing = [c for c in COLUMNS if c not in reader.fieldnames]
    if unknown or missing:
        raise FileRejected(f"line 1: the header must use the outcomes template's columns ({', '.join(COLUMNS)}); "
                           f"unknown: {', '.join(unknown) or 'none'}; missing: {', '.join(missing) or 'none'}")
    for raw in reader:
        row = {k: clean_text(v or "") for k, v in raw.items() if k}
        claim_ids = [c.strip() for c in row.pop("claim_ids").split(";") if c.strip()]
        outcome = OutcomeRow(f"line {reader.line_num}", row, claim_ids)
        if not claim_ids:
            outcome.problems.append(("claim_ids", "name the claims the outcome informs, separated by ';'"))
        yield outcome


@dataclass
class OutcomePlan:
    """The outcomes and outcome-claim links a load will write, and where each new row came from."""

    outcomes: list[dict]
    outcome_claims: list[dict]
    origins: dict[str, str] = field(default_factory=dict)  # new outcome id -> "file line N"

    @classmethod
    def read(cls, data_dir) -> "OutcomePlan":
        """The plan starting from ``data_dir``'s outcomes and outcome-claim links."""
        return cls(read_table(data_dir, Outcome).records(), read_table(data_dir, OutcomeClaim).records())

    def planned(self) -> dict:
        """The two data files as they would be written (for :func:`kb.load.commit_planned`)."""
        return {Outcome: sorted_rows(Outcome, self.outcomes), OutcomeClaim: sorted_rows(OutcomeClaim, self.outcome_claims)}

    def __post_init__(self):
        self.by_content = {tuple(o[c] for c in OUTCOME_COLUMNS): o["id"] for o in self.outcomes}
        self.links = {(l["outcome_id"], l["claim_id"]) for l in self.outcome_claims}
        self.numbers: dict[str, int] = {}
        for outcome in self.outcomes:
            number = re.fullmatch(rf"{re.escape(outcome['study_id'])}-(\d+)", outcome["id"])
            if number:
                self.numbers[outcome["study_id"]] = max(self.numbers.get(outcome["study_id"], 0), int(number.group(1)))

    def add(self, row: OutcomeRow, origin: str) -> tuple[str, str, int]:
        """Plan one row: ('added' | 'merged' | 'unchanged', the outcome's id, claim links added).

        A row whose values all equal an existing outcome's is that outcome (loading a file twice changes
        nothing); only claims it does not yet inform are added to it.
        """
        outcome_id = self.by_content.get(row.content())
        action = "unchanged"
        if outcome_id is None:
            study_id = row.values["study_id"]
            self.numbers[study_id] = self.numbers.get(study_id, 0) + 1
            outcome_id = f"{study_id}-{self.numbers[study_id]:02d}"
            self.outcomes.append({"id": outcome_id, **row.values})
            self.by_content[row.content()] = outcome_id
            self.origins[outcome_id] = origin
            action = "added"
        added = 0
        for claim_id in row.claim_ids:
            if (outcome_id, claim_id) not in self.links:
                self.links.add((outcome_id, claim_id))
                self.outcome_claims.append({"outcome_id": outcome_id, "claim_id": claim_id})
                self.origins.setdefault(outcome_id, origin)
                added += 1
        if action == "unchanged" and added:
            action = "merged"
        return action, outcome_id, added

    def relocate(self, problems: list[Problem]) -> list[Problem]:
        """Problems validation found in the planned outcome files, named by the template line each row came from."""
        rows = {model.__data_file__: values for model, values in self.planned().items()}  # as validated: first column the outcome id
        moved = []
        for problem in problems:
            values = rows.get(problem.file.rsplit("/", 1)[-1], [])
            outcome_id = values[problem.line - 2][0] if 2 <= problem.line < len(values) + 2 else None
            if outcome_id in self.origins:
                file, _, line = self.origins[outcome_id].rpartition(" line ")
                problem = Problem(file, int(line), problem.column, f"{problem.message} (outcome {outcome_id})")
            moved.append(problem)
        return sorted(moved)
