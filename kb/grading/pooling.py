"""Random-effects pooling of comparable study results, and the forest plot that shows it.

A Summary of Findings pools an outcome only where two or more studies report the
same measure against the same kind of comparator.  This module decides whether a
set of study results can be pooled (and says why not in a plain sentence when it
cannot), pools it with statsmodels' ``combine_effects`` and draws the forest plot
with matplotlib.  It is pure: numbers in, numbers or SVG text out, no database.

Ratios (odds, risk, hazard) are pooled on the log scale, where their sampling
distribution is close to normal, and transformed back for display.  Standard
errors come from the printed confidence interval, so studies that print only an
estimate and its interval can be pooled as they are.

statsmodels, scipy and matplotlib are imported inside the functions that use
them: they take a second to load, and most ``kb`` commands never pool.
"""

from __future__ import annotations

import io
import math
import re
import textwrap
from dataclasses import dataclass
from html import escape
from statistics import NormalDist

import numpy as np

RATIO_MEASURES = frozenset({"odds ratio", "risk ratio", "hazard ratio"})
"""Measures whose no-effect value is 1 and which are pooled on the log scale."""

DIFFERENCE_MEASURES = frozenset({"mean difference", "standardised mean difference", "risk difference"})
"""Measures whose no-effect value is 0 and which are pooled as they are."""

POOLED_CI_LEVEL = 0.95
"""The pooled interval is always a 95 % interval, whatever the studies printed."""

RANDOM_EFFECTS_METHOD = "random effects (DerSimonian-Laird)"

EVENT_STATISTICS = {"risk ratio": "risk-ratio", "odds ratio": "odds-ratio", "risk difference": "diff"}
"""Measures computable from 2x2 counts, and statsmodels' name for each."""


def null_value(measure: str) -> float | None:
    """The value meaning "no effect" for ``measure``: 1 for ratios, 0 for differences, None otherwise.

    None marks measures that cannot be pooled or judged against no effect, such as
    "percent improvement" or the free-text "other:..." measures.
    """
    if measure in RATIO_MEASURES:
        return 1.0
    if measure in DIFFERENCE_MEASURES:
        return 0.0
    return None


