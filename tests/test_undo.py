"""Undo a load: `kb loads` lists them, `kb unload` reverts exactly one, or refuses when a later change depends on it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.cli import cli
from kb.load import load
from kb.loads import UnloadRefused, unload
from tests.conftest import edit_row, read_csv, write_csv

OWN = Path(__file__).parent / "fixtures" / "exports"
FILLS_EXISTING = ('[{"title": "Skin microneedling for acne scars associated with pigmentation in patients with dark skin",'
                  ' "issued": {"date-parts": [[2018]]}, "DOI": "10.5555/kb-test.9999", "volume": "17"}]')
"""A record matching a curated study by title, filling its empty year and volume (values made up for the test)."""


def snapshot(data_dir: Path) -> dict[str, bytes]:
    return {p.relative_to(data_dir).as_posix(): p.read_bytes() for p in sorted(data_dir.rglob("*"))
            if p.is_file() and not p.name.startswith(".")}


def without_loads(files: dict[str, bytes]) -> dict[str, bytes]:
    return {name: content for name, content in files.items() if name != "loads.csv"}


def test_undo_restores_data_byte_for_byte_and_records_the_undo(data_copy, tmp_path):
    fills = tmp_path / "fills.json"
    fills.write_text(FILLS_EXISTING, encoding="utf-8")
    states, load_ids = [snapshot(data_copy)], []
    for paths, options in (([OWN / "small.ris"], {}), ([OWN / "broken_records.ris"], {"skip_invalid": True}),
                           ([OWN / "studies.csv"], {}), ([fills], {})):
        load_ids.append(load(paths, data_copy, **options).files[0].load_id)
        states.append(snapshot(data_copy))
    fill_rows = [f for f in read_csv(data_copy / "load_fills.csv") if f["load_id"] == load_ids[-1]]
    assert {(f["study_id"], f["field"], f["old_value"], f["new_value"]) for f in fill_rows} >= {
        ("alqarqaz_darkskin", "year", "", "2018"), ("alqarqaz_darkskin", "volume", "", "17")}
    for load_id, before in zip(reversed(load_ids), reversed(states[:-1])):
        unload(load_id, data_copy)
        assert without_loads(snapshot(data_copy)) == without_loads(before)
    assert snapshot(data_copy)["loads.csv"] != states[0]["loads.csv"]  # the loads stay, marked undone: the record of each undo
    assert {(row["id"], bool(row["undone_at"])) for row in read_csv(data_copy / "loads.csv")} == {(i, True) for i in load_ids}


def test_undo_rebuilds_the_database(data_copy, tmp_path):
    db = tmp_path / "kb.db"
    load_id = load([OWN / "small_pubmed.xml"], data_copy, db).files[0].load_id
    unload(load_id, data_copy, db)
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM studies WHERE id = 'tester2024'").fetchone()[0] == 0
    assert conn.execute("SELECT undone_at FROM loads WHERE id = ?", [load_id]).fetchone()[0]


def test_undo_is_refused_when_a_curator_linked_a_study_the_load_added(data_copy):
    load_id = load([OWN / "small.ris"], data_copy).files[0].load_id
    links = read_csv(data_copy / "claim_evidence.csv")
    links.append({**links[0], "study_id": "tester2022", "added_by_load": "", "changed_by_load": ""})
    write_csv(data_copy / "claim_evidence.csv", sorted(links, key=lambda l: (l["claim_id"], l["study_id"])))
    before = snapshot(data_copy)
    result = CliRunner().invoke(cli, ["unload", load_id, "--data", str(data_copy), "--no-build"])
    assert result.exit_code == 1
    line = 2 + [l["study_id"] for l in read_csv(data_copy / "claim_evidence.csv")].index("tester2022")
    assert f"claim_evidence.csv line {line}: study_id refers to study tester2022, which the load added" in result.output
    assert "nothing was written" in result.output
    assert snapshot(data_copy) == before


def test_undo_is_refused_when_a_later_load_changed_the_same_study(data_copy, tmp_path):
    first = load([OWN / "small.ris"], data_copy).files[0].load_id
    later_file = tmp_path / "later.json"
    later_file.write_text('[{"title": "Synthetic record one, retyped", "DOI": "10.5555/kb-test.0101", "PMID": "90009999"}]')
    later = load([later_file], data_copy).files[0].load_id
    with pytest.raises(UnloadRefused) as refused:
        unload(first, data_copy)
    assert any(f"study tester2022 was changed by the later load {later}; undo that first" in r for r in refused.value.reasons)
    unload(later, data_copy)
    unload(first, data_copy)
    assert "tester2022" not in {s["id"] for s in read_csv(data_copy / "studies.csv")}


def test_undo_is_refused_when_a_filled_field_was_edited_since(data_copy, tmp_path):
    fills = tmp_path / "fills.json"
    fills.write_text(FILLS_EXISTING, encoding="utf-8")
    load_id = load([fills], data_copy).files[0].load_id
    index = [s["id"] for s in read_csv(data_copy / "studies.csv")].index("alqarqaz_darkskin")
    edit_row(data_copy, "studies.csv", index, volume="18")
    with pytest.raises(UnloadRefused) as refused:
        unload(load_id, data_copy)
    assert refused.value.reasons == [f"studies.csv line {index + 2}: field 'volume' of study alqarqaz_darkskin was edited after the load filled it in"]


def test_unknown_and_already_undone_loads_are_refused(data_copy):
    load_id = load([OWN / "small.ris"], data_copy).files[0].load_id
    unload(load_id, data_copy)
    runner = CliRunner()
    again = runner.invoke(cli, ["unload", load_id, "--data", str(data_copy), "--no-build"])
    assert again.exit_code == 1 and "it was already undone at" in again.output
    unknown = runner.invoke(cli, ["unload", "20000101T000000-00000000", "--data", str(data_copy), "--no-build"])
    assert unknown.exit_code == 1 and "there is no load '20000101T000000-00000000'" in unknown.output


def test_kb_loads_lists_each_load_and_kb_unload_reports_what_it_reverted(data_copy):
    runner = CliRunner()
    assert "No loads" in runner.invoke(cli, ["loads", "--data", str(data_copy)]).output
    load([OWN / "broken_records.ris"], data_copy, skip_invalid=True)
    load([OWN / "studies.csv"], data_copy)
    listing = {line.split()[2]: line for line in runner.invoke(cli, ["loads", "--data", str(data_copy)]).output.splitlines()}
    assert "broken_records.ris (ris): 2 added, 0 merged, 1 rejected, 0 links added" in listing["broken_records.ris"]
    assert "studies.csv (csv): 2 added, 1 merged, 0 rejected, 2 links added" in listing["studies.csv"]
    load_id = listing["studies.csv"].split()[0]
    undone = runner.invoke(cli, ["unload", load_id, "--data", str(data_copy), "--no-build"])
    assert undone.exit_code == 0, undone.output
    assert f"Undid load {load_id} (studies.csv): removed 2 studies and 2 links" in undone.output
    listing = {line.split()[2]: line for line in runner.invoke(cli, ["loads", "--data", str(data_copy)]).output.splitlines()}
    assert "undone at" in listing["studies.csv"] and "undone" not in listing["broken_records.ris"]


def test_the_same_file_twice_in_one_command_or_under_two_names_is_loaded_once(data_copy, tmp_path):
    renamed = tmp_path / "renamed.ris"
    renamed.write_bytes((OWN / "small.ris").read_bytes())
    result = CliRunner().invoke(cli, ["load", "--data", str(data_copy), "--no-build", str(OWN / "small.ris"), str(OWN / "small.ris"), str(renamed)])
    assert result.exit_code == 0, result.output
    assert result.output.count("the same file (SHA-256) as") == 2
    assert len(read_csv(data_copy / "loads.csv")) == 1


def test_a_file_loaded_again_after_its_undo_gets_a_new_load_id(data_copy):
    first = load([OWN / "small.ris"], data_copy).files[0].load_id
    unload(first, data_copy)
    second = load([OWN / "small.ris"], data_copy).files[0].load_id
    assert second != first and len(read_csv(data_copy / "loads.csv")) == 2


def test_undo_is_refused_when_a_curator_assessed_a_study_the_load_added(data_copy):
    load_id = load([OWN / "small.ris"], data_copy).files[0].load_id
    index = [s["id"] for s in read_csv(data_copy / "studies.csv")].index("tester2022")
    edit_row(data_copy, "studies.csv", index, risk_of_bias="high", risk_of_bias_reason="No blinding (curator).")
    with pytest.raises(UnloadRefused) as refused:
        unload(load_id, data_copy)
    assert refused.value.reasons == [f"studies.csv line {index + 2}: study tester2022, which the load added, was assessed by a "
                                     "curator since (risk_of_bias, risk_of_bias_reason changed)"]
