"""Formula injection: text that a spreadsheet would run never enters the knowledge base as a formula."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from kb.cli import cli
from kb.load import load
from kb.spreadsheet_safety import is_formula, neutralise
from tests.conftest import read_csv

ATTACKS = ['=HYPERLINK("http://127.0.0.1/x","Click")', "+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0",
           "-2+3+cmd|' /C calc'!A0", "\t=1+1", "\r=1+1", "- a dash before words"]  # the last: Excel reads it as a formula too


@pytest.mark.parametrize("text", ATTACKS)
def test_owasp_formula_starts_are_neutralised(text):
    assert is_formula(text)
    assert neutralise(text) == "'" + text
    assert not is_formula(neutralise(text))


@pytest.mark.parametrize("text", ["Microneedling for acne scars", "-5", "-0.25", "1-2", "", "'=already quoted",
                                  "e1234", "10.5555/kb-test.0101"])
def test_ordinary_text_is_left_alone(text):
    assert not is_formula(text)
    assert neutralise(text) == text


def test_a_loaded_formula_is_stored_as_text_and_reported(data_copy, tmp_path):
    path = tmp_path / "attack.csv"
    path.write_text(
        "title,authors,journal,year,claim_id,stance,rating,note\n"
        '"=HYPERLINK(""http://127.0.0.1/x"",""Synthetic study"")",@Tester A,+Journal,2021,acne-scar-reduction,supports,3,'
        "\"-2+3+cmd|' /C calc'!A0\"\n", encoding="utf-8")
    report = load([path], data_copy)
    (study,) = [s for s in read_csv(data_copy / "studies.csv") if s["added_by_load"]]
    assert study["title"] == '\'=HYPERLINK("http://127.0.0.1/x","Synthetic study")'
    assert (study["authors"], study["journal"]) == ("'@Tester A", "'+Journal")
    (link,) = [l for l in read_csv(data_copy / "claim_evidence.csv") if l["study_id"] == study["id"]]
    assert link["note"] == "'-2+3+cmd|' /C calc'!A0"
    warned = {(w.field, w.message.split(",")[0]) for w in report.files[0].warnings}
    assert warned == {("title", "began with '='"), ("authors", "began with '@'"), ("journal", "began with '+'"), ("note", "began with '-'")}


def test_the_load_report_says_what_was_neutralised(data_copy, tmp_path):
    path = tmp_path / "attack.csv"
    path.write_text('title,year\n"=1+1",2021\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["load", "--data", str(data_copy), "--dry-run", str(path)])
    assert result.exit_code == 0, result.output
    assert ("warning: attack.csv: line 2: field 'title': began with '=', which a spreadsheet would run as a formula; "
            "stored with a leading apostrophe so that it is shown as text") in result.output
