"""kb release: a valid data package, reproducible bytes, checksums, a CHANGELOG, spreadsheet-safe CSV."""

from __future__ import annotations

import csv
import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import edit_row, read_csv
from kb import vocab
from kb.cli import cli
from kb.exports.datapackage import validation_errors
from kb.spreadsheet_safety import neutralise
from kb.release import CHECKSUMS, ReleaseError, release
from kb.validate import ValidationError

T1, T2 = "2026-11-01T09:00:00+00:00", "2026-12-02T10:30:45+00:00"


@pytest.fixture(scope="module")
def first(tmp_path_factory) -> Path:
    """A release of the repository's data."""
    from conftest import DATA

    return release(DATA, tmp_path_factory.mktemp("releases"), timestamp=T1).path


def files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# --- the data package -------------------------------------------------------------------

def test_release_is_a_valid_data_package(first):
    assert validation_errors(first / "datapackage.json") == []
    package = json.loads((first / "datapackage.json").read_text())
    names = [r["name"] for r in package["resources"]]
    assert {"claims", "claim_summary", "studies", "claim_evidence", "claim_certainty", "verdicts"} <= set(names)
    assert "figures" not in names and not any(n.endswith("_fts") or "_fts_" in n for n in names)
    for name in names:
        assert (first / "tables" / f"{name}.csv").is_file() and (first / "tables" / f"{name}.json").is_file()


def test_table_schemas_come_from_the_models(first):
    resources = {r["name"]: r for r in json.loads((first / "datapackage.json").read_text())["resources"]}
    links = resources["claim_evidence"]["schema"]
    fields = {f["name"]: f for f in links["fields"]}
    assert links["primaryKey"] == ["claim_id", "study_id"]
    assert {"fields": ["study_id"], "reference": {"resource": "studies", "fields": ["id"]}} in links["foreignKeys"]
    assert fields["stance"]["constraints"]["enum"] == vocab.STANCES.values()
    assert fields["rating"]["type"] == "integer"
    assert fields["note"]["description"].startswith("What this source shows")
    assert resources["claim_summary"]["statusField"] == "verdict"
    assert resources["studies"]["statusField"] == "verification"


