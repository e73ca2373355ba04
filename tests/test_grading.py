"""Grading: hand-worked bodies of evidence for every domain and verdict rule, and properties."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given, settings, strategies as st

from kb import vocab
from kb.build import grade_data
from kb.datafiles import read_all
from kb.grading import VERDICT_RULES, Evidence, count_participants, grade_claim
from tests.conftest import DATA


def ev(study_id, stance="supports", rating=3, design="rct", rob="some_concerns", directness="direct", n=100):
    reason = "" if directness == "direct" else "differs"
    return Evidence(study_id, stance, directness, rating, design, rob, n, reason)


def domain(grade, name):
    return next(d for d in grade.domains if d.domain == name)


# --- starting point ---------------------------------------------------------

def test_randomised_evidence_starts_high():
    assert grade_claim("benefit", [ev("t1", rob="low"), ev("t2", rob="low")]).starting_certainty == "high"


def test_observational_evidence_starts_low():
    assert grade_claim("benefit", [ev("s1", design="case_series"), ev("s2", design="case_series")]).starting_certainty == "low"


def test_without_clinical_links_certainty_starts_very_low():
    grade = grade_claim("risk", [ev("r1", rating=2, design="case_report", n=1)])
    assert grade.starting_certainty == "very_low" and grade.certainty == "very_low"


def test_heavily_downgraded_trials_do_not_drag_below_direct_observational_evidence():
    body = [ev("trial", directness="indirect_population", n=60),
            ev("series1", design="case_series", n=80), ev("series2", design="case_series", n=80)]
    grade = grade_claim("risk", body)
    assert grade.starting_certainty == "low" and grade.certainty == "low"
    assert "trial" in grade.starting_reason and "less certain" in grade.starting_reason


# --- risk of bias -------------------------------------------------------------

@pytest.mark.parametrize("biases, design, change", [
    (["low", "some_concerns"], "rct", 0),
    (["some_concerns", "some_concerns"], "rct", -1),
    (["high", "high"], "rct", -2),
    (["high", "high"], "case_series", -1),
    (["high", "some_concerns"], "case_series", 0),
])
def test_risk_of_bias(biases, design, change):
    body = [ev(f"s{i}", design=design, rob=rob) for i, rob in enumerate(biases)]
    judgement = domain(grade_claim("benefit", body), "risk_of_bias")
    assert judgement.change == change
    if change:
        assert "s0" in judgement.reason


# --- inconsistency ------------------------------------------------------------

def test_one_mixed_clinical_link_is_inconsistency():
    body = [ev("a"), ev("b"), ev("c", stance="mixed")]
    judgement = domain(grade_claim("benefit", body), "inconsistency")
    assert judgement.change == -1 and "c" in judgement.reason


def test_refuting_evidence_as_heavy_as_support_is_serious_inconsistency():
    assert domain(grade_claim("benefit", [ev("a", rating=4), ev("b", stance="refutes", rating=4)]), "inconsistency").change == -2


def test_non_clinical_disagreement_is_not_inconsistency():
    assert domain(grade_claim("benefit", [ev("a"), ev("b", stance="refutes", rating=2)]), "inconsistency").change == 0


# --- indirectness ---------------------------------------------------------------

@pytest.mark.parametrize("directness, change", [
    (["direct", "direct", "indirect_outcome"], 0),
    (["direct", "indirect_population", "indirect_outcome"], -1),
    (["indirect_intervention", "indirect_population"], -2),
])
def test_indirectness(directness, change):
    body = [ev(f"s{i}", directness=d) for i, d in enumerate(directness)]
    assert domain(grade_claim("benefit", body), "indirectness").change == change


# --- imprecision ----------------------------------------------------------------

@pytest.mark.parametrize("sizes, change", [
    ([10, 10], -2),
    ([30, 40], -1),
    ([60, 60], 0),
    ([500], -1),  # one study only
    ([10, None], -1),  # an unknown size caps the downgrade at one level
])
def test_imprecision(sizes, change):
    body = [ev(f"s{i}", n=n) for i, n in enumerate(sizes)]
    judgement = domain(grade_claim("benefit", body), "imprecision")
    assert judgement.change == change
    if None in sizes:
        assert "size unknown for s1" in judgement.reason


def test_publication_bias_is_recorded_as_not_assessed():
    judgement = domain(grade_claim("benefit", [ev("a")]), "publication_bias")
    assert judgement.change == 0 and judgement.reason.startswith("Not assessed")


# --- overlap ----------------------------------------------------------------------

def test_a_review_and_its_included_study_count_once():
    review, trial = ev("review", design="systematic_review", n=400), ev("trial", n=150)
    other = ev("other", n=300)
    assert count_participants([review, trial, other], {("review", "trial")}) == 400
    assert count_participants([review, trial, other], set()) == 450
    assert count_participants([review], set()) == 400


# --- verdict rules ----------------------------------------------------------------

VERDICT_CASES = [
    ("benefit", [], "no_evidence_found"),
    ("description", [ev("a", rating=2, design="narrative_review"), ev("b", "refutes", 2, "regulatory"),
                     ev("c", "refutes", 2, "narrative_review")], "misleading_wording"),
    ("benefit", [ev("a"), ev("b", "refutes", 4, rob="low")], "contradicted"),
    ("benefit", [ev("a", rating=2, design="narrative_review"), ev("b", rating=2, design="mechanistic")], "insufficient_evidence"),
    ("benefit", [ev("a", design="case_series", rob="high", n=10)], "insufficient_evidence"),  # very low certainty
    ("risk", [ev("a", rating=2, design="case_report", n=1), ev("b", "qualifies", 4, "systematic_review_rct", n=400)], "supported"),
    ("benefit", [ev("a", rob="low"), ev("b", "qualifies", 4, rob="low")], "overstated"),
    ("benefit", [ev("a", directness="indirect_intervention"), ev("b", directness="indirect_intervention"), ev("c")], "partly_supported"),
    ("benefit", [ev("a", rob="low", rating=4), ev("b", rob="low"), ev("c", "mixed", 3, rob="low")], "partly_supported"),
    ("benefit", [ev("a", rob="low", rating=5), ev("b", rob="low", rating=4)], "supported"),
]


@pytest.mark.parametrize("kind, body, verdict", VERDICT_CASES)
def test_verdict_rules(kind, body, verdict):
    assert grade_claim(kind, body).verdict == verdict


def test_every_verdict_rule_is_exercised_by_the_cases_above():
    rules = {grade_claim(kind, body).verdict_rule for kind, body, _ in VERDICT_CASES}
    assert rules == set(range(1, len(VERDICT_RULES) + 1))


# --- properties ---------------------------------------------------------------------

designs = st.sampled_from(vocab.STUDY_DESIGNS.values())
evidence = st.builds(
    Evidence,
    study_id=st.text(alphabet="abcdefgh", min_size=1, max_size=3),
    stance=st.sampled_from(vocab.STANCES.values()),
    directness=st.sampled_from(vocab.DIRECTNESS.values()),
    rating=st.integers(1, 5),
    design=designs,
    risk_of_bias=st.sampled_from(vocab.RISK_OF_BIAS.values()),
    n_participants=st.one_of(st.none(), st.integers(1, 2000)),
    indirectness_reason=st.just("differs"),
)
bodies = st.lists(evidence, max_size=8, unique_by=lambda e: e.study_id)
kinds = st.sampled_from(vocab.CLAIM_KINDS.values())
inclusion_sets = st.sets(st.tuples(st.text(alphabet="abcdefgh", min_size=1, max_size=3),
                                   st.text(alphabet="abcdefgh", min_size=1, max_size=3)), max_size=4)


def favour(verdict: str) -> int:
    return vocab.VERDICTS.term(verdict).extra["rank"]


@settings(max_examples=300, deadline=None)
@given(kinds, bodies, st.integers(1, 5), st.sampled_from(vocab.RISK_OF_BIAS.values()), st.one_of(st.none(), st.integers(1, 2000)))
def test_adding_a_direct_supporting_trial_never_lowers_certainty(kind, body, rating, rob, n):
    trial = Evidence("new-trial", "supports", "direct", rating, "rct", rob, n)
    before = vocab.certainty_rank(grade_claim(kind, body).certainty)
    after = vocab.certainty_rank(grade_claim(kind, body + [trial]).certainty)
    assert after >= before


@settings(max_examples=300, deadline=None)
@given(kinds, bodies, evidence)
def test_adding_a_refuting_link_never_makes_the_verdict_more_favourable(kind, body, extra):
    refuting = Evidence("new-refuting", "refutes", extra.directness, extra.rating, extra.design,
                        extra.risk_of_bias, extra.n_participants, extra.indirectness_reason)
    assert favour(grade_claim(kind, body + [refuting]).verdict) <= favour(grade_claim(kind, body).verdict)


@settings(max_examples=200, deadline=None)
@given(bodies, st.integers(1, 2000), st.integers(1, 2000))
def test_a_study_included_in_a_linked_review_is_counted_once(body, review_n, study_n):
    review = Evidence("the-review", "supports", "direct", 4, "systematic_review", "some_concerns", review_n)
    included = Evidence("the-study", "supports", "direct", 4, "rct", "low", study_n)
    inclusions = {("the-review", "the-study")}
    assert count_participants(body + [review, included], inclusions) == count_participants(body + [review], inclusions)


@settings(max_examples=200, deadline=None)
@given(kinds, bodies, inclusion_sets, st.randoms(use_true_random=False))
def test_the_result_does_not_depend_on_row_order(kind, body, inclusions, rnd):
    shuffled = list(body)
    rnd.shuffle(shuffled)
    assert grade_claim(kind, body, inclusions) == grade_claim(kind, shuffled, inclusions)


# --- the published summary ----------------------------------------------------------

def test_published_claim_summary_matches_the_library(built_db):
    summaries, domains = grade_data(read_all(DATA))
    conn = sqlite3.connect(built_db)
    conn.row_factory = sqlite3.Row
    published = {r["claim_id"]: dict(r) for r in conn.execute("SELECT * FROM claim_summary")}
    assert published == {s["claim_id"]: s for s in summaries}
    stored = sorted(tuple(r) for r in conn.execute("SELECT claim_id, domain, change, reason FROM claim_certainty"))
    assert stored == sorted((d["claim_id"], d["domain"], d["change"], d["reason"]) for d in domains)


def test_the_article_claims_come_out_as_a_dermatologist_would_expect(built_db):
    conn = sqlite3.connect(built_db)
    summary = {r[0]: (r[1], r[2]) for r in conn.execute("SELECT claim_id, verdict, certainty FROM claim_summary")}
    assert summary["non-invasive"][0] == "misleading_wording"
    assert summary["infection-risk"][0] == "supported" and summary["infection-risk"][1] in ("low", "very_low")
    assert summary["pih-darker-skin"][0] == "supported"
    assert summary["hyperpigmentation-treatment"][0] in ("partly_supported", "overstated")
    assert summary["pih-mechanism"][0] == "no_evidence_found"
    first = conn.execute("SELECT domain FROM claim_certainty WHERE claim_id = 'acne-scar-reduction' ORDER BY rowid").fetchone()[0]
    assert first == "starting_point"
