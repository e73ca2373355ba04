"""Pooling: null values, standard errors from intervals, DerSimonian-Laird by hand, 2x2 counts, and the forest plot."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ElementTree

import pytest

from kb.grading.pooling import (
    Effect,
    crosses_null,
    effect_from_events,
    forest_svg,
    null_value,
    pool,
    standard_error,
    why_not_poolable,
)

Z95 = 1.959963984540054  # two-sided normal quantile for 95 %
Z99 = 2.5758293035489004  # and for 99 %


def difference(study_id, estimate, se, measure="mean difference"):
    """A study whose printed 95 % interval is estimate +/- 1.96 se, so its standard error is exactly ``se``."""
    return Effect(study_id, study_id.title(), measure, estimate, estimate - Z95 * se, estimate + Z95 * se)


def ratio(study_id, estimate, log_se, measure="odds ratio"):
    """A ratio whose 95 % interval is symmetric on the log scale with standard error ``log_se``."""
    spread = math.exp(Z95 * log_se)
    return Effect(study_id, study_id.title(), measure, estimate, estimate / spread, estimate * spread)


# --- no effect ----------------------------------------------------------------

@pytest.mark.parametrize("measure, expected", [
    ("odds ratio", 1.0), ("risk ratio", 1.0), ("hazard ratio", 1.0),
    ("mean difference", 0.0), ("standardised mean difference", 0.0), ("risk difference", 0.0),
    ("percent improvement", None), ("other:between-side comparison (values not shown)", None),
])
def test_null_value(measure, expected):
    assert null_value(measure) == expected


@pytest.mark.parametrize("measure, low, high, expected", [
    ("odds ratio", 0.5, 1.0, True),        # upper bound on no effect: included
    ("odds ratio", 1.0, 2.0, True),        # lower bound on no effect: included
    ("odds ratio", 1.01, 2.0, False),
    ("risk ratio", 0.2, 0.99, False),
    ("mean difference", 0.0, 0.73, True),
    ("mean difference", -1.2, -0.1, False),
    ("mean difference", None, 0.73, None),  # pmid35426044_meta prints no usable lower bound
    ("mean difference", float("nan"), 0.73, None),
    ("percent improvement", -5.0, 40.0, None),
])
def test_crosses_null(measure, low, high, expected):
    assert crosses_null(measure, low, high) is expected


# --- standard errors from intervals ---------------------------------------------

def test_standard_error_from_a_99_percent_interval():
    # 0.5 +/- 2.576 x 0.2 printed as a 99 % interval: SE 0.2, not the 0.263 a 95 % reading would give.
    effect = Effect("s", "S", "mean difference", 0.5, 0.5 - Z99 * 0.2, 0.5 + Z99 * 0.2, ci_level=0.99)
    assert standard_error(effect) == pytest.approx(0.2)


def test_standard_error_of_a_ratio_is_on_the_log_scale():
    # OR 2 with 99 % interval 2 / e^(2.576 x 0.5) to 2 x e^(2.576 x 0.5): SE of log OR = 0.5.
    spread = math.exp(Z99 * 0.5)
    assert standard_error(Effect("s", "S", "odds ratio", 2.0, 2 / spread, 2 * spread, 0.99)) == pytest.approx(0.5)


def test_a_99_percent_interval_is_pooled_with_its_own_standard_error():
    # SE 1 printed as a 99 % interval pools exactly as SE 1 printed as a 95 % interval: y = 0, 2 with SE 1, 1
    # gives Q = 2, tau2 = (2 - 1) / (2 - 2/2) = 1, random weights 1 / (1 + 1) each, so the mean 1 with variance 1.
    same_se_at_99 = Effect("b", "B", "mean difference", 2.0, 2 - Z99, 2 + Z99, ci_level=0.99)
    pooled = pool([difference("a", 0.0, 1.0), same_se_at_99])
    assert (pooled.estimate, pooled.tau2, pooled.ci_high) == pytest.approx((1.0, 1.0, 1 + Z95))


def test_ci_level_must_be_a_fraction():
    with pytest.raises(ValueError, match="ci_level"):
        Effect("s", "S", "mean difference", 0.5, 0.1, 0.9, ci_level=99)


# --- DerSimonian-Laird by hand ---------------------------------------------------

def test_three_studies_pooled_by_dersimonian_laird_as_worked_by_hand():
    # y = 0, 2, 4 with SE 1, 1, 2: fixed weights w = 1, 1, 1/4 (sum W = 9/4).
    # Fixed mean = (0 + 2 + 1) / (9/4) = 4/3.  Q = sum w y^2 - (sum w y)^2 / W = 8 - 9 / (9/4) = 4, df = 2.
    # C = W - sum w^2 / W = 9/4 - (33/16) / (9/4) = 4/3.  tau2 = (Q - df) / C = 2 / (4/3) = 1.5.
    # I2 = (Q - df) / Q = (4 - 2) / 4 = 0.5.
    # Random weights 1 / (v + tau2) = 2/5, 2/5, 2/11 (sum 54/55); mean = (4/5 + 8/11) / (54/55) = 14/9;
    # variance 55/54.  p for Q = 4 on 2 df is e^-2.
    pooled = pool([difference("a", 0.0, 1.0), difference("b", 2.0, 1.0), difference("c", 4.0, 2.0)])
    assert pooled.k == 3 and pooled.measure == "mean difference"
    assert pooled.q == pytest.approx(4.0)
    assert pooled.tau2 == pytest.approx(1.5)
    assert pooled.i2 == pytest.approx(0.5)
    assert pooled.estimate == pytest.approx(14 / 9)
    assert pooled.ci_low == pytest.approx(14 / 9 - Z95 * math.sqrt(55 / 54))
    assert pooled.ci_high == pytest.approx(14 / 9 + Z95 * math.sqrt(55 / 54))
    assert pooled.p_heterogeneity == pytest.approx(math.exp(-2))
    assert pooled.weights == pytest.approx((22 / 54, 22 / 54, 10 / 54))
    assert pooled.method == "random effects (DerSimonian-Laird)"


def test_two_studies_pooled_by_hand():
    # y = 1, 5 with SE 1, 1: W = 2, Q = (1-3)^2 + (5-3)^2 = 8, df = 1, C = 2 - 2/2 = 1, tau2 = 7, I2 = 7/8.
    # Random weights 1/8 each: mean 3, variance 4.
    pooled = pool([difference("a", 1.0, 1.0), difference("b", 5.0, 1.0)])
    assert (pooled.q, pooled.tau2, pooled.i2) == pytest.approx((8.0, 7.0, 7 / 8))
    assert (pooled.estimate, pooled.ci_low, pooled.ci_high) == pytest.approx((3.0, 3 - Z95 * 2, 3 + Z95 * 2))


def test_no_heterogeneity_gives_i2_zero_and_the_fixed_effect_result():
    # y = 1, 1.5 with SE 1, 2: w = 1, 1/4, W = 5/4, mean 1.1, Q = 0.01 + 0.04 = 0.05 < df = 1.
    # DerSimonian-Laird gives tau2 = (0.05 - 1) / 0.4 < 0, truncated to 0 (statsmodels does not truncate it:
    # its own random-effects weights would be negative).  So I2 = 0, mean 1.1, variance 1/W = 0.8.
    pooled = pool([difference("a", 1.0, 1.0), difference("b", 1.5, 2.0)])
    assert pooled.tau2 == 0.0 and pooled.i2 == 0.0
    assert pooled.q == pytest.approx(0.05)
    assert pooled.estimate == pytest.approx(1.1)
    assert (pooled.ci_low, pooled.ci_high) == pytest.approx((1.1 - Z95 * math.sqrt(0.8), 1.1 + Z95 * math.sqrt(0.8)))
    assert pooled.weights == pytest.approx((0.8, 0.2))


# --- ratios on the log scale -------------------------------------------------------

def test_two_identical_odds_ratios_pool_to_that_odds_ratio():
    pooled = pool([ratio("a", 2.5, 0.4), ratio("b", 2.5, 0.4)])
    assert pooled.estimate == pytest.approx(2.5)
    assert pooled.q == pytest.approx(0.0, abs=1e-12) and (pooled.i2, pooled.tau2) == (0.0, 0.0)
    # Two equal studies halve the variance: log interval ln 2.5 +/- 1.96 x 0.4 / sqrt 2.
    assert pooled.ci_high == pytest.approx(2.5 * math.exp(Z95 * 0.4 / math.sqrt(2)))


def test_ratios_are_pooled_on_the_log_scale():
    # OR 2 and OR 8, equal log SE 1: Q = 2 x (ln 2)^2 = 0.96 < 1, so tau2 = 0 and the pooled OR is the
    # geometric mean exp((ln 2 + ln 8) / 2) = 4, not the arithmetic mean 5.
    pooled = pool([ratio("a", 2.0, 1.0), ratio("b", 8.0, 1.0)])
    assert pooled.estimate == pytest.approx(4.0)
    assert pooled.ci_low == pytest.approx(4.0 / math.exp(Z95 * math.sqrt(0.5)))


# --- 2x2 counts --------------------------------------------------------------------

def test_risk_ratio_from_counts_with_a_zero_cell_uses_the_half_correction():
    # 0/10 vs 5/10: add 0.5 to every cell -> 0.5/11 vs 5.5/11, RR = 1/11.
    # var log RR = 1/a - 1/n1 + 1/c - 1/n2 = 2 - 1/11 + 2/11 - 1/11 = 2.
    effect = effect_from_events("s", "S 2020", 0, 10, 5, 10)
    assert effect.measure == "risk ratio" and effect.label == "S 2020"
    assert effect.estimate == pytest.approx(1 / 11)
    assert effect.ci_low == pytest.approx(math.exp(math.log(1 / 11) - Z95 * math.sqrt(2)))
    assert effect.ci_high == pytest.approx(math.exp(math.log(1 / 11) + Z95 * math.sqrt(2)))
    assert standard_error(effect) == pytest.approx(math.sqrt(2))


def test_odds_ratio_from_counts_with_a_zero_cell():
    # Cells 0.5, 10.5 / 5.5, 5.5: OR = (0.5 x 5.5) / (10.5 x 5.5) = 1/21; var = 1/0.5 + 1/10.5 + 2/5.5.
    effect = effect_from_events("s", "S", 0, 10, 5, 10, measure="odds ratio")
    assert effect.estimate == pytest.approx(1 / 21)
    assert standard_error(effect) == pytest.approx(math.sqrt(2 + 1 / 10.5 + 2 / 5.5))


def test_counts_without_a_zero_cell_are_not_corrected():
    # 2/10 vs 4/10: RR 0.5, var log RR = 1/2 - 1/10 + 1/4 - 1/10 = 0.55.
    effect = effect_from_events("s", "S", 2, 10, 4, 10)
    assert effect.estimate == pytest.approx(0.5)
    assert standard_error(effect) == pytest.approx(math.sqrt(0.55))


def test_risk_difference_from_counts():
    # 2/10 vs 4/10: RD -0.2, var = 0.2 x 0.8 / 10 + 0.4 x 0.6 / 10 = 0.04.
    effect = effect_from_events("s", "S", 2, 10, 4, 10, measure="risk difference")
    assert effect.estimate == pytest.approx(-0.2)
    assert (effect.ci_low, effect.ci_high) == pytest.approx((-0.2 - Z95 * 0.2, -0.2 + Z95 * 0.2))


@pytest.mark.parametrize("counts", [
    (0, 12, 0, 11),             # no events in either arm: no information
    (12, 12, 11, 11),           # events in everyone: no information either
    (3, None, 4, 10),           # a total missing
    (3, 10, 4, float("nan")),   # missing as pandas hands it over
])
def test_counts_that_carry_no_comparison_give_none(counts):
    assert effect_from_events("s", "S", *counts) is None


def test_impossible_counts_are_an_error_naming_the_study():
    with pytest.raises(ValueError, match="alam2014.*12 events.*10 participants"):
        effect_from_events("alam2014", "Alam 2014", 12, 10, 4, 10)


def test_a_measure_not_computable_from_counts_is_an_error():
    with pytest.raises(ValueError, match="hazard ratio"):
        effect_from_events("s", "S", 2, 10, 4, 10, measure="hazard ratio")


# --- what can be pooled --------------------------------------------------------------

def test_comparable_studies_are_poolable():
    assert why_not_poolable([difference("a", 1.0, 1.0), difference("b", 2.0, 1.0)]) is None


@pytest.mark.parametrize("effects, message", [
    ([], "at least two studies; 0 reported"),
    ([difference("a", 1.0, 1.0)], "at least two studies; 1 reported"),
    ([difference("a", 1.0, 1.0), difference("a", 2.0, 1.0)], r"A \(a\) appears more than once"),
    ([difference("a", 1.0, 1.0), ratio("b", 2.0, 0.5)], r"different measures \(mean difference, odds ratio\)"),
    ([difference("a", 1.0, 1.0, "percent improvement"), difference("b", 2.0, 1.0, "percent improvement")],
     "'percent improvement' cannot be pooled"),
    ([difference("a", 1.0, 1.0), Effect("b", "C 2022", "mean difference", 0.42, None, 0.73)],
     "C 2022 gives no complete estimate with a confidence interval"),
    ([ratio("a", 2.0, 0.5), Effect("b", "B 2019", "odds ratio", 2.0, 0.0, 5.0)],
     "B 2019's odds ratio interval reaches zero or below"),
    ([difference("a", 1.0, 1.0), Effect("b", "B 2019", "mean difference", 3.0, 0.1, 0.9)],
     "does not contain its estimate"),
])
def test_why_not_poolable_says_why(effects, message):
    reason = why_not_poolable(effects)
    assert re.search(message, reason)
    with pytest.raises(ValueError) as raised:
        pool(effects)
    assert str(raised.value) == reason


# --- the forest plot -------------------------------------------------------------------

STUDIES = [ratio("alam2014", 2.0, 0.6), ratio("bandral2019", 3.0, 0.5)]
STUDIES = [Effect(e.study_id, label, e.measure, e.estimate, e.ci_low, e.ci_high)
           for e, label in zip(STUDIES, ["Alam 2014", "Bandral 2019"])]


def root_tag(svg):
    return re.search(r"<svg\b[^>]*>", svg).group(0)


def test_forest_plot_is_deterministic_and_labelled():
    pooled = pool(STUDIES)
    svg = forest_svg("Acne scars versus laser", STUDIES, pooled, ("laser", "microneedling"))
    assert svg == forest_svg("Acne scars versus laser", STUDIES, pooled, ("laser", "microneedling"))
    ElementTree.fromstring(svg.encode())  # well-formed XML
    for text in ("Alam 2014", "Bandral 2019", "Favours laser", "Favours microneedling", "I² = 0%", "τ² = 0"):
        assert text in svg
    assert '<title>Acne scars versus laser</title>' in svg
    assert 'id="pooled-diamond"' in svg


def test_forest_plot_scales_to_its_container():
    root = root_tag(forest_svg("T", STUDIES, None, ("a", "b")))
    assert 'viewBox="0 0 ' in root and 'width="100%"' in root
    assert not re.search(r'\s(height|width)="[\d.]+(pt|px)?"', root)


def test_forest_plot_without_pooling_has_no_diamond():
    svg = forest_svg("Not comparable", STUDIES, None, ("laser", "microneedling"))
    assert "pooled-diamond" not in svg and "Not pooled" in svg
    assert "Alam 2014" in svg


def test_forest_plot_of_ratios_uses_a_log_axis_centred_on_one():
    # OR 2 (log SE 0.6) and OR 3 (log SE 0.5) reach up to 3 x e^(1.96 x 0.5) = 7.99; widened by a tenth and
    # mirrored around 1 on the log scale the axis runs from about 0.10 to 9.8, ticked in 1-2-5 steps.
    # A linear axis would be ticked 0, 2, 4, 6, 8.
    ticks = re.findall(r'<text [^>]*>([\d.]+)</text>', forest_svg("T", STUDIES, None, ("a", "b")))
    assert ticks == ["0.2", "0.5", "1", "2", "5"]


def test_forest_plot_refuses_studies_that_cannot_share_an_axis():
    with pytest.raises(ValueError, match="different measures"):
        forest_svg("T", [STUDIES[0], difference("c", 1.0, 1.0)], None, ("a", "b"))
