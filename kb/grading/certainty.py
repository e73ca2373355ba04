"""Certainty of a claim's body of counted evidence, GRADE-style: a starting point and five domains.

Each tier of clinical evidence (randomised, observational...) is rated on its own and the claim takes the most
certain result, as GRADE rates the best available body of evidence.  Every judgement carries a reason naming the
studies concerned; these become the rows of ``claim_certainty``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from kb import vocab
from kb.grading.evidence import Evidence, count_participants, designs, ids, independent_units, weight
from kb.grading.pooling import crosses_null
from kb.vocab import Certainty, Directness, Domain, RiskOfBias, Stance

IMPRECISION_PARTICIPANTS = (30, 100)
"""Without a confidence interval: below the first, down two; below the second, down one."""


@dataclass(frozen=True)
class DomainJudgement:
    domain: str
    change: int
    reason: str


class Interval(NamedTuple):
    """A reported confidence interval for an outcome that informs the claim (from ``outcomes``)."""

    study_id: str
    outcome: str
    measure: str
    ci_low: float
    ci_high: float


def starting_points(evidence: list[Evidence]) -> list[tuple[str, str, list[Evidence]]]:
    """Each tier of clinical evidence: its starting certainty, a reason, and its (core) links.

    Highest tier first.  With no clinical link there is one tier: very low, no core.
    """
    clinical = [e for e in evidence if e.clinical]
    if not clinical:
        return [(Certainty.VERY_LOW, "Starts very low: no counted clinical link (rated 3 or more), only opinion, case reports, regulatory, reference or animal sources.", [])]
    tiers = []
    for rank in sorted({vocab.certainty_rank(e.starting_certainty) for e in clinical}, reverse=True):
        core = [e for e in clinical if vocab.certainty_rank(e.starting_certainty) == rank]
        start = vocab.certainty_from_rank(rank)
        tiers.append((start, f"Starts {vocab.CERTAINTY_LEVELS.term(start).label.lower()}: rated on {designs(core)} ({ids(core)}).", core))
    return tiers


def carrying(core: list[Evidence]) -> list[Evidence]:
    """The links of a tier that carry the claim as worded: those that support it, else the whole tier.

    Risk of bias and imprecision are judged on them, as GRADE judges the studies behind an estimate. A link that only
    qualifies the claim (a review of satisfaction, not wrinkles; an interval comparing microneedling with a laser)
    lowers the verdict but cannot vouch for the support: a well-run review that agrees in part must not spare
    uncontrolled series at high risk of bias from their downgrade.
    """
    return [e for e in core if e.stance == Stance.SUPPORTS] or core


def judge_risk_of_bias(start: str, core: list[Evidence]) -> DomainJudgement:
    """Down for core studies at high risk (or, for randomised evidence, none at low risk); device-maker funding weighs too."""
    if not core:
        return DomainJudgement(Domain.RISK_OF_BIAS, 0, "No counted clinical studies to judge; the starting point is already very low.")
    high = [e for e in core if e.risk_of_bias == RiskOfBias.HIGH]
    low = [e for e in core if e.risk_of_bias == RiskOfBias.LOW]
    industry = [e for e in core if e.industry_funded == 1]
    funded = f" Device or product makers funded or have ties to {ids(industry)}." if industry else ""
    if len(high) == len(core):
        change = -2 if start == Certainty.HIGH else -1
        return DomainJudgement(Domain.RISK_OF_BIAS, change, f"Every study setting the starting point is at high risk of bias ({ids(high)}).{funded}")
    if start == Certainty.HIGH and not low:
        return DomainJudgement(Domain.RISK_OF_BIAS, -1, f"None of the randomised evidence is at low risk of bias ({ids(core)}: some concerns or worse).{funded}")
    if len(industry) == len(core):
        return DomainJudgement(Domain.RISK_OF_BIAS, -1, f"Every study setting the starting point has device- or product-maker funding or ties ({ids(industry)}).")
    return DomainJudgement(Domain.RISK_OF_BIAS, 0, f"At least one study setting the starting point is not at high risk of bias ({ids([e for e in core if e.risk_of_bias != RiskOfBias.HIGH])}).{funded}")


def judge_inconsistency(evidence: list[Evidence], units: dict[str, str], overlap_note: str) -> DomainJudgement:
    """Disagreement among counted clinical sources, each independent unit weighed once."""
    clinical = [e for e in evidence if e.clinical]
    supporting = [e for e in clinical if e.stance == Stance.SUPPORTS]
    against = [e for e in clinical if e.stance in (Stance.MIXED, Stance.REFUTES)]
    if against and weight(against, units) >= weight(supporting, units):
        return DomainJudgement(Domain.INCONSISTENCY, -2, f"Mixed or refuting clinical evidence ({ids(against)}) weighs as much as the supporting evidence.{overlap_note}")
    if against:
        verb = "reports" if len({e.study_id for e in against}) == 1 else "report"
        return DomainJudgement(Domain.INCONSISTENCY, -1, f"Clinical sources disagree: {ids(against)} {verb} mixed or contrary findings.{overlap_note}")
    return DomainJudgement(Domain.INCONSISTENCY, 0, f"No counted clinical source reports mixed or contrary findings.{overlap_note}")


def judge_indirectness(core: list[Evidence], evidence: list[Evidence]) -> DomainJudgement:
    """Down when most (one level) or all (two) of the weightiest links differ from the claim, comparators included."""
    pool = core or evidence
    indirect = [e for e in pool if e.directness != Directness.DIRECT]
    if pool and len(indirect) == len(pool):
        return DomainJudgement(Domain.INDIRECTNESS, -2, f"No direct evidence: {describe_indirect(indirect)}.")
    if 2 * len(indirect) > len(pool):
        return DomainJudgement(Domain.INDIRECTNESS, -1, f"Most of the weightiest evidence is indirect: {describe_indirect(indirect)}.")
    if indirect:
        return DomainJudgement(Domain.INDIRECTNESS, 0, f"Mostly direct; indirect: {describe_indirect(indirect)}.")
    return DomainJudgement(Domain.INDIRECTNESS, 0, "The weightiest counted evidence is direct.")


def describe_indirect(indirect: list[Evidence]) -> str:
    return "; ".join(f"{e.study_id} ({indirect_reason(e)})" for e in sorted(indirect, key=lambda e: e.study_id))


def indirect_reason(e: Evidence) -> str:
    """How a link is indirect, as a phrase (no trailing full stop)."""
    return (e.indirectness_reason or vocab.DIRECTNESS.term(e.directness).label).rstrip(".")


def judge_imprecision(evidence: list[Evidence], participants: int, n_independent: int, intervals: list[Interval]) -> DomainJudgement:
    """From confidence intervals where the claim's counted outcomes report them; from participant numbers otherwise.

    An interval that includes no effect means the data are compatible with no benefit (or no harm): down one.
    Studies whose size is unknown are named; with any of them the participant-based downgrade is at most one level.
    One primary study alone is imprecise whatever its size; a review (one independent body) is not, since it pools several.
    """
    judged = [(i, crosses_null(i.measure, i.ci_low, i.ci_high)) for i in intervals]
    judged = [(i, crosses) for i, crosses in judged if crosses is not None]
    if judged:
        crossing = [i for i, crosses in judged if crosses]
        if crossing:
            listed = "; ".join(f"{i.study_id}, {i.outcome} ({i.measure} {i.ci_low:g} to {i.ci_high:g})" for i in crossing)
            return DomainJudgement(Domain.IMPRECISION, -1, f"A confidence interval includes no effect: {listed}.")
        return DomainJudgement(Domain.IMPRECISION, 0, f"Every reported confidence interval excludes no effect ({', '.join(sorted({i.study_id for i, _ in judged}))}).")
    pool = [e for e in evidence if e.clinical] or evidence
    unknown = sorted({e.study_id for e in pool if e.is_human and e.n_participants is None})
    unknown_note = f"; size unknown for {', '.join(unknown)}" if unknown else ""
    severe, serious = IMPRECISION_PARTICIPANTS
    prefix = "No confidence interval is reported for the claim's outcomes, so participant numbers decide: "
    if participants < severe and not unknown:
        return DomainJudgement(Domain.IMPRECISION, -2, f"{prefix}fewer than {severe} distinct participants ({participants}) across {n_independent} independent human sources.")
    single = n_independent < 2 and not any(e.is_review for e in pool)
    if participants < serious or single:
        return DomainJudgement(Domain.IMPRECISION, -1, f"{prefix}{participants} known distinct participants across {n_independent} independent human sources{unknown_note}: too few for a precise answer.")
    return DomainJudgement(Domain.IMPRECISION, 0, f"{prefix}at least {participants} distinct participants across {n_independent} independent human sources{unknown_note}.")


def tier_imprecision(body: list[Evidence], inclusions: set[tuple[str, str]], intervals: list[Interval]) -> DomainJudgement:
    """Imprecision of the body of evidence a tier is rated on, as GRADE rates each body on its own: two small trials
    that start high are imprecise however many people a case series or a review in a lower tier adds."""
    in_body = {e.study_id for e in body}
    units = independent_units(body, inclusions)
    return judge_imprecision(body, count_participants(body, inclusions), len({units[e.study_id] for e in body if e.is_human}),
                             [i for i in intervals if i.study_id in in_body])


def set_aside(judgement: DomainJudgement, core: list[Evidence], carried: list[Evidence]) -> DomainJudgement:
    """The judgement, its reason naming the tier's links that only qualify the claim (or are mixed) and so were not judged."""
    aside = [e for e in core if e not in carried]
    if not aside:
        return judgement
    return DomainJudgement(judgement.domain, judgement.change,
                           f"{judgement.reason} Judged on the links that support the claim, not on {ids(aside)} (qualifying or mixed).")


def judge_publication_bias(evidence: list[Evidence]) -> DomainJudgement:
    return DomainJudgement(Domain.PUBLICATION_BIAS, 0, f"Not assessed: {len(evidence)} counted sources are too few for a funnel plot or similar test.")
