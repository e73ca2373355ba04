"""Building kb.db from data/: content, determinism, search, indexes, atomic replacement."""

from __future__ import annotations

import sqlite3

import pytest
from click.testing import CliRunner
from sqlalchemy import Float
from sqlmodel import SQLModel, create_engine

from kb import vocab
from kb.build import PAGE_SIZE, build, create_indexes, is_up_to_date, tables_only
from kb.cli import cli
from kb.models import DATA_MODELS, data_columns
from tests.conftest import DATA, edit_row, read_csv


def table_dump(path, skip=("build_info", "build_history")):
    conn = sqlite3.connect(path)
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '%_fts%' ORDER BY name")]
    dump = {t: conn.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall() for t in tables if t not in skip}
    conn.close()
    return dump


@pytest.mark.parametrize("model", DATA_MODELS, ids=lambda m: m.__tablename__)
def test_tables_hold_what_the_data_files_hold(built_db, model):
    rows = read_csv(DATA / model.__data_file__)
    conn = sqlite3.connect(built_db)
    columns = data_columns(model)
    stored = conn.execute(f"SELECT {', '.join(columns)} FROM {model.__tablename__}").fetchall()
    as_text = sorted(tuple("" if v is None else str(v) for v in row) for row in stored)
    decimals = [isinstance(model.__table__.columns[c].type, Float) for c in columns]
    in_file = [tuple(str(float(v)) if decimal and v else v for v, decimal in zip((r[c] for c in columns), decimals)) for r in rows]
    assert as_text == sorted(in_file)


def test_seed_article_claims_and_studies_are_all_there(built_db):
    conn = sqlite3.connect(built_db)
    assert conn.execute("SELECT count(*) FROM claims").fetchone()[0] >= 12
    assert conn.execute("SELECT count(*) FROM studies").fetchone()[0] == len(read_csv(DATA / "studies.csv")) >= 87
    text = conn.execute("SELECT text FROM articles").fetchone()[0]
    assert text.startswith("Skin Deep")


def test_building_twice_gives_the_same_content(tmp_path):
    first, second = tmp_path / "a.db", tmp_path / "b.db"
    build(DATA, first)
    build(DATA, second)
    assert table_dump(first) == table_dump(second)


def test_build_info_records_the_data_state(built_db):
    conn = sqlite3.connect(built_db)
    built_at, fingerprint, n_claims = conn.execute("SELECT built_at, data_sha256, n_claims FROM build_info").fetchone()
    assert built_at.endswith("+00:00")
    assert len(fingerprint) == 64
    assert n_claims == len(read_csv(DATA / "claims.csv"))
    assert is_up_to_date(DATA, built_db)


def test_a_change_in_data_makes_the_database_out_of_date(data_copy, tmp_path):
    db = tmp_path / "kb.db"
    build(data_copy, db)
    assert is_up_to_date(data_copy, db)
    edit_row(data_copy, "claims.csv", 0, statement="Changed by a curator.")
    assert not is_up_to_date(data_copy, db)


def test_full_text_search_finds_claims_and_studies(built_db):
    conn = sqlite3.connect(built_db)
    claims = [r[0] for r in conn.execute("SELECT c.id FROM claims c JOIN claims_fts f ON f.rowid = c.rowid WHERE claims_fts MATCH 'collagen'")]
    assert "collagen-induction" in claims
    studies = [r[0] for r in conn.execute("SELECT s.id FROM studies s JOIN studies_fts f ON f.rowid = s.rowid WHERE studies_fts MATCH 'melasma'")]
    assert "bailey2022" in studies


def test_every_foreign_key_column_is_indexed(built_db):
    conn = sqlite3.connect(built_db)
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE '%VIRTUAL%'")]
    for table in tables:
        indexed_first_columns = set()
        for index in conn.execute(f"PRAGMA index_list({table})"):
            first = conn.execute(f"PRAGMA index_info('{index[1]}')").fetchone()
            indexed_first_columns.add(first[2])
        for fk in conn.execute(f"PRAGMA foreign_key_list({table})"):
            assert fk[3] in indexed_first_columns, f"{table}.{fk[3]} references {fk[2]} but has no index"


def test_database_has_the_schema_and_page_size_of_the_models(built_db):
    conn = sqlite3.connect(built_db)
    assert conn.execute("PRAGMA page_size").fetchone()[0] == PAGE_SIZE
    reference = sqlite3.connect(":memory:")
    engine = create_engine("sqlite://")
    tables_only(reference, engine)
    create_indexes(reference, engine)
    schema = "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE '%fts%' AND sql IS NOT NULL ORDER BY name"
    assert conn.execute(schema).fetchall() == reference.execute(schema).fetchall()
    assert len(reference.execute(schema).fetchall()) == len(SQLModel.metadata.tables) + sum(len(t.indexes) for t in SQLModel.metadata.tables.values())


def test_lookup_tables_describe_every_value(built_db):
    conn = sqlite3.connect(built_db)
    for vocabulary in vocab.ALL:
        rows = dict(conn.execute(f"SELECT value, description FROM {vocabulary.table}").fetchall())
        assert sorted(rows) == sorted(vocabulary.values())
        assert all(description for description in rows.values())


def test_study_levels_and_darker_skin_are_derived(built_db):
    conn = sqlite3.connect(built_db)
    level, darker = conn.execute("SELECT evidence_level, darker_skin_included FROM studies WHERE id = 'ishfaq2022'").fetchone()
    assert (level, darker) == (2, 1)
    assert conn.execute("SELECT darker_skin_included FROM studies WHERE id = 'alam2014'").fetchone()[0] is None


def test_cli_build_and_validate(tmp_path):
    runner = CliRunner()
    db = tmp_path / "kb.db"
    result = runner.invoke(cli, ["build", "--data", str(DATA), "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert f"{len(read_csv(DATA / 'claims.csv'))} claims" in result.output and db.exists()
    result = runner.invoke(cli, ["validate", "--data", str(DATA)])
    assert result.exit_code == 0 and "no problems" in result.output


def test_failed_build_leaves_the_previous_database_untouched(data_copy, tmp_path):
    db = tmp_path / "kb.db"
    build(data_copy, db)
    before = db.read_bytes()
    edit_row(data_copy, "claim_evidence.csv", 0, stance="agrees")
    result = CliRunner().invoke(cli, ["build", "--data", str(data_copy), "--db", str(db)])
    assert result.exit_code == 1
    assert "claim_evidence.csv:2: column 'stance'" in result.output
    assert db.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
