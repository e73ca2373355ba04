"""One failing input per validation rule: the message names file, line and column,
and a build from the broken data leaves the previous database exactly as it was."""

from __future__ import annotations

import pytest

from kb.build import build
from kb.validate import ValidationError, validate
from tests.conftest import edit_row, read_csv, write_csv


def duplicate_first_row(data_dir, file):
    rows = read_csv(data_dir / file)
    write_csv(data_dir / file, rows + [dict(rows[0])])


def drop_column(data_dir, file, column):
    rows = read_csv(data_dir / file)
    for row in rows:
        del row[column]
    write_csv(data_dir / file, rows)


def unlink_claim(data_dir, claim_id):
    rows = [r for r in read_csv(data_dir / "claim_evidence.csv") if r["claim_id"] != claim_id]
    write_csv(data_dir / "claim_evidence.csv", rows)


def line_of(data_dir, file, **match):
    """File line of the first row matching ``match``."""
    for index, row in enumerate(read_csv(data_dir / file)):
        if all(row[k] == v for k, v in match.items()):
            return index + 2
    raise LookupError(match)


CASES = {
    "unknown claim id in a link": (lambda d: edit_row(d, "claim_evidence.csv", 0, claim_id="no-such-claim"),
                                   "claim_evidence.csv", 2, "claim_id", "unknown id 'no-such-claim'"),
    "unknown study id in a link": (lambda d: edit_row(d, "claim_evidence.csv", 3, study_id="nobody2020"),
                                   "claim_evidence.csv", 5, "study_id", "unknown id 'nobody2020'"),
    "value outside a vocabulary": (lambda d: edit_row(d, "claims.csv", 1, kind="promise"),
                                   "claims.csv", 3, "kind", "not in the claim_kinds vocabulary"),
    "study design outside the vocabulary": (lambda d: edit_row(d, "studies.csv", 0, design="anecdote"),
                                            "studies.csv", 2, "design", "not in the study_designs vocabulary"),
    "quote moved off its offsets": (lambda d: edit_row(d, "claims.csv", 0, quote_start="3"),
                                    "claims.csv", 2, "quote", "not found verbatim at offsets 3-"),
    "quote not in the article": (lambda d: edit_row(d, "claims.csv", 2, quote="Microneedling cures everything."),
                                 "claims.csv", 4, "quote", "does not occur anywhere in the article"),
    "duplicate claim id": (lambda d: duplicate_first_row(d, "claims.csv"),
                           "claims.csv", 29, "id", "duplicate id 'acne-scar-reduction'"),
    "duplicate DOI": (lambda d: edit_row(d, "studies.csv", 4, doi="10.1001/jamadermatol.2013.8687"),
                      "studies.csv", 6, "doi", "duplicate DOI"),
    "malformed DOI": (lambda d: edit_row(d, "studies.csv", 1, doi="doi 10.1001"),
                      "studies.csv", 3, "doi", "malformed DOI"),
    "malformed PMID": (lambda d: edit_row(d, "studies.csv", 1, pmid="PMID24919799"),
                       "studies.csv", 3, "pmid", "malformed PMID"),
    "malformed PMCID": (lambda d: edit_row(d, "studies.csv", 0, pmcid="6122507"),
                        "studies.csv", 2, "pmcid", "malformed PMCID"),
    "identifier differs from its verification record": (lambda d: edit_row(d, "studies.csv", 1, pmid="24919798"),
                                                        "studies.csv", 3, "pmid", "differs from the verification record"),
    "missing required field": (lambda d: edit_row(d, "claims.csv", 0, statement=""),
                               "claims.csv", 2, "statement", "required value is empty"),
    "not a whole number": (lambda d: edit_row(d, "studies.csv", 0, n_participants="forty-eight"),
                           "studies.csv", 2, "n_participants", "not a whole number"),
    "rating outside 1-5": (lambda d: edit_row(d, "claim_evidence.csv", 0, rating="7"),
                           "claim_evidence.csv", 2, "rating", "not a rating from 1 to 5"),
    "indirect link without a reason": (lambda d: edit_row(d, "claim_evidence.csv", 0, directness="indirect_population", indirectness_reason=""),
                                       "claim_evidence.csv", 2, "indirectness_reason", "must say how the study differs"),
    "changed article text": (lambda d: (d / "articles" / "skin-deep-needling.txt").write_text("Edited.", encoding="utf-8"),
                             "articles.csv", 2, "text_sha256", "archived text has changed"),
    "missing column": (lambda d: drop_column(d, "claims.csv", "topic"),
                       "claims.csv", 1, "topic", "required column is missing"),
    "claim with neither links nor a reason": (lambda d: unlink_claim(d, "popularity-growth"),
                                              "claims.csv", None, "no_evidence_reason", "has no evidence links"),
    "override without a reason": (lambda d: edit_row(d, "claims.csv", 0, override_verdict="supported"),
                                  "claims.csv", 2, "override_reason", "needs a reason"),
    "Fitzpatrick range out of order": (lambda d: edit_row(d, "studies.csv", 1, fitzpatrick_min="5", fitzpatrick_max="2"),
                                       "studies.csv", 3, "fitzpatrick_min", "not within types 1-6"),
    "complete verification without a complete record": (lambda d: edit_row(d, "studies.csv", 4, verification="complete"),
                                                         "studies.csv", 6, "verification", "verification record is missing or incomplete"),
    "omission naming an unknown study": (lambda d: edit_row(d, "article_omissions.csv", 1, study_ids="healthcanada2021_drpen_advisory; nobody2020"),
                                         "article_omissions.csv", 3, "study_ids", "unknown id 'nobody2020': no such row in studies"),
    "omission naming no study": (lambda d: edit_row(d, "article_omissions.csv", 0, study_ids=";"),
                                 "article_omissions.csv", 2, "study_ids", "names no study"),
    "omission naming a study twice": (lambda d: edit_row(d, "article_omissions.csv", 0, study_ids="fda_devices_page;fda_devices_page"),
                                      "article_omissions.csv", 2, "study_ids", "'fda_devices_page' is named more than once"),
    "article rating outside the vocabulary": (lambda d: edit_row(d, "article_reviews.csv", 0, rating="pants_on_fire"),
                                              "article_reviews.csv", 2, "rating", "not in the article_ratings vocabulary"),
    "archiving date not a date": (lambda d: edit_row(d, "article_reviews.csv", 0, archived_on="last spring"),
                                  "article_reviews.csv", 2, "archived_on", "YYYY-MM-DD"),
    "article address that is not a web address": (lambda d: edit_row(d, "articles.csv", 0, url="javascript:alert(1)"),
                                                  "articles.csv", 2, "url", "not an http or https address"),
    "overstatement line for an unknown claim": (lambda d: edit_row(d, "article_overstatements.csv", 0, claim_id="no-such-claim"),
                                                "article_overstatements.csv", 2, "claim_id", "unknown id 'no-such-claim'"),
    "check terms naming an unknown word list": (lambda d: edit_row(d, "claim_terms.csv", 2, terms="acne scar|@betters"),
                                                "claim_terms.csv", 4, "terms", "@betters is not a word list of check_word_sets"),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_rule_reports_file_line_and_column(case, data_copy, tmp_path):
    break_data, file, line, column, message = CASES[case]
    db = tmp_path / "kb.db"
    build(data_copy, db)
    before = db.read_bytes()
    break_data(data_copy)
    if line is None:
        line = line_of(data_copy, file, id="popularity-growth")
    problems = validate(data_copy)
    matching = [p for p in problems if p.file == f"data/{file}" and p.line == line and p.column == column]
    assert matching, f"expected a problem at data/{file}:{line} column {column}; got {[str(p) for p in problems]}"
    assert any(message in p.message for p in matching), [p.message for p in matching]
    assert f"data/{file}:{line}: column '{column}':" in str(matching[0])
    with pytest.raises(ValidationError):
        build(data_copy, db)
    assert db.read_bytes() == before


def test_every_problem_is_reported_at_once(data_copy):
    edit_row(data_copy, "claims.csv", 1, kind="promise")
    edit_row(data_copy, "studies.csv", 1, doi="doi 10.1001")
    edit_row(data_copy, "claim_evidence.csv", 0, rating="9")
    problems = validate(data_copy)
    assert {(p.file, p.column) for p in problems} >= {
        ("data/claims.csv", "kind"), ("data/studies.csv", "doi"), ("data/claim_evidence.csv", "rating")}


def test_the_curated_data_is_valid():
    from tests.conftest import DATA

    assert validate(DATA) == []
