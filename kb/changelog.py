"""CHANGELOG.md of a release: what changed since the previous release, and why.

Both releases are compared through their own files (``tables/*.json`` and
the primary and foreign keys in ``datapackage.json``), so a table or column
added since the previous release is compared too, without a change here.

- Claims whose verdict or certainty moved (``claim_summary``), each with the
  reasons: the changed rows of every table that refers to the claim (its
  certainty domains, its links, the claim itself, and any table added later
  that has a ``claim_id``), and the new rationale.
- Claims added and removed.
- Studies added, removed and changed (a correction or a retraction shows as
  the fields that changed, or as rows of a table that refers to the study).
- Links (``claim_evidence``) added, removed and changed.
- Every other table: rows added, removed and changed, with their keys.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from pathlib import Path

CLAIMS, CLAIM_SUMMARY, STUDIES, LINKS = "claims", "claim_summary", "studies", "claim_evidence"
SUMMARY_COLUMNS = ("verdict", "certainty")
NOT_LISTED = {"build_info"}
"""Tables whose changes are not listed: the build record changes with every release."""
LONGEST = 200
LISTED = 50
"""Rows listed per table in 'Other tables' before the rest are counted."""


@dataclass
class Release:
    """A release folder's tables (rows keyed by primary key) and foreign keys."""

    rows: dict[str, dict[tuple, dict]]
    keys: dict[str, list[str]]
    references: dict[str, dict[str, str]]  # table -> column -> referenced table

    @classmethod
    def read(cls, folder: Path | None) -> "Release":
        if folder is None:
            return cls({}, {}, {})
        package = json.loads((Path(folder) / "datapackage.json").read_text(encoding="utf-8"))
        rows, keys, references = {}, {}, {}
        for resource in package["resources"]:
            name, schema = resource["name"], resource["schema"]
            keys[name] = schema["primaryKey"]
            references[name] = {fk["fields"][0]: fk["reference"]["resource"] for fk in schema.get("foreignKeys", [])}
            table = json.loads((Path(folder) / "tables" / f"{name}.json").read_text(encoding="utf-8"))
            rows[name] = {tuple(row[k] for k in keys[name]): row for row in table}
        return cls(rows, keys, references)


@dataclass
class TableDiff:
    added: list[tuple] = field(default_factory=list)
    removed: list[tuple] = field(default_factory=list)
    changed: dict[tuple, list[tuple[str, object, object]]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)


def diff(old: dict[tuple, dict], new: dict[tuple, dict]) -> TableDiff:
    """Rows added, removed, and changed (column, old, new) in the columns both versions have."""
    result = TableDiff(sorted(k for k in new if k not in old), sorted(k for k in old if k not in new))
    for key in sorted(k for k in new if k in old):
        before, after = old[key], new[key]
        changes = [(c, before[c], after[c]) for c in after if c in before and before[c] != after[c]]
        if changes:
            result.changed[key] = changes
    return result


def show(value) -> str:
    if value is None or value == "":
        return "(empty)"
    text = " ".join(str(value).split())
    return f"“{text[:LONGEST]}{'…' if len(text) > LONGEST else ''}”" if isinstance(value, str) else text


def changes_text(changes: list[tuple[str, object, object]]) -> str:
    return "; ".join(f"{column} {show(old)} → {show(new)}" for column, old, new in changes)


def row_lines(name: str, table_diff: TableDiff, label=lambda key: " / ".join(map(str, key)), limit: int | None = None,
              prefix: str = "- ") -> list[str]:
    lines = [f"{prefix}`{label(k)}` added" for k in table_diff.added] + [f"{prefix}`{label(k)}` removed" for k in table_diff.removed]
    lines += [f"{prefix}`{label(k)}`: {changes_text(c)}" for k, c in table_diff.changed.items()]
    if limit is not None and len(lines) > limit:
        lines = lines[:limit] + [f"{prefix}… and {len(lines) - limit} more rows of `{name}`"]
    return lines


def claim_column(name: str, release: Release) -> str | None:
    """The column of table ``name`` that names a claim (the primary key of ``claims`` itself)."""
    if name == CLAIMS:
        return release.keys[name][0]
    return next((c for c, target in release.references.get(name, {}).items() if target == CLAIMS), None)


