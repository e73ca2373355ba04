"""kb publish: the deployable bundle, served exactly as its container would serve it."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import DATA, edit_row, free_port
from kb.cli import cli
from kb.metadata import metadata_json
from kb.publish import PublishError, pinned_requirements, publish
from kb.validate import ValidationError


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    return publish(tmp_path_factory.mktemp("site") / "bundle", DATA)


def container(bundle: Path) -> tuple[list[str], dict[str, str]]:
    """The Dockerfile's command line and environment, with the container's /app standing for the bundle."""
    lines = (bundle / "Dockerfile").read_text().splitlines()
    command = json.loads(next(line for line in lines if line.startswith("CMD "))[4:])
    environment = dict(line[4:].split("=", 1) for line in lines if line.startswith("ENV "))
    return command, {name: value.replace("/app", str(bundle)) for name, value in environment.items()}


@pytest.fixture(scope="module")
def site(bundle):
    """The bundle served by `datasette serve` with the container's arguments, from the bundle's folder."""
    command, environment = container(bundle)
    port = free_port()
    command[command.index("--host") + 1] = "127.0.0.1"
    command[command.index("--port") + 1] = str(port)
    command[0] = str(Path(sys.executable).with_name("datasette"))  # the datasette the requirements pin
    process = subprocess.Popen(command, cwd=bundle, env={**os.environ, **environment},
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):  # wait for the server to listen (not a timing assertion)
        try:
            urllib.request.urlopen(base + "/-/versions.json")
            break
        except (urllib.error.URLError, ConnectionError):
            if process.poll() is not None:
                pytest.fail("datasette exited: " + process.stdout.read().decode())
            time.sleep(0.2)
    yield base
    process.terminate()
    process.wait()


def get(url: str) -> str:
    with urllib.request.urlopen(url) as response:
        assert response.status == 200
        return response.read().decode()


def test_bundle_holds_what_the_container_needs(bundle):
    for name in ("kb.db", "inspect.json", "metadata.json", "requirements.txt", "Dockerfile",
                 "templates/row-kb-claims.html", "plugins/kb_pages.py", "plugins/kb_exports.py", "static/kb.css", "kb/web/pages.py"):
        assert (bundle / name).is_file(), name
    assert (bundle / "metadata.json").read_text() == metadata_json()
    counts = json.loads((bundle / "inspect.json").read_text())["kb"]["tables"]
    conn = sqlite3.connect(bundle / "kb.db")
    assert counts["claims"]["count"] == conn.execute("SELECT count(*) FROM claims").fetchone()[0]
    requirements = (bundle / "requirements.txt").read_text().split()
    assert requirements == pinned_requirements() and all("==" in r for r in requirements)
    assert any(r.startswith("datasette==0.65") for r in requirements)
    command, environment = container(bundle)
    assert command[:2] == ["datasette", "serve"] and "-i" in command and environment["PYTHONPATH"] == str(bundle)


def test_bundle_serves_every_page_type(bundle, site):
    conn = sqlite3.connect(bundle / "kb.db")
    claim = conn.execute("SELECT claim_id FROM claim_evidence ORDER BY claim_id LIMIT 1").fetchone()[0]
    study = conn.execute("SELECT study_id FROM claim_evidence ORDER BY study_id LIMIT 1").fetchone()[0]
    article = conn.execute("SELECT id FROM articles LIMIT 1").fetchone()[0]
    assert 'id="kb-verdicts"' in get(site + "/")
    page = get(f"{site}/kb/claims/{claim}")
    assert 'id="kb-verdict"' in page and 'id="kb-claimreview"' in page
    assert 'id="kb-verification"' in get(f"{site}/kb/studies/{study}")
    assert 'id="kb-article-text"' in get(f"{site}/kb/articles/{article}")
    rows = json.loads(get(f"{site}/kb/evidence_for_claim.json?claim_id={claim}&_shape=array"))
    assert rows and {r["claim_id"] for r in rows} == {claim}
    assert get(site + "/-/export/studies.ris").startswith("1.\nTY  - ")
    assert "kb-" in get(site + "/static/kb.css")


def test_the_database_is_served_immutable(site):
    databases = json.loads(get(site + "/-/databases.json"))
    assert [(d["name"], d["is_mutable"]) for d in databases] == [("kb", False)]


def test_publish_refuses_an_existing_folder_and_bad_data(bundle, data_copy, tmp_path):
    with pytest.raises(PublishError, match="already exists"):
        publish(bundle, DATA)
    edit_row(data_copy, "claim_evidence.csv", 0, stance="endorses")
    with pytest.raises(ValidationError):
        publish(tmp_path / "site", data_copy)
    assert not (tmp_path / "site").exists() and not list(tmp_path.glob(".site.tmp-*"))


def test_cli_publish(data_copy, tmp_path):
    result = CliRunner().invoke(cli, ["publish", str(tmp_path / "site"), "--data", str(data_copy)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "site" / "Dockerfile").is_file()