def _missing(value) -> bool:
    """True for None and NaN (how pandas hands over an empty cell)."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def crosses_null(measure: str, ci_low: float | None, ci_high: float | None) -> bool | None:
    """Whether the interval includes no effect (bounds inclusive): GRADE's test for imprecision.

    None when it cannot be told: a bound is missing or the measure has no null value.
    """
    null = null_value(measure)
    if null is None or _missing(ci_low) or _missing(ci_high):
        return None
    return ci_low <= null <= ci_high


def _z(level: float) -> float:
    """The two-sided normal quantile for a confidence level (1.96 for 0.95, 2.576 for 0.99)."""
    return NormalDist().inv_cdf(1 - (1 - level) / 2)


def _to_scale(measure: str, value: float) -> float:
    """A value on the scale pooling works on: log for ratios, unchanged for differences."""
    return math.log(value) if measure in RATIO_MEASURES else value


def _from_scale(measure: str, value: float) -> float:
    """The inverse of ``_to_scale``: back to the scale the measure is printed on."""
    return math.exp(value) if measure in RATIO_MEASURES else value


@dataclass(frozen=True)
class Effect:
    """One study's result for one outcome, as printed: estimate and confidence interval.

    ``ci_level`` is kept because some sources print 99 % intervals; reading them as
    95 % intervals would overstate the study's standard error.  The bounds may be
    None (or NaN) when the source printed none: ``why_not_poolable`` then says so.
    """

    study_id: str
    label: str
    measure: str
    estimate: float
    ci_low: float | None
    ci_high: float | None
    ci_level: float = 0.95

    def __post_init__(self):
        if not 0 < self.ci_level < 1:
            raise ValueError(f"{self.study_id}: ci_level must be a fraction such as 0.95, not {self.ci_level!r}")


def standard_error(effect: Effect) -> float:
    """The standard error on the pooling scale, from the interval's width and its level.

    (log(hi) - log(lo)) / (2 z) for ratios, (hi - lo) / (2 z) for differences,
    with z = 1.96 for a 95 % interval and 2.576 for a 99 % one.
    """
    width = _to_scale(effect.measure, effect.ci_high) - _to_scale(effect.measure, effect.ci_low)
    return width / (2 * _z(effect.ci_level))


def effect_from_events(study_id: str, label: str, events_mn, total_mn, events_cmp, total_cmp,
                       measure: str = "risk ratio") -> Effect | None:
    """An Effect (with a 95 % interval) computed from the 2x2 counts of a microneedling arm and a comparator arm.

    Uses statsmodels' ``effectsize_2proportions``; ratio intervals are built on the
    log scale.  When any cell is zero, 0.5 is added to every cell of the study (the
    usual continuity correction), so a zero count still gives a finite ratio.
    None when a count or total is missing, or when both arms have no events or both
    have only events: such a study says nothing about a difference between arms.
    """
    from statsmodels.stats.meta_analysis import effectsize_2proportions

    if measure not in EVENT_STATISTICS:
        raise ValueError(f"{study_id}: cannot compute a {measure!r} from counts; use one of {sorted(EVENT_STATISTICS)}")
    counts = (events_mn, total_mn, events_cmp, total_cmp)
    if any(_missing(count) for count in counts) or total_mn == 0 or total_cmp == 0:
        return None
    for events, total in ((events_mn, total_mn), (events_cmp, total_cmp)):
        if not 0 <= events <= total:
            raise ValueError(f"{study_id}: {events} events is impossible among {total} participants")
    if (events_mn == 0 and events_cmp == 0) or (events_mn == total_mn and events_cmp == total_cmp):
        return None
    # Only when a cell is zero: statsmodels adds the correction to the events of every study it is given
    # but to the totals only of studies with a zero cell, which would bias studies without one.
    zero_cell = 0 in (events_mn, events_cmp, total_mn - events_mn, total_cmp - events_cmp)
    value, variance = effectsize_2proportions(*(np.float64(count) for count in counts),
                                              statistic=EVENT_STATISTICS[measure],
                                              zero_correction=0.5 if zero_cell else None)
    margin = _z(POOLED_CI_LEVEL) * math.sqrt(variance)
    low, high = value - margin, value + margin
    return Effect(study_id, label, measure, *(float(_from_scale(measure, v)) for v in (value, low, high)))


def _interval_problem(effect: Effect) -> str | None:
    """Why one study's estimate and interval cannot be used, or None when they can."""
    if _missing(effect.estimate) or _missing(effect.ci_low) or _missing(effect.ci_high):
        return f"{effect.label} gives no complete estimate with a confidence interval."
    if effect.measure in RATIO_MEASURES and effect.ci_low <= 0:
        return f"{effect.label}'s {effect.measure} interval reaches zero or below, which no ratio can."
    if not effect.ci_low <= effect.estimate <= effect.ci_high or effect.ci_low == effect.ci_high:
        return (f"{effect.label}'s interval ({effect.ci_low:g} to {effect.ci_high:g}) is empty or does not "
                f"contain its estimate ({effect.estimate:g}).")
    return None


def why_not_poolable(effects: list[Effect]) -> str | None:
    """None when ``effects`` can be pooled; otherwise one plain sentence saying why not.

    The sentence is meant for the claim page, which must say so when results are not
    comparable rather than silently leaving the pooled row out.
    """
    if len(effects) < 2:
        return f"Pooling needs at least two studies; {len(effects)} reported this outcome."
    seen: set[str] = set()
    for effect in effects:
        if effect.study_id in seen:
            return f"{effect.label} ({effect.study_id}) appears more than once; each study can count once."
        seen.add(effect.study_id)
    measures = sorted({effect.measure for effect in effects})
    if len(measures) > 1:
        return f"The studies report different measures ({', '.join(measures)}), which cannot be pooled together."
    if null_value(measures[0]) is None:
        poolable = ", ".join(sorted(RATIO_MEASURES | DIFFERENCE_MEASURES))
        return f"Results given as {measures[0]!r} cannot be pooled; only these measures can: {poolable}."
    return next(filter(None, map(_interval_problem, effects)), None)


@dataclass(frozen=True)
class Pooled:
    """A random-effects pooled result, on the scale the measure is printed on.

    ``tau2`` (between-study variance) is on the pooling scale: the log scale for
    ratios.  ``i2`` is a fraction (0.34 means 34 %).  ``weights`` are the relative
    random-effects weights, in the order of the effects given to ``pool``, summing to 1.
    """

    measure: str
    estimate: float
    ci_low: float
    ci_high: float
    k: int
    i2: float
    tau2: float
    q: float
    p_heterogeneity: float
    method: str
    weights: tuple[float, ...]