def key_label(columns: list[str], left_out: str, fallback: str, key: tuple) -> str:
    """A row's key without the column every listed row shares ('imprecision' for a claim's domain)."""
    return " / ".join(str(v) for c, v in zip(columns, key) if c != left_out) or fallback


def claim_reasons(claim_id: str, old: Release, new: Release, diffs: dict[str, TableDiff]) -> list[str]:
    """Why a claim moved: the changed rows of every table that refers to it, and its new rationale."""
    lines = []
    for name, table_diff in diffs.items():
        column = claim_column(name, new if name in new.keys else old)
        if name == CLAIM_SUMMARY or column is None:
            continue
        keys = new.keys.get(name) or old.keys[name]
        rows = {**old.rows.get(name, {}), **new.rows.get(name, {})}
        own = TableDiff(*([k for k in found if rows[k].get(column) == claim_id] for found in (table_diff.added, table_diff.removed)),
                        {k: c for k, c in table_diff.changed.items() if rows[k].get(column) == claim_id})
        lines += row_lines(name, own, functools.partial(key_label, keys, column, claim_id), prefix=f"  - {name} ")
    rationale = new.rows[CLAIM_SUMMARY][(claim_id,)].get("rationale")
    if rationale:
        lines.append(f"  - rationale now: {show(rationale)}")
    return lines


def moved_claims(old: Release, new: Release, diffs: dict[str, TableDiff]) -> list[str]:
    lines = []
    for key, changes in diffs.get(CLAIM_SUMMARY, TableDiff()).changed.items():
        moved = [c for c in changes if c[0] in SUMMARY_COLUMNS]
        if moved:
            lines.append(f"- `{key[0]}`: {changes_text(moved)}. Why:")
            lines += claim_reasons(key[0], old, new, diffs)
    return lines


def section(title: str, lines: list[str]) -> list[str]:
    return [f"## {title}", "", *(lines or ["None."]), ""]


def changelog(folder: Path, previous: Path | None, version: str, date: str, previous_manifest: dict | None) -> str:
    """The CHANGELOG of the release in ``folder`` against the release in ``previous`` (None for a first release)."""
    new, old = Release.read(folder), Release.read(previous)
    counts = ", ".join(f"{len(new.rows.get(t, {}))} {word}" for t, word in ((CLAIMS, "claims"), (STUDIES, "studies"), (LINKS, "links")))
    lines = [f"# Release {version} ({date})", ""]
    if previous_manifest is None:
        return "\n".join(lines + [f"First release: {counts}.", ""])
    lines += [f"Compared with release {previous_manifest['version']} ({previous_manifest['released_at'][:10]}). "
              f"This release has {counts}.", ""]
    names = sorted(set(new.rows) | set(old.rows))
    diffs = {n: diff(old.rows.get(n, {}), new.rows.get(n, {})) for n in names}
    claims = diffs.get(CLAIMS, TableDiff())
    lines += section("Claims whose verdict or certainty moved", moved_claims(old, new, diffs))
    lines += section("Claims added or removed", row_lines(CLAIMS, TableDiff(claims.added, claims.removed)))
    lines += section("Studies added, removed or changed", row_lines(STUDIES, diffs.get(STUDIES, TableDiff())))
    lines += section("Links added, removed or changed (claim / study)", row_lines(LINKS, diffs.get(LINKS, TableDiff())))
    others = []
    for name in names:
        if name in (CLAIMS, CLAIM_SUMMARY, STUDIES, LINKS) or name in NOT_LISTED or not diffs[name]:
            continue
        others += [f"### `{name}`", "", *row_lines(name, diffs[name], limit=LISTED), ""]
    new_columns = [f"`{n}.{c}`" for n in names if n in old.rows and old.rows[n] and new.rows.get(n)
                   for c in next(iter(new.rows[n].values())) if c not in next(iter(old.rows[n].values()))]
    if new_columns:
        others += [f"New columns: {', '.join(new_columns)}.", ""]
    lines += ["## Other tables", "", *(others or ["None.", ""])]
    return "\n".join(lines)
