"""How strong is the evidence: certainty per claim (GRADE-style) and a verdict.

Two levels of strength are graded:

* **each study** gets an evidence level from its design (the
  ``study_designs`` lookup table), plus the curator's risk-of-bias
  judgement; **each link** gets a stance, a directness and a 1-5 rating of
  how well the source supports this particular claim (``support_ratings``);
* **each claim** gets a certainty computed from its body of evidence, one
  judgement per GRADE domain with a reason naming the studies, and a
  verdict from the ordered rules below (first match wins).

Definitions used by the rules:

* a *clinical* link has rating >= 3 (controlled or uncontrolled data in
  people that bear on the claim itself); links rated 1-2 are asides,
  opinion, case reports, regulatory statements or animal data;
* a *tier* is the set of clinical links whose designs share a
  ``starting_certainty`` (randomised evidence starts high, observational
  low, case reports and mechanistic studies very low); each tier is rated
  with the domains below, its links being the *core*, and the claim takes
  the most certain tier (with no clinical link: very low);
* tiers and participants are taken from the links that do not refute the
  claim: refuting evidence can lower certainty (inconsistency) but not raise it;
* *participants* is a lower bound on the distinct people behind the
  clinical links (all links when there is none):
  the larger of the biggest linked review and the sum of linked primary
  studies that no linked review is recorded to include (``study_inclusions``),
  so that no body of participants is counted twice.

Certainty domains (each a row of ``claim_certainty``):

* risk of bias: down one when no core study is at low risk and the start
  is high, or when every core study is at high risk; down two when the
  start is high and every core study is at high risk;
* inconsistency: down one when a clinical link is mixed or refuting; down
  two when mixed and refuting clinical links weigh as much as supporting ones;
* indirectness: down one when fewer than half of the core links are
  direct; down two when none is;
* imprecision: down one when fewer than 100 participants or fewer than two
  human studies inform the claim; down two when fewer than 30;
* publication bias: not assessed (too few studies per claim), recorded so
  the gap is visible.

The rules never upgrade automatically; a curator can override a claim's
certainty or verdict with a reason (``claims.override_*``).

Verdict rules, in order:

"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable, NamedTuple

from kb import vocab
from kb.vocab import Certainty, ClaimKind, Directness, Domain, RiskOfBias, Stance, Verdict

CLINICAL_RATING = 3
"""Links rated at least this carry clinical weight."""

MIN_RATING_TO_SUPPORT = {
    ClaimKind.BENEFIT: 3,
    ClaimKind.SAFETY: 3,
    ClaimKind.RISK: 2,
    ClaimKind.DESCRIPTION: 2,
}
"""The rating a supporting link needs for a claim of each kind to count as backed at all.