def pool(effects: list[Effect]) -> Pooled:
    """Pool comparable study results with random effects; ValueError (saying why) when they are not comparable.

    Uses statsmodels' ``combine_effects`` with ``method_re="dl"``: DerSimonian-Laird
    is what RevMan and the GRADE handbook's worked examples use, so readers can check
    our numbers against published meta-analyses, and it has a closed form a test can
    verify by hand.  statsmodels does not truncate the DerSimonian-Laird tau² at zero
    (when Q < k - 1 it returns a negative variance and negative weights), so here a
    tau² at or below zero is set to zero and the fixed-effect result, which is the
    random-effects result with tau² = 0, is used.  I² is (Q - df) / Q, floored at 0.
    """
    from scipy.stats import chi2
    from statsmodels.stats.meta_analysis import combine_effects

    reason = why_not_poolable(effects)
    if reason:
        raise ValueError(reason)
    measure = effects[0].measure
    values = np.array([_to_scale(measure, effect.estimate) for effect in effects])
    variances = np.array([standard_error(effect) ** 2 for effect in effects])
    with np.errstate(divide="ignore", invalid="ignore"):  # statsmodels' own I² divides by Q, which may be 0
        result = combine_effects(values, variances, method_re="dl", alpha=1 - POOLED_CI_LEVEL)
    df = len(effects) - 1
    if result.tau2 > 0:
        tau2, centre, variance = result.tau2, result.mean_effect_re, result.var_eff_w_re
        weights = result.weights_rel_re
    else:
        tau2, centre, variance, weights = 0.0, result.mean_effect_fe, result.var_eff_w_fe, result.weights_rel_fe
    margin = _z(POOLED_CI_LEVEL) * math.sqrt(variance)
    q = float(result.q)
    return Pooled(
        measure=measure,
        estimate=float(_from_scale(measure, centre)),
        ci_low=float(_from_scale(measure, centre - margin)),
        ci_high=float(_from_scale(measure, centre + margin)),
        k=len(effects),
        i2=max(0.0, (q - df) / q) if q > 0 else 0.0,
        tau2=float(tau2),
        q=q,
        p_heterogeneity=float(chi2.sf(q, df)),
        method=RANDOM_EFFECTS_METHOD,
        weights=tuple(float(weight) for weight in weights),
    )


def _caption(pooled: Pooled | None) -> str:
    """The two heterogeneity lines under the plot; joined into one, they are the SVG's description."""
    if pooled is None:
        return "Not pooled: study results shown side by side."
    scale = " (log scale)" if pooled.measure in RATIO_MEASURES else ""
    heterogeneity = f"Q = {pooled.q:.2f} (p = {pooled.p_heterogeneity:.2g})"
    return (f"{pooled.method[0].upper()}{pooled.method[1:]}, {pooled.k} studies:\n"
            f"I² = {pooled.i2:.0%}, τ² = {pooled.tau2:.3g}{scale}, {heterogeneity}")


def _row_text(estimate: float, low: float, high: float, level: float, weight: float | None) -> str:
    """The numbers printed at the right of a row: estimate [interval], weight."""
    text = f"{estimate:.3g} [{low:.3g}, {high:.3g}]"
    if level != POOLED_CI_LEVEL:
        text += f" ({level:.0%} CI)"
    return text if weight is None else f"{text}  {weight:.0%}"


def _ratio_ticks(low: float, high: float) -> list[float]:
    """Readable ticks for a log axis from ``low`` to ``high``: 1-2-5 steps, or whole decades when those crowd."""
    steps = [(m, m * 10.0**e) for e in range(-3, 4) for m in (1, 2, 5)]
    inside = [(m, tick) for m, tick in steps if low <= tick <= high]
    return [tick for m, tick in inside if len(inside) <= 5 or m == 1]


def _accessible(svg: str, title: str, description: str) -> str:
    """Make matplotlib's SVG scale to its container and carry a <title> and <desc> for screen readers.

    The root element loses its fixed width and height (in pt) and gets width="100%",
    so the viewBox alone sets the aspect ratio and the picture fits a phone screen.
    """
    def root(match: re.Match) -> str:
        tag = re.sub(r'\s(width|height)="[^"]*"', "", match.group(0))
        return (tag[:-1] + ' width="100%" role="img">'
                + f"<title>{escape(title)}</title><desc>{escape(description)}</desc>")

    return re.sub(r"<svg\b[^>]*>", root, svg, count=1)


def _side_texts(axes, y: float, left: str, right: str, **style) -> None:
    """Row ``y``'s text left of the plot (what the row is) and right of it (its numbers)."""
    at = axes.get_yaxis_transform()  # x in axes fractions, y in data
    axes.text(-0.04, y, left, transform=at, ha="right", va="center", parse_math=False, **style)
    axes.text(1.04, y, right, transform=at, ha="left", va="center", parse_math=False, **style)


