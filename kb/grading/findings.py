"""Summary of Findings per claim, in the form GRADEpro made standard: one row per outcome and comparator.

Only outcomes of counted links appear.  Outcome rows of different studies that a curator gave the same
``measure_group`` and that share a comparator kind form one row; where two or more of them report the same
standard measure with an interval (or events per arm), they are pooled with random effects and a forest plot is
drawn.  Everything else is shown study by study, and the row says why it was not pooled.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from kb import vocab
from kb.grading.pooling import Effect, crosses_null, effect_from_events, forest_svg, pool, why_not_poolable
from kb.vocab import Certainty, ComparatorKind, EffectDirection, OutcomeKind, RiskOfBias

CONTROLLED = (ComparatorKind.UNTREATED, ComparatorKind.SHAM)
"""Comparators that can show microneedling beats doing nothing."""

DIRECTION_WORDS = {
    EffectDirection.FAVOURS_MICRONEEDLING: "microneedling did better than {comparator}",
    EffectDirection.FAVOURS_COMPARATOR: "{comparator} did better than microneedling",
    EffectDirection.NO_DIFFERENCE: "no clear difference between microneedling and {comparator}",
    EffectDirection.NOT_COMPARATIVE: "a before-after result with no comparison group",
}


@dataclass(frozen=True)
class StudyFacts:
    """What a Summary of Findings row needs to know about a study."""

    label: str
    design: str
    risk_of_bias: str
    n_participants: int | None


@dataclass(frozen=True)
class Finding:
    """One row of a claim's Summary of Findings."""

    outcome: str
    outcome_kind: str
    comparator_kind: str
    comparator: str
    n_studies: int
    n_participants: int | None
    certainty: str
    effect: str
    follow_up: str
    pooled: bool
    pooling_note: str
    plain_language: str
    studies: list[str]
    outcome_ids: list[str]
    figure_svg: str = ""


def _number(value: float) -> str:
    return f"{value:g}"


def effect_text(o: dict) -> str:
    """One study's result as a reader can check it against the source."""
    measure = o["effect_measure"].removeprefix("other:")
    if o["events_intervention"] is not None and o["total_intervention"]:
        text = f"{o['events_intervention']}/{o['total_intervention']} with microneedling"
        if o["events_comparator"] is not None and o["total_comparator"]:
            text += f" vs {o['events_comparator']}/{o['total_comparator']} with the comparator"
        return text
    if o["estimate"] is not None:
        text = f"{measure} {_number(o['estimate'])}"
        if o["ci_low"] is not None and o["ci_high"] is not None:
            text += f" ({round((o['ci_level'] or 0.95) * 100):g}% CI {_number(o['ci_low'])} to {_number(o['ci_high'])})"
        elif o["ci_high"] is not None or o["ci_low"] is not None:
            text += " (interval printed incompletely)"
    else:
        text = measure or "result not shown"
    if o["p_value"]:
        text += f", p {o['p_value']}" if o["p_value"][0] in "<>=" else f", p = {o['p_value']}"
    return text


def row_certainty(outcomes: list[dict], studies: dict[str, StudyFacts], claim_kind: str) -> str:
    """GRADE for one row: design sets the start; risk of bias, comparator and precision move it down."""
    facts = [studies[o["study_id"]] for o in outcomes]
    randomised = all(vocab.STUDY_DESIGNS.term(f.design).extra["starting_certainty"] == Certainty.HIGH for f in facts)
    rank = 4 if randomised and outcomes[0]["comparator_kind"] != ComparatorKind.NONE else 2
    if all(f.risk_of_bias == RiskOfBias.HIGH for f in facts):
        rank -= 2 if rank == 4 else 1
    elif rank == 4 and not any(f.risk_of_bias == RiskOfBias.LOW for f in facts):
        rank -= 1
    if (claim_kind == vocab.ClaimKind.BENEFIT and outcomes[0]["outcome_kind"] == OutcomeKind.EFFICACY
            and outcomes[0]["comparator_kind"] not in CONTROLLED + (ComparatorKind.NONE,)):
        rank -= 1  # only active comparators: indirect for "microneedling works"
    intervals = [crosses_null(o["effect_measure"], o["ci_low"], o["ci_high"]) for o in outcomes]
    known = [c for c in intervals if c is not None]
    if (known and any(known)) or (not known and sum(f.n_participants or 0 for f in facts) < 100):
        rank -= 1
    return vocab.certainty_from_rank(rank)