Benefit and safety claims need clinical data; that a harm *can* happen, or
how a procedure is described, is shown by case reports, regulators and
expert descriptions too."""

IMPRECISION_PARTICIPANTS = (30, 100)
"""Below the first: down two; below the second: down one."""

HUMAN_DESIGNS_EXCLUDED = {"mechanistic", "regulatory"}


_DESIGNS = {t.value: t.extra for t in vocab.STUDY_DESIGNS.terms}


class Evidence(NamedTuple):
    """One link of a claim, with the facts about its study that grading needs (a tuple: a million build fast)."""

    study_id: str
    stance: str
    directness: str
    rating: int
    design: str
    risk_of_bias: str
    n_participants: int | None = None
    indirectness_reason: str = ""

    @property
    def clinical(self) -> bool:
        return self.rating >= CLINICAL_RATING

    @property
    def starting_certainty(self) -> str:
        return _DESIGNS[self.design]["starting_certainty"]

    @property
    def evidence_level(self) -> int | None:
        return _DESIGNS[self.design]["evidence_level"]

    @property
    def is_review(self) -> bool:
        return bool(_DESIGNS[self.design]["is_review"])

    @property
    def is_human(self) -> bool:
        return self.design not in HUMAN_DESIGNS_EXCLUDED


@dataclass(frozen=True)
class DomainJudgement:
    domain: str
    change: int
    reason: str


@dataclass
class Grade:
    """Everything computed for one claim."""

    starting_certainty: str
    starting_reason: str
    domains: list[DomainJudgement]
    certainty: str
    verdict: str
    verdict_rule: int
    participants: int
    n_studies: int
    best_evidence_level: int | None
    key_sources: list[str]
    counts: dict[str, int] = field(default_factory=dict)
    tier_designs: str = ""


def _ids(evidence: Iterable[Evidence]) -> str:
    return ", ".join(sorted({e.study_id for e in evidence}))


def _designs(evidence: Iterable[Evidence]) -> str:
    return " / ".join(sorted({vocab.STUDY_DESIGNS.term(e.design).label.lower() for e in evidence}))


def _weight(evidence: Iterable[Evidence]) -> int:
    return sum(e.rating for e in evidence)


def count_participants(evidence: list[Evidence], inclusions: set[tuple[str, str]]) -> int:
    """Lower bound on distinct participants: no review and its included studies counted twice."""
    linked = {e.study_id: e for e in evidence if e.is_human}
    reviews = [e for e in linked.values() if e.is_review]
    covered = {study for review, study in inclusions if review in linked}
    largest_review = max((e.n_participants or 0 for e in reviews), default=0)
    primaries = sum(e.n_participants or 0 for e in linked.values() if not e.is_review and e.study_id not in covered)
    return max(largest_review, primaries)


def starting_points(evidence: list[Evidence]) -> list[tuple[str, str, list[Evidence]]]:
    """Each tier of clinical evidence: its starting certainty, a reason, and its (core) links.

    Highest tier first.  With no clinical link there is one tier: very low, no core.
    """
    clinical = [e for e in evidence if e.clinical]
    if not clinical:
        return [(Certainty.VERY_LOW, "Starts very low: no clinical link (rated 3 or more), only opinion, case reports, regulatory or animal sources.", [])]
    tiers = []
    for rank in sorted({vocab.certainty_rank(e.starting_certainty) for e in clinical}, reverse=True):
        core = [e for e in clinical if vocab.certainty_rank(e.starting_certainty) == rank]
        start = vocab.certainty_from_rank(rank)
        tiers.append((start, f"Starts {vocab.CERTAINTY_LEVELS.term(start).label.lower()}: rated on {_designs(core)} ({_ids(core)}).", core))
    return tiers


def judge_risk_of_bias(start: str, core: list[Evidence]) -> DomainJudgement:
    if not core:
        return DomainJudgement(Domain.RISK_OF_BIAS, 0, "No clinical studies to judge; the starting point is already very low.")
    high = [e for e in core if e.risk_of_bias == RiskOfBias.HIGH]
    low = [e for e in core if e.risk_of_bias == RiskOfBias.LOW]
    if len(high) == len(core):
        change = -2 if start == Certainty.HIGH else -1
        return DomainJudgement(Domain.RISK_OF_BIAS, change, f"Every study setting the starting point is at high risk of bias ({_ids(high)}).")
    if start == Certainty.HIGH and not low:
        return DomainJudgement(Domain.RISK_OF_BIAS, -1, f"None of the randomised evidence is at low risk of bias ({_ids(core)}: some concerns or worse).")
    return DomainJudgement(Domain.RISK_OF_BIAS, 0, f"At least one study setting the starting point is not at high risk of bias ({_ids([e for e in core if e.risk_of_bias != RiskOfBias.HIGH])}).")


def judge_inconsistency(evidence: list[Evidence]) -> DomainJudgement:
    clinical = [e for e in evidence if e.clinical]
    supporting = [e for e in clinical if e.stance == Stance.SUPPORTS]
    against = [e for e in clinical if e.stance in (Stance.MIXED, Stance.REFUTES)]
    if against and _weight(against) >= _weight(supporting):
        return DomainJudgement(Domain.INCONSISTENCY, -2, f"Mixed or refuting clinical evidence ({_ids(against)}) weighs as much as the supporting evidence.")
    if against:
        verb = "reports" if len({e.study_id for e in against}) == 1 else "report"
        return DomainJudgement(Domain.INCONSISTENCY, -1, f"Clinical sources disagree: {_ids(against)} {verb} mixed or contrary findings.")
    return DomainJudgement(Domain.INCONSISTENCY, 0, "No clinical source reports mixed or contrary findings.")


def judge_indirectness(core: list[Evidence], evidence: list[Evidence]) -> DomainJudgement:
    pool = core or evidence
    indirect = [e for e in pool if e.directness != Directness.DIRECT]
    if pool and len(indirect) == len(pool):
        return DomainJudgement(Domain.INDIRECTNESS, -2, f"No direct evidence: {_describe_indirect(indirect)}.")
    if 2 * len(indirect) > len(pool):
        return DomainJudgement(Domain.INDIRECTNESS, -1, f"Most of the weightiest evidence is indirect: {_describe_indirect(indirect)}.")
    if indirect:
        return DomainJudgement(Domain.INDIRECTNESS, 0, f"Mostly direct; indirect: {_describe_indirect(indirect)}.")
    return DomainJudgement(Domain.INDIRECTNESS, 0, "The weightiest evidence is direct.")


def _describe_indirect(indirect: list[Evidence]) -> str:
    return "; ".join(f"{e.study_id} ({_reason(e)})" for e in sorted(indirect, key=lambda e: e.study_id))


def _reason(e: Evidence) -> str:
    """How a link is indirect, as a phrase (no trailing full stop)."""
    return (e.indirectness_reason or vocab.DIRECTNESS.term(e.directness).label).rstrip(".")


def judge_imprecision(evidence: list[Evidence], participants: int) -> DomainJudgement:
    """Judged on the clinical links (all links when there is none).

    Studies whose size is unknown are named; with any of them the downgrade
    is at most one level, since their participants may make up the shortfall.
    """
    pool = [e for e in evidence if e.clinical] or evidence
    human = sorted({e.study_id for e in pool if e.is_human})
    unknown = sorted({e.study_id for e in pool if e.is_human and e.n_participants is None})
    unknown_note = f"; size unknown for {', '.join(unknown)}" if unknown else ""
    severe, serious = IMPRECISION_PARTICIPANTS
    if participants < severe and not unknown:
        return DomainJudgement(Domain.IMPRECISION, -2, f"Fewer than {severe} distinct participants ({participants}) across {len(human)} human studies.")
    if participants < serious or len(human) < 2:
        return DomainJudgement(Domain.IMPRECISION, -1, f"{participants} known distinct participants across {len(human)} human studies{unknown_note}: too few for a precise answer.")
    return DomainJudgement(Domain.IMPRECISION, 0, f"At least {participants} distinct participants across {len(human)} human studies{unknown_note}.")


def judge_publication_bias(evidence: list[Evidence]) -> DomainJudgement:
    return DomainJudgement(Domain.PUBLICATION_BIAS, 0, f"Not assessed: {len(evidence)} linked sources are too few for a funnel plot or similar test.")


@dataclass(frozen=True)
class VerdictContext:
    kind: str
    evidence: list[Evidence]
    certainty: str

    def linked(self, *stances: str, clinical: bool = False) -> list[Evidence]:
        return [e for e in self.evidence if e.stance in stances and (e.clinical or not clinical)]

    @property
    def backed(self) -> list[Evidence]:
        """Supporting links rated high enough for this kind of claim."""
        threshold = MIN_RATING_TO_SUPPORT[ClaimKind(self.kind)]
        return [e for e in self.linked(Stance.SUPPORTS) if e.rating >= threshold]


@dataclass(frozen=True)
class VerdictRule:
    verdict: str
    condition: str
    applies: Callable[[VerdictContext], bool]


VERDICT_RULES: tuple[VerdictRule, ...] = (
    VerdictRule(Verdict.NO_EVIDENCE, "The claim has no evidence links.",
                lambda c: not c.evidence),
    VerdictRule(Verdict.MISLEADING, "A description claim whose refuting links outweigh (by summed rating) its supporting links.",
                lambda c: c.kind == ClaimKind.DESCRIPTION and _weight(c.linked(Stance.REFUTES)) > _weight(c.linked(Stance.SUPPORTS))),
    VerdictRule(Verdict.CONTRADICTED, "Refuting links outweigh (by summed rating) supporting links.",
                lambda c: _weight(c.linked(Stance.REFUTES)) > _weight(c.linked(Stance.SUPPORTS))),
    VerdictRule(Verdict.INSUFFICIENT, "No supporting link is rated high enough for the claim's kind (3 for benefit and safety claims; 2 for risk and description claims), or a benefit claim's certainty is very low.",
                lambda c: not c.backed or (c.kind == ClaimKind.BENEFIT and c.certainty == Certainty.VERY_LOW)),
    VerdictRule(Verdict.SUPPORTED, "A risk claim with backing evidence that the harm occurs: the article says it *may* happen, so links that only limit how often (qualifies) do not weaken it.",
                lambda c: c.kind == ClaimKind.RISK and not c.linked(Stance.REFUTES, Stance.MIXED, clinical=True)),
    VerdictRule(Verdict.OVERSTATED, "Clinical links that are mixed, qualifying or refuting weigh at least as much as clinical supporting links.",
                lambda c: _weight(c.linked(Stance.MIXED, Stance.QUALIFIES, Stance.REFUTES, clinical=True)) >= max(1, _weight(c.linked(Stance.SUPPORTS, clinical=True)))),
    VerdictRule(Verdict.PARTLY_SUPPORTED, "Most clinical supporting links are indirect, or some clinical link is mixed, qualifying or refuting.",
                lambda c: 2 * len([e for e in c.linked(Stance.SUPPORTS, clinical=True) if e.directness != Directness.DIRECT]) > len(c.linked(Stance.SUPPORTS, clinical=True))
                or bool(c.linked(Stance.MIXED, Stance.QUALIFIES, Stance.REFUTES, clinical=True))),
    VerdictRule(Verdict.SUPPORTED, "Otherwise: backing evidence, mostly direct, with no clinical source disagreeing.",
                lambda c: True),
)


def rules_table() -> str:
    """The verdict rules as a Markdown table (also published as ``verdict_rules``)."""
    lines = ["| order | verdict | condition |", "|---|---|---|"]
    lines += [f"| {i} | {r.verdict} | {r.condition} |" for i, r in enumerate(VERDICT_RULES, start=1)]
    return "\n".join(lines)


__doc__ += rules_table() + "\n"


def decide_verdict(kind: str, evidence: list[Evidence], certainty: str) -> tuple[str, int]:
    """The verdict and the (1-based) number of the rule that decided it."""
    context = VerdictContext(kind, evidence, certainty)
    for number, rule in enumerate(VERDICT_RULES, start=1):
        if rule.applies(context):
            return rule.verdict, number
    raise AssertionError("the last verdict rule always applies")


def key_sources(evidence: list[Evidence], limit: int = 3) -> list[str]:
    """The most informative links: highest rating, then best level, then largest."""
    def strength(e: Evidence):
        level = e.evidence_level if e.evidence_level is not None else 9
        return (-e.rating, level, -(e.n_participants or 0), e.study_id)
    return [e.study_id for e in sorted(evidence, key=strength)[:limit]]


def judge_domains(start: str, core: list[Evidence], evidence: list[Evidence], participants: int,
                  shared: tuple[DomainJudgement, DomainJudgement, DomainJudgement] | None = None) -> list[DomainJudgement]:
    """The five GRADE domains for one tier of evidence.

    Inconsistency, imprecision and publication bias do not depend on the tier;
    pass them as ``shared`` (in that order) to avoid judging them again.
    """
    inconsistency, imprecision, publication_bias = shared or (
        judge_inconsistency(evidence), judge_imprecision(evidence, participants), judge_publication_bias(evidence))
    return [judge_risk_of_bias(start, core), inconsistency, judge_indirectness(core, evidence), imprecision, publication_bias]


def grade_claim(kind: str, evidence: Iterable[Evidence], inclusions: set[tuple[str, str]] = frozenset()) -> Grade:
    """Certainty, domains and verdict for one claim from its links (order does not matter).

    Each tier of clinical evidence (randomised, observational...) is rated on
    its own and the claim takes the most certain result, as GRADE rates the
    best available body of evidence: strongly downgraded randomised evidence
    does not drag a claim below what direct observational evidence shows.

    Certainty is how sure we are that the claim holds, so the tiers and the
    participants come from the links that do not refute it: refuting evidence
    lowers certainty (inconsistency) and drives the verdict, but never raises it.
    """
    evidence = sorted(evidence, key=lambda e: (e.study_id, e.stance, e.rating, e.directness))
    weighing = [e for e in evidence if e.stance != Stance.REFUTES]
    clinical = [e for e in weighing if e.clinical]
    participants = count_participants(clinical or weighing, set(inclusions))
    rated = []
    shared = (judge_inconsistency(evidence), judge_imprecision(weighing, participants), judge_publication_bias(evidence))
    for start, reason, core in starting_points(weighing):
        domains = judge_domains(start, core, weighing, participants, shared)
        final = vocab.certainty_rank(start) + sum(d.change for d in domains)
        rated.append((max(1, min(4, final)), vocab.certainty_rank(start), start, reason, domains, core))
    final, _, start, start_reason, domains, core = max(rated, key=lambda r: (r[0], r[1]))
    if rated[0][2] != start:
        start_reason += f" Higher-tier evidence ({_ids(rated[0][5])}) ends less certain once downgraded."
    certainty = vocab.certainty_from_rank(final)
    verdict, rule = decide_verdict(kind, evidence, certainty)
    levels = [e.evidence_level for e in evidence if e.evidence_level is not None]
    counts = {s.value: sum(1 for e in evidence if e.stance == s) for s in Stance}
    return Grade(
        starting_certainty=start, starting_reason=start_reason, domains=domains, certainty=certainty,
        verdict=verdict, verdict_rule=rule, participants=participants,
        n_studies=len({e.study_id for e in evidence}), best_evidence_level=min(levels, default=None),
        key_sources=key_sources(evidence), counts=counts, tier_designs=_designs(core),
    )


def rationale(grade: Grade, evidence: list[Evidence], no_evidence_reason: str = "") -> str:
    """Two to four plain sentences: best evidence, what limits certainty, what the article gets wrong."""
    if not evidence:
        return f"No source in the knowledge base bears on this claim. {no_evidence_reason}".strip()
    clinical = any(e.clinical for e in evidence)
    if not grade.participants:
        people = "participant numbers not reported"
    else:
        people = f"at least {grade.participants} participants {'in the clinical evidence' if clinical else 'behind the sources'}"
    sentences = [f"The strongest sources are {', '.join(grade.key_sources)} ({grade.n_studies} sources in all; {people})."]
    downgrades = [f"{vocab.CERTAINTY_DOMAINS.term(d.domain).label.lower()} ({d.change:+d})" for d in grade.domains if d.change]
    start = vocab.CERTAINTY_LEVELS.term(grade.starting_certainty).label.lower()
    certainty = vocab.CERTAINTY_LEVELS.term(grade.certainty).label.lower()
    basis = f"rated on {grade.tier_designs}" if grade.tier_designs else "no clinical evidence"
    if downgrades:
        sentences.append(f"Certainty is {certainty} ({basis}): it starts {start} and is downgraded for {', '.join(downgrades)}.")
    else:
        sentences.append(f"Certainty is {certainty} ({basis}), with no downgrade from its {start} starting point.")
    sentences.append(_verdict_sentence(grade, evidence))
    return " ".join(sentences)


def _verdict_sentence(grade: Grade, evidence: list[Evidence]) -> str:
    limiting = [e for e in evidence if e.clinical and e.stance in (Stance.MIXED, Stance.QUALIFIES, Stance.REFUTES)]
    refuting = [e for e in evidence if e.stance == Stance.REFUTES]
    supporting = [e for e in evidence if e.stance == Stance.SUPPORTS and e.clinical]
    indirect = [e for e in supporting if e.directness != Directness.DIRECT]
    match grade.verdict:
        case Verdict.MISLEADING:
            return f"The wording is at odds with how {_ids(refuting)} describe the procedure."
        case Verdict.CONTRADICTED:
            return f"Refuting evidence ({_ids(refuting)}) outweighs the support."
        case Verdict.INSUFFICIENT:
            if not supporting:
                return "Only opinion, case reports, regulatory statements or animal data support it, which is not enough to back the claim."
            return "The evidence is too uncertain to back a promised benefit."
        case Verdict.OVERSTATED:
            return f"The article states more than the evidence shows: {_ids(limiting)} find smaller, conditional or no effects."
        case Verdict.PARTLY_SUPPORTED:
            if 2 * len(indirect) > len(supporting):
                reasons = sorted({_reason(e) for e in indirect})
                return f"Most support is indirect ({'; '.join(reasons[:3])}), so the article's general wording goes beyond it."
            return f"Some sources limit the claim ({_ids(limiting)})."
        case _:
            qualifying = [e for e in evidence if e.stance == Stance.QUALIFIES]
            if qualifying:
                verb = "adds" if len({e.study_id for e in qualifying}) == 1 else "add"
                return f"The evidence agrees with the claim as worded; {_ids(qualifying)} {verb} context on how often or for whom."
            return "The evidence agrees with the claim as worded."