def _draw_rows(axes, effects: list[Effect], pooled: Pooled | None, rows: int) -> None:
    """One row per study from the top, the pooled diamond at the bottom, a header row above them."""
    weights = pooled.weights if pooled else (None,) * len(effects)
    for row, (effect, weight) in enumerate(zip(effects, weights, strict=True)):
        y = rows - row
        axes.plot([effect.ci_low, effect.ci_high], [y, y], color="black", linewidth=1)
        axes.plot([effect.estimate], [y], marker="s", color="#2166ac",
                  markersize=6 if weight is None else 4 + 10 * math.sqrt(weight))
        _side_texts(axes, y, textwrap.fill(effect.label, 18),
                    _row_text(effect.estimate, effect.ci_low, effect.ci_high, effect.ci_level, weight))
    if pooled is not None:
        diamond = axes.fill([pooled.ci_low, pooled.estimate, pooled.ci_high, pooled.estimate],
                            [1, 1.3, 1, 0.7], color="#b2182b")[0]
        diamond.set_gid("pooled-diamond")
        _side_texts(axes, 1, "Pooled", _row_text(pooled.estimate, pooled.ci_low, pooled.ci_high, POOLED_CI_LEVEL, 1.0),
                    fontweight="bold")
    measure = effects[0].measure
    header = f"{measure[0].upper()}{measure[1:]} [CI]" + (", weight" if pooled else "")
    _side_texts(axes, rows + 1, "Study", header, fontstyle="italic")
    axes.set_ylim(0.4, rows + 1.4)
    axes.set_yticks([])


def _draw_axis(axes, effects: list[Effect], favours: tuple[str, str]) -> None:
    """The x axis, centred on no effect (log scale for ratios), with the line of no effect and the Favours labels."""
    measure = effects[0].measure
    null = null_value(measure)
    centre = _to_scale(measure, null)
    bounds = [_to_scale(measure, value) for effect in effects for value in (effect.ci_low, effect.ci_high)]
    reach = 1.1 * max(abs(value - centre) for value in bounds)
    axes.set_xlim(_from_scale(measure, centre - reach), _from_scale(measure, centre + reach))
    if measure in RATIO_MEASURES:
        axes.set_xscale("log")
        axes.minorticks_off()
        ticks = _ratio_ticks(*axes.get_xlim())
        axes.set_xticks(ticks, [f"{tick:g}" for tick in ticks])
    axes.axvline(null, color="#777777", linewidth=0.8)
    for side in ("left", "right", "top"):
        axes.spines[side].set_visible(False)
    below = {"xycoords": axes.get_xaxis_transform(), "textcoords": "offset points", "va": "top", "parse_math": False}
    axes.annotate(f"Favours {favours[0]}", (null, 0), xytext=(-4, -22), ha="right", **below)
    axes.annotate(f"Favours {favours[1]}", (null, 0), xytext=(4, -22), ha="left", **below)


def forest_svg(title: str, effects: list[Effect], pooled: Pooled | None, favours: tuple[str, str]) -> str:
    """A forest plot as deterministic, phone-width SVG text; ValueError when ``effects`` cannot share one plot.

    One row per study (a square, sized by its weight when pooled, on its printed
    interval), a diamond for the pooled result (SVG id ``pooled-diamond``), a vertical
    line at no effect, a log axis for ratios, "Favours <left>" and "Favours <right>"
    from ``favours`` either side of that line, and I² and τ² in the caption.  The
    studies must be poolable (``why_not_poolable``), because only then do they share
    one axis; whether to draw the pooled diamond is the caller's choice.

    Drawn on a Figure with its own Agg canvas rather than pyplot, so no global state
    changes; the fixed hash salt and empty metadata make the same input give the same
    bytes, so rebuilding the database does not change the figure.
    """
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    reason = why_not_poolable(effects)
    if reason:
        raise ValueError(reason)
    rows = len(effects) + (pooled is not None)
    caption = _caption(pooled)
    style = {"svg.fonttype": "none", "svg.hashsalt": "kb-forest-plot", "font.size": 11}
    with matplotlib.rc_context(style):
        figure = Figure(figsize=(2.2, 0.9 + 0.34 * rows))
        FigureCanvasAgg(figure)
        axes = figure.add_axes((0, 0, 1, 1))
        _draw_rows(axes, effects, pooled, rows)
        _draw_axis(axes, effects, favours)
        axes.annotate(caption, (0.5, 0), xycoords="axes fraction", xytext=(0, -42), textcoords="offset points",
                      ha="center", va="top", fontsize=9)
        axes.set_title(textwrap.fill(title, 40), pad=10, fontweight="bold", parse_math=False)
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    return _accessible(buffer.getvalue(), title, caption.replace("\n", " "))
