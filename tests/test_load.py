"""kb load: where loaded evidence goes, duplicates, provenance, bad input, interruption."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.build import build
from kb.cli import cli
from kb.datafiles import DataLocked, data_fingerprint, data_lock
from kb.load import LoadFailed, load
from kb.loaders.records import LinkSpec
from kb.web.serve import make_datasette
from tests.conftest import REPO, leave_gaps, read_csv

OWN = Path(__file__).parent / "fixtures" / "exports"


def snapshot(data_dir: Path) -> dict[str, bytes]:
    return {p.relative_to(data_dir).as_posix(): p.read_bytes() for p in sorted(data_dir.rglob("*"))
            if p.is_file() and not p.name.startswith(".")}


def studies(data_dir):
    return {s["id"]: s for s in read_csv(data_dir / "studies.csv")}


def test_load_writes_data_records_provenance_and_rebuilds(data_copy, tmp_path):
    db = tmp_path / "kb.db"
    report = load([OWN / "small_pubmed.xml"], data_copy, db, command="kb load small_pubmed.xml")
    assert report.written
    (loaded,) = read_csv(data_copy / "loads.csv")
    assert (loaded["file_name"], loaded["format"], loaded["n_read"], loaded["n_added"]) == ("small_pubmed.xml", "pubmed-xml", "2", "2")
    assert loaded["file_sha256"] == __import__("hashlib").sha256((OWN / "small_pubmed.xml").read_bytes()).hexdigest()
    new = [s for s in studies(data_copy).values() if s["added_by_load"] == loaded["id"]]
    assert {s["id"] for s in new} == {"tester2024", "synthetic-case-of2019"}
    trial = studies(data_copy)["tester2024"]
    assert (trial["verification"], trial["design"], trial["design_is_guess"], trial["risk_of_bias"]) == ("unverified", "rct", "1", "not_assessed")
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM studies WHERE added_by_load = ?", [loaded["id"]]).fetchone()[0] == 2
    assert conn.execute("SELECT n_added FROM loads").fetchone()[0] == 2


async def test_loads_are_visible_in_datasette(data_copy, tmp_path):
    db = tmp_path / "kb.db"
    load([OWN / "studies.csv"], data_copy, db)
    load_id = read_csv(data_copy / "loads.csv")[0]["id"]
    ds = make_datasette(db, REPO / "metadata.json")
    rows = (await ds.client.get(f"/kb/load_changes.json?_shape=array&load_id={load_id}")).json()
    assert {(r["change"], r["study_id"], r["claim_id"]) for r in rows} >= {
        ("study added", "tester2024", None), ("link added", "tester2024", "acne-scar-reduction")}
    page = (await ds.client.get("/kb/loads")).text
    assert "Every run of" in page and "studies.csv" in page


def test_the_same_file_twice_changes_nothing(data_copy):
    load([OWN / "small.ris"], data_copy)
    before = snapshot(data_copy)
    result = CliRunner().invoke(cli, ["load", "--data", str(data_copy), "--no-build", str(OWN / "small.ris")])
    assert result.exit_code == 0, result.output
    assert "Nothing changed" in result.output and "3 read, 0 added" in result.output
    assert snapshot(data_copy) == before


def test_dry_run_writes_nothing(data_copy):
    before = snapshot(data_copy)
    result = CliRunner().invoke(cli, ["load", "--data", str(data_copy), "--dry-run", str(OWN / "small.bib")])
    assert result.exit_code == 0 and "2 added" in result.output and "Dry run: nothing was written" in result.output
    assert snapshot(data_copy) == before


def test_duplicates_within_a_file_are_merged_and_reported(data_copy):
    report = load([OWN / "small.ris"], data_copy)
    (file_load,) = report.files
    duplicate = [o for o in file_load.outcomes if o.action == "duplicate"]
    assert len(duplicate) == 1 and "filled volume" in duplicate[0].detail
    assert studies(data_copy)["second2021"]["volume"] == "4"


def test_duplicates_across_formats_match_by_normalised_doi(data_copy):
    load([OWN / "small.ris"], data_copy)
    (data_copy / "again.json").write_text(
        '[{"title": "Synthetic record one, retyped", "DOI": "https://doi.org/10.5555/kb-test.0101", "PMID": "90009999"}]')
    report = load([data_copy / "again.json"], data_copy)
    (outcome,) = report.files[0].outcomes
    assert (outcome.action, outcome.study_id, outcome.detail) == ("merged", "tester2022", "filled empty pmid")
    (data_copy / "again.json").unlink()


def test_verified_values_are_never_overwritten(data_copy):
    leave_gaps(data_copy, "alqarqaz_darkskin", "year", "volume")
    before = studies(data_copy)
    (data_copy / "conflict.json").write_text(
        '[{"title": "A different title for the same DOI", "DOI": "10.1001/JAMADERMATOL.2013.8687", "issued": {"date-parts": [[1999]]}},'
        ' {"title": "Skin microneedling for acne scars associated with pigmentation in patients with dark skin",'
        '  "issued": {"date-parts": [[2018]]}, "DOI": "10.5555/kb-test.9999", "volume": "17"}]')
    report = load([data_copy / "conflict.json"], data_copy)
    (data_copy / "conflict.json").unlink()
    alam, alqarqaz = report.files[0].outcomes
    assert (alam.action, alam.study_id) == ("unchanged", "alam2014")
    assert studies(data_copy)["alam2014"] == before["alam2014"]
    assert (alqarqaz.action, alqarqaz.study_id) == ("merged", "alqarqaz_darkskin")
    after = studies(data_copy)["alqarqaz_darkskin"]
    assert (after["year"], after["volume"]) == ("2018", "17")  # empty fields filled
    assert after["doi"] == "" and after["title"] == before["alqarqaz_darkskin"]["title"]  # identifiers of a verified study untouched


def test_invalid_record_stops_the_load_and_names_file_record_field(data_copy):
    before = snapshot(data_copy)
    result = CliRunner().invoke(cli, ["load", "--data", str(data_copy), str(OWN / "broken_records.ris")])
    assert result.exit_code == 1
    assert "broken_records.ris: record 1 (line 1): field 'doi': malformed DOI '11.5555/not-a-doi'" in result.output
    assert "nothing was written" in result.output
    assert snapshot(data_copy) == before


def test_skip_invalid_loads_the_rest_and_records_the_rejections(data_copy):
    report = load([OWN / "broken_records.ris"], data_copy, skip_invalid=True)
    (file_load,) = report.files
    assert (file_load.count("added"), file_load.count("rejected")) == (2, 1)
    (rejection,) = read_csv(data_copy / "load_rejections.csv")
    assert (rejection["load_id"], rejection["record"], rejection["field"]) == (file_load.load_id, "1", "doi")
    assert read_csv(data_copy / "loads.csv")[0]["n_rejected"] == "1"


def test_unreadable_file_is_refused_even_with_skip_invalid(data_copy):
    before = snapshot(data_copy)
    with pytest.raises(LoadFailed) as failure:
        load([OWN / "small.bib", OWN / "broken_wos.ris"], data_copy, skip_invalid=True)
    assert any("Web of Science" in p.message for p in failure.value.report.problems)
    assert snapshot(data_copy) == before


def test_links_from_the_command_line_and_their_validation(data_copy):
    spec = LinkSpec("infection-risk", "supports", 2, "Synthetic test note.", "indirect_intervention", "Synthetic reason.")
    load([OWN / "small_crossref.json"], data_copy, links=[spec])
    link = [l for l in read_csv(data_copy / "claim_evidence.csv") if l["study_id"] == "tester2015"]
    assert [(l["claim_id"], l["stance"], l["rating"], l["directness"]) for l in link] == [("infection-risk", "supports", "2", "indirect_intervention")]
    with pytest.raises(LoadFailed) as failure:
        load([OWN / "small.bib"], data_copy, links=[LinkSpec("no-such-claim", "agrees", 9, "")])
    fields = {p.field for p in failure.value.report.problems}
    assert {"claim_id", "stance", "rating", "note"} <= fields
    result = CliRunner().invoke(cli, ["load", "--data", str(data_copy), "--claim", "infection-risk", str(OWN / "small.bib")])
    assert result.exit_code == 2 and "go together" in result.output


def test_a_second_load_waits_for_the_lock(data_copy):
    with data_lock(data_copy):
        with pytest.raises(DataLocked, match=r"is locked by process \d+ .*waited 0.3 s"):
            load([OWN / "small.bib"], data_copy, lock_timeout=0.3)


def test_load_evidence_script_is_the_same_command(data_copy):
    result = subprocess.run([sys.executable, str(REPO / "scripts" / "load_evidence.py"), "--data", str(data_copy),
                             "--dry-run", str(OWN / "small.nbib")], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0, result.stderr
    assert "small.nbib (medline): 2 read, 2 added" in result.stdout


FAILPOINTS = ["load:planned", "commit:temporaries-written", "commit:journal-written", "commit:first-rename-done",
              "load:committed", "build:database-written"]


@pytest.fixture(scope="module")
def states(tmp_path_factory):
    """data/ before and after a clean load of studies.csv, with their databases."""
    root = tmp_path_factory.mktemp("states")
    before, after = root / "before" / "data", root / "after" / "data"
    shutil.copytree(REPO / "data", before)
    build(before, before.parent / "kb.db")
    shutil.copytree(before, after)
    load([OWN / "studies.csv"], after, after.parent / "kb.db")
    return before, after


def normalised(data_dir: Path) -> dict[str, bytes]:
    """Data files with load ids, times and command lines blanked, so two loads of the same file compare equal."""
    files = snapshot(data_dir)
    rows = read_csv(data_dir / "loads.csv")
    for row in rows:
        for value, blank in ((row["id"], b"ID"), (row["started_at"], b"T"), (row["finished_at"], b"T"), (row["command"], b"")):
            if value:
                files["loads.csv"] = files["loads.csv"].replace(value.encode(), blank)
    for name in ("studies.csv", "claim_evidence.csv"):
        for row in rows:
            files[name] = files[name].replace(row["id"].encode(), b"ID")
    return files


@pytest.mark.parametrize("failpoint", FAILPOINTS)
def test_kill_9_leaves_all_of_the_load_or_none_of_it(states, tmp_path, failpoint):
    before, after = states
    data = tmp_path / "data"
    shutil.copytree(before, data)
    db = tmp_path / "kb.db"
    shutil.copy(before.parent / "kb.db", db)
    env = dict(os.environ, KB_FAILPOINT=failpoint)
    process = subprocess.run([sys.executable, "-m", "kb.cli", "load", "--data", str(data), "--db", str(db), str(OWN / "studies.csv")],
                             env=env, cwd=REPO, capture_output=True)
    assert process.returncode == -9, process.stderr.decode()
    result = CliRunner().invoke(cli, ["validate", "--data", str(data)])  # takes the lock: finishes or discards the commit
    assert result.exit_code == 0, result.output
    assert normalised(data) in (normalised(before), normalised(after))
    assert not [p for p in data.rglob(".*") if p.name != ".kb.lock"]
    fingerprint = sqlite3.connect(db).execute("SELECT data_sha256 FROM build_info").fetchone()[0]
    assert fingerprint in (data_fingerprint(before), data_fingerprint(data))
    assert sqlite3.connect(db).execute("PRAGMA integrity_check").fetchone()[0] == "ok"