def test_validation_finds_a_value_outside_its_vocabulary(first, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(first, broken)
    path = broken / "tables" / "claim_evidence.csv"
    path.write_text(path.read_text().replace(",supports,", ",endorses,", 1))
    package = json.loads((broken / "datapackage.json").read_text())
    for resource in package["resources"]:  # keep size and hash right, so that only the value is wrong
        if resource["name"] == "claim_evidence":
            resource["bytes"] = path.stat().st_size
            resource["hash"] = "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
    (broken / "datapackage.json").write_text(json.dumps(package))
    errors = validation_errors(broken / "datapackage.json")
    assert errors and all("endorses" in e for e in errors)


def test_every_row_is_published_whatever_its_status(first, built_db):
    import sqlite3

    conn = sqlite3.connect(built_db)
    for table in ("claims", "claim_summary", "studies", "claim_evidence"):
        rows = read_csv(first / "tables" / f"{table}.csv")
        assert len(rows) == conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    assert all(r["verdict"] for r in read_csv(first / "tables" / "claim_summary.csv"))


# --- reproducible, checksummed ----------------------------------------------------------

def test_same_data_and_time_give_identical_bytes(first, tmp_path):
    from conftest import DATA

    again = release(DATA, tmp_path, version="1.0.0", timestamp=T1).path
    assert files(again) == files(first)


def test_only_the_release_time_differs_between_two_releases(first, tmp_path):
    from conftest import DATA

    later = files(release(DATA, tmp_path, version="1.0.0", timestamp=T2).path)
    earlier = files(first)
    differing = {name for name in earlier if earlier[name] != later[name]}
    derived = {CHECKSUMS, "datapackage.json"}  # they hold the hashes of the files that carry the time
    for name in differing - derived:
        stamped = earlier[name].replace(T1.encode(), T2.encode()).replace(T1[:10].encode(), T2[:10].encode())
        assert stamped == later[name], name
    assert differing - derived == {"release.json", "kb.db", "tables/build_info.csv", "tables/build_info.json",
                                   "claimreview.json", "CHANGELOG.md"}


def test_checksums_cover_every_file(first):
    listed = {}
    for line in (first / CHECKSUMS).read_text().splitlines():
        digest, name = line.split("  ", 1)
        listed[name] = digest
    assert set(listed) == set(files(first)) - {CHECKSUMS}
    assert all(hashlib.sha256((first / name).read_bytes()).hexdigest() == digest for name, digest in listed.items())


# --- CHANGELOG --------------------------------------------------------------------------

def test_changelog_says_which_verdicts_moved_and_why(data_copy, tmp_path):
    release(data_copy, tmp_path, timestamp=T1)
    claim = read_csv(data_copy / "claims.csv")[0]["id"]
    edit_row(data_copy, "claims.csv", 0, override_verdict=vocab.Verdict.CONTRADICTED,
             override_reason="Test: a later trial found no effect.", override_by="Test Curator")
    links = read_csv(data_copy / "claim_evidence.csv")
    index = next(i for i, link in enumerate(links) if link["claim_id"] == claim and link["stance"] != vocab.Stance.REFUTES)
    edit_row(data_copy, "claim_evidence.csv", index, stance=vocab.Stance.REFUTES, stance_reason="Test: a later reading.")
    second = release(data_copy, tmp_path, timestamp=T2)
    assert second.version == "1.0.1" and second.previous == tmp_path / "1.0.0"
    text = (second.path / "CHANGELOG.md").read_text()
    moved = text.split("## Claims whose verdict or certainty moved")[1].split("## ")[0]
    assert f"- `{claim}`: verdict" in moved and f"→ “{vocab.Verdict.CONTRADICTED}”" in moved
    assert "override_reason (empty) → “Test: a later trial found no effect.”" in moved
    assert f"claim_evidence `{links[index]['study_id']}`: stance “{links[index]['stance']}” → “{vocab.Stance.REFUTES}”" in moved
    changed_links = text.split("## Links added, removed or changed")[1].split("## ")[0]
    assert f"`{claim} / {links[index]['study_id']}`" in changed_links


def test_changelog_lists_studies_added_and_changed(data_copy, tmp_path):
    release(data_copy, tmp_path, timestamp=T1)
    studies = read_csv(data_copy / "studies.csv")
    edit_row(data_copy, "studies.csv", 1, journal="Corrected Journal Name")
    verification = read_csv(data_copy / "study_verifications.csv")
    new = dict(studies[1], id="zz_new_study", title="A new study", doi="", pmid="", pmcid="")
    with open(data_copy / "studies.csv", "a", newline="") as handle:
        csv.DictWriter(handle, fieldnames=list(studies[0]), lineterminator="\n").writerow(new)
    with open(data_copy / "study_verifications.csv", "a", newline="") as handle:
        record = next(v for v in verification if v["study_id"] == studies[1]["id"])
        row = dict(record, study_id="zz_new_study", doi="", pmid="", pmcid="")
        csv.DictWriter(handle, fieldnames=list(verification[0]), lineterminator="\n").writerow(row)
    text = (release(data_copy, tmp_path, timestamp=T2).path / "CHANGELOG.md").read_text()
    studies_section = text.split("## Studies added, removed or changed")[1].split("## ")[0]
    assert "- `zz_new_study` added" in studies_section
    assert f"- `{studies[1]['id']}`: journal “{studies[1]['journal']}” → “Corrected Journal Name”" in studies_section


def test_first_release_says_so(first):
    assert re.search(r"^First release: \d+ claims, \d+ studies, \d+ links\.$", (first / "CHANGELOG.md").read_text(), re.M)
    assert json.loads((first / "release.json").read_text())["previous_version"] is None


# --- spreadsheet safety -----------------------------------------------------------------

@pytest.mark.parametrize("value, safe", [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+1+2", "'+1+2"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("-2+3", "'-2+3"), ("-cmd|' /C calc'!A0", "'-cmd|' /C calc'!A0"),
    ("-1", "-1"), ("-0.5", "-0.5"), ("plain text", "plain text"), ("", ""), ("a=b", "a=b"),
])
def test_release_cells_are_spreadsheet_safe(value, safe):
    assert neutralise(value) == safe


def test_formulas_in_the_data_are_neutralised_in_csv_only(data_copy, tmp_path):
    edit_row(data_copy, "claim_evidence.csv", 0, note="=HYPERLINK(\"http://evil.example\",\"click\")")
    edit_row(data_copy, "claims.csv", 0, scope_note="-2+3 (a test)")
    folder = release(data_copy, tmp_path, timestamp=T1).path
    assert read_csv(folder / "tables" / "claim_evidence.csv")[0]["note"] == "'=HYPERLINK(\"http://evil.example\",\"click\")"
    assert read_csv(folder / "tables" / "claims.csv")[0]["scope_note"] == "'-2+3 (a test)"
    assert json.loads((folder / "tables" / "claim_evidence.json").read_text())[0]["note"].startswith("=HYPERLINK")
    changes = {r["change"] for r in read_csv(folder / "tables" / "claim_certainty.csv")}
    assert "-1" in changes  # numbers stay numbers
    for path in (folder / "tables").glob("*.csv"):
        for row in read_csv(path):
            assert not any(v[:1] in ("=", "+", "@", "\t", "\r") for v in row.values()), path


# --- refusals ----------------------------------------------------------------------------

def test_a_release_is_never_overwritten(first):
    from conftest import DATA

    before = files(first)
    with pytest.raises(ReleaseError, match="never overwritten"):
        release(DATA, first.parent, version="1.0.0", timestamp=T2)
    assert files(first) == before


def test_bad_data_writes_no_release(data_copy, tmp_path):
    edit_row(data_copy, "claim_evidence.csv", 0, stance="endorses")
    with pytest.raises(ValidationError):
        release(data_copy, tmp_path / "out", timestamp=T1)
    assert not any((tmp_path / "out").iterdir())


def test_cli_release(data_copy, tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli, ["release", "--data", str(data_copy), "--out", str(tmp_path), "--timestamp", T1])
    assert result.exit_code == 0, result.output
    assert "Released 1.0.0" in result.output and (tmp_path / "1.0.0" / "kb.db").is_file()
    result = runner.invoke(cli, ["release", "--data", str(data_copy), "--out", str(tmp_path), "--version", "2.x"])
    assert result.exit_code == 1 and "is not X.Y.Z" in result.output


def test_an_empty_vocabulary_value_is_allowed_where_the_model_has_a_default(monkeypatch):
    """A NOT NULL vocabulary column with a default '' (a certainty left empty when nothing is counted)."""
    from pydantic.fields import FieldInfo
    from sqlalchemy import Column, ForeignKey, MetaData, String, Table

    from kb.exports import datapackage

    metadata = MetaData()
    Table("certainty_levels", metadata, Column("value", String, primary_key=True))
    table = Table("claim_summary", metadata, Column("certainty", String, ForeignKey("certainty_levels.value"), nullable=False))
    model = type("Model", (), {"model_fields": {"certainty": FieldInfo(default="", description="Certainty.")}})
    monkeypatch.setitem(datapackage.MODELS, "claim_summary", model)
    descriptor = datapackage.field_descriptor("claim_summary", table.c.certainty)
    assert descriptor["constraints"] == {"enum": vocab.CERTAINTY_LEVELS.values()} and "missingValues" not in descriptor
    monkeypatch.setitem(datapackage.MODELS, "claim_summary", type("Model", (), {"model_fields": {"certainty": FieldInfo(description="C.")}}))
    assert datapackage.field_descriptor("claim_summary", table.c.certainty)["constraints"]["required"] is True
