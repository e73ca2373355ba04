"""Summary of Findings rows: which side of a forest plot favours whom, the row's certainty, the effect as printed."""

from __future__ import annotations

from kb.grading.findings import StudyFacts, effect_text, row_certainty, sides, summarise_row


def outcome(study="a", estimate=None, low=None, high=None, measure="mean difference", direction="favours_microneedling",
            comparator_kind="active", kind="efficacy", **extra):
    row = dict(id=f"{study}-01", study_id=study, outcome="score", outcome_kind=kind, measure_group="score",
               comparator="active:laser", comparator_kind=comparator_kind, effect_measure=measure, estimate=estimate,
               ci_low=low, ci_high=high, ci_level=0.95, p_value="", follow_up="", direction=direction,
               events_intervention=None, total_intervention=None, events_comparator=None, total_comparator=None)
    row.update(extra)
    return row


FACTS = {"a": StudyFacts("A 2020", "rct", "low", 200), "b": StudyFacts("B 2021", "rct", "some_concerns", 100),
         "s": StudyFacts("S 2019", "case_series", "high", 40)}


def test_the_side_that_favours_microneedling_comes_from_direction_and_sign():
    assert sides([outcome(estimate=1.2)], "laser") == ("laser", "microneedling")      # higher favours microneedling
    assert sides([outcome(estimate=-0.4)], "laser") == ("microneedling", "laser")     # lower favours microneedling
    assert sides([outcome(estimate=0.5, measure="odds ratio", direction="favours_comparator")], "laser") == ("laser", "microneedling")
    assert sides([outcome(estimate=1.2), outcome("b", estimate=-1.0)], "laser") is None  # sources disagree on the scale
    assert sides([outcome(estimate=1.2, direction="no_difference")], "laser") is None


def test_a_row_starts_from_its_design_and_goes_down_for_bias_comparator_and_precision():
    # randomised (high), no low-risk study (-1), active comparator for a benefit (-1), interval crosses 0 (-1)
    assert row_certainty([outcome("b", 0.5, -0.1, 1.1)], FACTS, "benefit") == "very_low"
    # randomised, low risk, untreated comparator, precise: high
    assert row_certainty([outcome("a", 3.4, 0.2, 6.5, comparator_kind="untreated")], FACTS, "benefit") == "high"
    # before-after series at high risk: low start, -1 bias, no interval and under 100 people -1
    assert row_certainty([outcome("s", comparator_kind="none", direction="not_comparative")], FACTS, "benefit") == "very_low"


def test_effects_are_shown_as_printed_with_their_interval_level():
    assert effect_text(outcome(estimate=3.4, low=0.2, high=6.5, p_value="0.03")) == "mean difference 3.4 (95% CI 0.2 to 6.5), p = 0.03"
    assert effect_text(outcome(estimate=1.23, low=1.11, high=1.34, ci_level=0.99)) == "mean difference 1.23 (99% CI 1.11 to 1.34)"
    events = outcome(measure="events/total", events_intervention=0, total_intervention=40, events_comparator=0, total_comparator=40)
    assert effect_text(events) == "0/40 with microneedling vs 0/40 with the comparator"


def test_one_study_is_not_pooled_and_says_so():
    row = summarise_row([outcome("a", 1.0, 0.2, 1.8)], FACTS, "benefit", "score")
    assert not row.pooled and row.pooling_note == "One study: nothing to pool." and row.figure_svg == ""
