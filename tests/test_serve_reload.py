"""The site shows the latest build: a running server follows `kb load` and `kb build` without a restart."""

from __future__ import annotations

import shutil
import urllib.error
import urllib.request
from pathlib import Path

from click.testing import CliRunner

from kb.build import build
from kb.cli import cli
from kb.load import load
from kb.web.serve import make_datasette
from tests.conftest import DATA, REPO, edit_row, running_server

OWN = Path(__file__).parent / "fixtures" / "exports"


def status_and_text(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, ""


def test_a_running_server_shows_a_newly_loaded_study_without_a_restart(tmp_path):
    data, db = tmp_path / "data", tmp_path / "kb.db"
    shutil.copytree(DATA, data)
    with running_server(data, db) as url:
        assert status_and_text(f"{url}/kb/studies/tester2024")[0] == 404
        status, _ = status_and_text(f"{url}/kb/claims/acne-scar-reduction")  # a page served from the first build
        assert status == 200
        load([OWN / "small_pubmed.xml"], data, db)  # what `kb load` does: write data/, rebuild kb.db
        status, page = status_and_text(f"{url}/kb/studies/tester2024")
        assert status == 200 and "Synthetic randomised trial of TGF" in page
        status, listing = status_and_text(f"{url}/kb/studies.json?_shape=array&added_by_load__notblank=1")
        assert status == 200 and "tester2024" in listing


async def test_a_rebuild_is_served_on_the_next_request_and_a_request_on_the_old_build_still_finishes(data_copy, tmp_path):
    db = tmp_path / "kb.db"
    build(data_copy, db)
    ds = make_datasette(db, REPO / "metadata.json")
    assert (await ds.client.get("/kb/claims")).status_code == 200
    in_flight = ds.get_database()  # what a request that started before the build holds
    edit_row(data_copy, "claims.csv", 0, statement="A statement changed by a curator")
    changed_claim = (await in_flight.execute("SELECT id FROM claims ORDER BY rowid LIMIT 1")).first()[0]
    build(data_copy, db)
    after = (await ds.client.get(f"/kb/claims/{changed_claim}.json?_shape=array")).json()[0]
    assert after["statement"] == "A statement changed by a curator"
    assert ds.get_database() is not in_flight
    old_rows = await in_flight.execute("SELECT count(*) FROM claims")  # the old build's request completes
    assert old_rows.first()[0] > 0


def test_check_never_rebuilds_the_served_database(data_copy, tmp_path):
    db = tmp_path / "kb.db"
    build(data_copy, db)
    built = db.read_bytes()
    edit_row(data_copy, "claims.csv", 0, statement="A statement changed by a curator")
    article = tmp_path / "article.txt"
    article.write_text("Microneedling reduces acne scars.\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", "--data", str(data_copy), "--db", str(db), str(article)])
    assert result.exit_code == 0, result.output
    assert db.read_bytes() == built
    assert not list(tmp_path.glob(".kb.db.*"))
