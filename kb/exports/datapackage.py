"""The public tables of ``kb.db`` as CSV and JSON files, described by a Frictionless data package.

Which tables: every table of the database that has a model in
:mod:`kb.models`, except ``figures`` (the evidence map, an image the site
serves); the full-text indexes have no model.  A new table or column
therefore flows into releases without a change here.

Each table's Table Schema is generated from its model: the column's type,
its description, ``required`` for NOT NULL columns (an empty string is then a
value, not a missing one), the primary key, the foreign keys, and for a column
that refers to a vocabulary's lookup table the vocabulary's values as an
``enum`` (there an empty string means no value, allowed where the model gives
the column a default).  Rows are sorted by primary key and written with fixed formatting,
so the same database always gives the same bytes.

Each resource names its status column in ``statusField`` (the claim's verdict
in ``claim_summary``; elsewhere a column that refers to a ``*_statuses``
vocabulary, such as a study's ``verification``): rows are never left out
because of their status, so a filter on it is visible as a filter, not a loss.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3

from sqlalchemy import Boolean, Float, Integer, Numeric, Table
from sqlmodel import SQLModel

from kb import vocab
from kb.datafiles import csv_line
from kb.models import ALL_MODELS
from kb.spreadsheet_safety import neutralise

EXCLUDED_TABLES = frozenset({"figures", "build_history", "verdict_history", "verdict_changes"})
"""Not published: figures are pictures, and the build history is the releasing machine's own."""
STATUS_COLUMNS = {"claim_summary": "verdict"}
"""Status columns that no ``*_statuses`` vocabulary marks."""
STATUS_VOCABULARY_SUFFIX = "_statuses"

VOCABULARIES = {v.table: v for v in vocab.ALL}
MODELS = {m.__tablename__: m for m in ALL_MODELS}
TYPES = ((Boolean, "boolean"), (Integer, "integer"), (Numeric, "number"), (Float, "number"))
"""Table Schema types by SQL type; everything else (text, enums) is a string."""

def public_tables(conn: sqlite3.Connection) -> list[str]:
    """The tables of the database that a release publishes, sorted by name."""
    names = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    return [n for n in names if n in SQLModel.metadata.tables and n not in EXCLUDED_TABLES]


def _table(name: str) -> Table:
    return SQLModel.metadata.tables[name]


def primary_key(name: str) -> list[str]:
    return [c.name for c in _table(name).primary_key.columns]


def status_field(name: str) -> str | None:
    """The column that holds each row's status, if the table has one."""
    if name in STATUS_COLUMNS:
        return STATUS_COLUMNS[name]
    for column in _table(name).columns:
        if any(fk.column.table.name.endswith(STATUS_VOCABULARY_SUFFIX) for fk in column.foreign_keys):
            return column.name
    return None


def field_type(column) -> str:
    return next((name for sql_type, name in TYPES if isinstance(column.type, sql_type)), "string")


def field_descriptor(name: str, column) -> dict:
    model = MODELS.get(name)
    info = model.model_fields.get(column.name) if model is not None else None
    descriptor = {"name": column.name, "type": field_type(column),
                  "description": " ".join(((info.description if info else "") or "").split())}
    constraints = {}
    vocabulary = next((VOCABULARIES[fk.column.table.name] for fk in column.foreign_keys
                       if fk.column.table.name in VOCABULARIES and fk.column.name == "value"), None)
    if vocabulary is not None:
        constraints["enum"] = vocabulary.values()
        if not column.nullable and (info is None or info.is_required()):
            constraints["required"] = True  # '' is never a vocabulary value: where the model allows it, it means none
    elif not column.nullable:
        constraints["required"] = True
        if descriptor["type"] == "string":
            descriptor["missingValues"] = []  # '' is a value of a NOT NULL text column
    if constraints:
        descriptor["constraints"] = constraints
    return descriptor


def table_schema(name: str) -> dict:
    """The Table Schema of one table, generated from its model."""
    table = _table(name)
    schema = {"fields": [field_descriptor(name, c) for c in table.columns], "primaryKey": primary_key(name)}
    foreign_keys = [{"fields": [c.name], "reference": {"resource": fk.column.table.name, "fields": [fk.column.name]}}
                    for c in table.columns for fk in sorted(c.foreign_keys, key=lambda f: f.target_fullname)]
    if foreign_keys:
        schema["foreignKeys"] = foreign_keys
    return schema


def table_rows(conn: sqlite3.Connection, name: str) -> tuple[list[str], list[tuple]]:
    """(columns, rows) of one table, sorted by primary key."""
    columns = [c.name for c in _table(name).columns]
    order = ", ".join(f'"{c}"' for c in primary_key(name))
    rows = conn.execute(f'SELECT {", ".join(chr(34) + c + chr(34) for c in columns)} FROM "{name}" ORDER BY {order}').fetchall()
    return columns, rows


def csv_text(name: str, columns: list[str], rows: list[tuple]) -> str:
    """The table as CSV: a header, '' for NULL, text cells made safe for spreadsheets."""
    text_columns = [field_type(c) == "string" for c in _table(name).columns]
    lines = [csv_line(columns)]
    for row in rows:
        lines.append(csv_line([("" if v is None else neutralise(v) if is_text else str(v))
                               for v, is_text in zip(row, text_columns)]))
    return "".join(lines)


def json_text(columns: list[str], rows: list[tuple]) -> str:
    """The table as a JSON list of row objects (NULL as null, exact values)."""
    return json.dumps([dict(zip(columns, row)) for row in rows], ensure_ascii=False, indent=1) + "\n"


def resource(name: str, path: str, data: bytes, description: str = "") -> dict:
    """The data package resource of one table's CSV file, with its size, hash and schema."""
    descriptor = {"name": name, "path": path, "profile": "tabular-data-resource", "format": "csv", "mediatype": "text/csv",
                  "encoding": "utf-8", "bytes": len(data), "hash": "sha256:" + hashlib.sha256(data).hexdigest()}
    model = MODELS.get(name)
    descriptor["description"] = description or " ".join(((model.__doc__ if model else "") or "").split())
    if status := status_field(name):
        descriptor["statusField"] = status
    descriptor["schema"] = table_schema(name)
    return descriptor


def validation_errors(descriptor_path) -> list[str]:
    """Every problem frictionless finds in the package (schema, types, keys, sizes, hashes)."""
    from frictionless import Package

    report = Package(str(descriptor_path)).validate()
    return [f"{task.name}: {error.message}" for task in report.tasks for error in task.errors] + \
           [error.message for error in report.errors]