def _effects(outcomes: list[dict], studies: dict[str, StudyFacts]) -> list[Effect]:
    effects = []
    for o in outcomes:
        label = studies[o["study_id"]].label
        if o["estimate"] is not None and o["ci_low"] is not None and o["ci_high"] is not None:
            effects.append(Effect(o["study_id"], label, o["effect_measure"], o["estimate"], o["ci_low"], o["ci_high"], o["ci_level"] or 0.95))
        elif o["total_intervention"] and o["total_comparator"] and o["events_intervention"] is not None and o["events_comparator"] is not None:
            effect = effect_from_events(o["study_id"], label, o["events_intervention"], o["total_intervention"],
                                        o["events_comparator"], o["total_comparator"])
            if effect is not None:
                effects.append(effect)
    return effects


def summarise_row(outcomes: list[dict], studies: dict[str, StudyFacts], claim_kind: str, title: str) -> Finding:
    """A Summary of Findings row for outcomes that measure one thing against one kind of comparator."""
    first = outcomes[0]
    study_ids = sorted({o["study_id"] for o in outcomes})
    comparator_label = vocab.COMPARATOR_KINDS.term(first["comparator_kind"]).label.lower()
    comparators = sorted({o["comparator"].split(":", 1)[-1] for o in outcomes})
    sizes = [studies[s].n_participants for s in study_ids]
    effects, pooled, figure = _effects(outcomes, studies), None, ""
    if len(study_ids) < 2:
        note = "One study: nothing to pool."
    else:
        note = why_not_poolable(effects) if len(effects) == len(outcomes) else (
            "Not pooled: not every study reports an estimate with an interval or events per arm.")
        if note is None:
            pooled = pool(effects)
            note = (f"Pooled with {pooled.method}: I² {pooled.i2 * 100:.0f}%, τ² {pooled.tau2:.3g}, "
                    f"{pooled.k} studies.")
            figure = forest_svg(title, effects, pooled, ("microneedling", comparator_label))
    if pooled is not None:
        effect = f"{pooled.measure} {pooled.estimate:.2f} (95% CI {pooled.ci_low:.2f} to {pooled.ci_high:.2f}), pooled"
    else:
        effect = "; ".join(f"{studies[o['study_id']].label}: {effect_text(o)}" for o in outcomes)
    directions = sorted({o["direction"] for o in outcomes})
    said = [DIRECTION_WORDS[d].format(comparator=comparator_label if first["comparator_kind"] != ComparatorKind.UNTREATED
                                      else "no treatment") for d in directions]
    plain = ("; ".join(said)).capitalize() + (f" ({len(study_ids)} studies)." if len(study_ids) > 1 else ".")
    return Finding(
        outcome=first["measure_group"].replace("-", " ") if len(outcomes) > 1 and first["measure_group"] else first["outcome"],
        outcome_kind=first["outcome_kind"], comparator_kind=first["comparator_kind"], comparator="; ".join(comparators),
        n_studies=len(study_ids), n_participants=sum(sizes) if all(n is not None for n in sizes) else None,
        certainty=row_certainty(outcomes, studies, claim_kind), effect=effect,
        follow_up="; ".join(sorted({o["follow_up"] for o in outcomes if o["follow_up"]})),
        pooled=pooled is not None, pooling_note=note, plain_language=plain, studies=study_ids,
        outcome_ids=[o["id"] for o in outcomes], figure_svg=figure)


def summary_of_findings(outcomes: list[dict], studies: dict[str, StudyFacts], claim_kind: str,
                        title: Callable[[str], str] = str) -> list[Finding]:
    """The rows for one claim's counted outcomes: grouped by measure group and comparator kind, efficacy first."""
    groups: dict[tuple, list[dict]] = {}
    for o in outcomes:
        key = (o["measure_group"] or o["id"], o["comparator_kind"])
        groups.setdefault(key, []).append(o)
    kind_order = {k: i for i, k in enumerate(vocab.OUTCOME_KINDS.values())}
    ordered = sorted(groups.values(), key=lambda g: (kind_order[g[0]["outcome_kind"]], g[0]["measure_group"] or g[0]["outcome"], g[0]["id"]))
    return [summarise_row(sorted(g, key=lambda o: o["id"]), studies, claim_kind, title(g[0]["outcome"])) for g in ordered]
