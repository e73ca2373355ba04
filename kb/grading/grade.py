"""Grading one claim: certainty from the GRADE domains, the verdict, and the words that explain them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable

from kb import vocab
from kb.grading.certainty import (
    DomainJudgement, Interval, carrying, judge_inconsistency, judge_indirectness, judge_publication_bias,
    judge_risk_of_bias, set_aside, starting_points, tier_imprecision,
)
from kb.grading.evidence import Evidence, count_participants, designs, independent_units, presumed_overlap
from kb.grading.verdicts import UNGRADED_VERDICTS, VerdictContext, decide_verdict
from kb.grading.evidence import CLINICAL_RATING
from kb.grading.verdicts import MIN_RATING_TO_SUPPORT
from kb.vocab import Certainty, ClaimKind, Directness, Stance, Verdict

Cite = Callable[[Iterable[str]], str]
"""Turns study ids into the words a reader sees (citations on the site; ids by default)."""


def cite_ids(study_ids: Iterable[str]) -> str:
    return ", ".join(sorted(set(study_ids)))


@dataclass
class Grade:
    """Everything computed for one claim."""

    starting_certainty: str | None
    starting_reason: str
    domains: list[DomainJudgement]
    certainty: str | None
    verdict: str
    verdict_rule: int
    participants: int
    n_studies: int
    n_independent: int
    best_evidence_level: int | None
    key_sources: list[str]
    counts: dict[str, int] = field(default_factory=dict)
    tier_designs: str = ""
    presumed_overlap: list[str] = field(default_factory=list)


def key_sources(evidence: list[Evidence], limit: int = 3) -> list[str]:
    """The most informative links: highest rating, then best level, then largest."""
    def strength(e: Evidence):
        level = e.evidence_level if e.evidence_level is not None else 9
        return (-e.rating, level, -(e.n_participants or 0), e.study_id)
    return [e.study_id for e in sorted(evidence, key=strength)[:limit]]


def grade_claim(kind: str, evidence: Iterable[Evidence], inclusions: set[tuple[str, str]] = frozenset(),
                intervals: Iterable[Interval] = (), improves_without_treatment: bool = False) -> Grade:
    """Certainty, domains and verdict for one claim from its counted links (order does not matter).

    Certainty is how sure we are that the claim holds, so the tiers and the participants come from the links
    that do not refute it: refuting evidence lowers certainty (inconsistency) and drives the verdict, but never
    raises it.  A claim with no counted link, or a background fact, gets no certainty level.
    """
    evidence = sorted(evidence, key=lambda e: (e.study_id, e.stance, e.rating, e.directness))
    inclusions = set(inclusions)
    units = independent_units(evidence, inclusions)
    overlap = presumed_overlap(evidence, inclusions)
    counts = {s.value: sum(1 for e in evidence if e.stance == s) for s in Stance}
    n_independent = len({units[e.study_id] for e in evidence if e.is_human})
    levels = [e.evidence_level for e in evidence if e.evidence_level is not None]
    common = dict(n_studies=len({e.study_id for e in evidence}), n_independent=n_independent,
                  best_evidence_level=min(levels, default=None), key_sources=key_sources(evidence), counts=counts,
                  presumed_overlap=overlap)
    if not evidence:
        verdict, rule = decide_verdict(VerdictContext(kind, evidence, None, units, improves_without_treatment))
        return Grade(None, "No counted evidence: nothing to start from.", [], None, verdict, rule, 0, **common)
    weighing = [e for e in evidence if e.stance != Stance.REFUTES]
    clinical = [e for e in weighing if e.clinical]
    participants = count_participants(clinical or weighing, inclusions)
    overlap_note = (f" Reviews and the primary studies they may include count once; inclusion lists are not recorded, "
                    f"so overlap is presumed for {', '.join(overlap)}." if overlap else "")
    inconsistency, publication_bias = judge_inconsistency(evidence, units, overlap_note), judge_publication_bias(evidence)
    intervals = list(intervals)
    rated = []
    for start, reason, core in starting_points(weighing):
        carried = carrying(core)
        domains = [set_aside(judge_risk_of_bias(start, carried), core, carried), inconsistency, judge_indirectness(core, weighing),
                   set_aside(tier_imprecision(carried or weighing, inclusions, intervals), core, carried), publication_bias]
        final = vocab.certainty_rank(start) + sum(d.change for d in domains)
        rated.append((max(1, min(4, final)), vocab.certainty_rank(start), start, reason, domains, core))
    final, _, start, start_reason, domains, core = max(rated, key=lambda r: (r[0], r[1]))
    if rated[0][2] != start:
        start_reason += f" Higher-tier evidence ({cite_ids(e.study_id for e in rated[0][5])}) ends less certain once downgraded."
    certainty = vocab.certainty_from_rank(final)
    verdict, rule = decide_verdict(VerdictContext(kind, evidence, certainty, units, improves_without_treatment))
    if verdict in UNGRADED_VERDICTS:
        return Grade(None, "Not graded: an established background fact stated by reference texts.", [], None, verdict, rule,
                     participants, **common)
    return Grade(start, start_reason, domains, certainty, verdict, rule, participants, tier_designs=designs(core), **common)


def rationale(grade: Grade, evidence: list[Evidence], no_evidence_reason: str = "", cite: Cite = cite_ids) -> str:
    """Two to four plain sentences: best evidence, what limits certainty, what the article gets wrong."""
    if not evidence:
        return f"No reviewed source with a confirmed identity bears on this claim yet. {no_evidence_reason}".strip()
    if grade.verdict == Verdict.BACKGROUND:
        return (f"Reference texts state this ({cite(e.study_id for e in evidence if e.stance == Stance.SUPPORTS)}) and no "
                "counted source disagrees. It is background knowledge, not an outcome trials test, so no certainty level is given.")
    clinical = any(e.clinical for e in evidence)
    if not grade.participants:
        people = "participant numbers not reported"
    else:
        people = f"at least {grade.participants} participants {'in the clinical evidence' if clinical else 'behind the sources'}"
    sentences = [f"The strongest counted sources are {cite(grade.key_sources)} ({grade.n_studies} counted sources, "
                 f"{grade.n_independent} independent; {people})."]
    downgrades = [f"{vocab.CERTAINTY_DOMAINS.term(d.domain).label.lower()} ({d.change:+d})" for d in grade.domains if d.change]
    start = vocab.CERTAINTY_LEVELS.term(grade.starting_certainty).label.lower()
    certainty = vocab.CERTAINTY_LEVELS.term(grade.certainty).label.lower()
    basis = f"rated on {grade.tier_designs}" if grade.tier_designs else "no clinical evidence"
    if downgrades:
        sentences.append(f"Certainty is {certainty} ({basis}): it starts {start} and is downgraded for {', '.join(downgrades)}.")
    else:
        sentences.append(f"Certainty is {certainty} ({basis}), with no downgrade from its {start} starting point.")
    return " ".join(sentences)


@dataclass(frozen=True)
class LastSearch:
    """A claim's latest literature search (search_log): its date, where it was run, and what it included that day."""

    searched_on: str
    databases: str
    n_included: int


def no_evidence_why(label: str, n_waiting: int, search: LastSearch | None) -> str:
    """Why nothing counts: sources waiting for review, or a search that found nothing, or no search recorded."""
    if n_waiting:
        return f"{label}: {n_waiting} linked source{'s await' if n_waiting > 1 else ' awaits'} review or confirmation of {'their' if n_waiting > 1 else 'its'} identity, and nothing counts yet."
    if search is None:
        return f"{label}: not yet searched (no literature search is recorded for this claim)."
    if not search.n_included:
        return f"{label}: searched on {search.searched_on} ({search.databases}), nothing relevant found."
    return f"{label}: searched on {search.searched_on} ({search.databases}); {search.n_included} record(s) included but not yet linked to the claim."


def why(grade: Grade, evidence: list[Evidence], improves_without_treatment: bool = False, n_waiting: int = 0,
        kind: str = "", search: LastSearch | None = None) -> str:
    """One plain-language sentence: why the verdict is what it is (``search``: the claim's latest search, if any)."""
    label = vocab.VERDICTS.term(grade.verdict).label
    threshold = MIN_RATING_TO_SUPPORT[ClaimKind(kind)] if kind else CLINICAL_RATING
    supporting = [e for e in evidence if e.stance == Stance.SUPPORTS and e.rating >= threshold]
    limiting = [e for e in evidence if e.rating >= threshold and e.stance in (Stance.MIXED, Stance.QUALIFIES, Stance.REFUTES)]
    indirect = [e for e in supporting if e.directness != Directness.DIRECT]
    comparator = [e for e in indirect if e.directness == Directness.COMPARATOR]
    match grade.verdict:
        case Verdict.NO_EVIDENCE:
            return no_evidence_why(label, n_waiting, search)
        case Verdict.BACKGROUND:
            return f"{label}: reference texts describe this, and no counted source disagrees."
        case Verdict.MISLEADING:
            return f"{label}: regulators and reviews describe the procedure differently from the article."
        case Verdict.CONTRADICTED:
            return f"{label}: the counted evidence weighs against the claim."
        case Verdict.INSUFFICIENT:
            if supporting and improves_without_treatment and all(e.uncontrolled for e in supporting):
                return f"{label}: the only support is uncontrolled before-after data, and this outcome can improve on its own."
            if not supporting:
                return f"{label}: only opinion, case reports, regulatory statements, reference texts or animal data support it."
            if grade.certainty == Certainty.VERY_LOW and comparator and 2 * len(comparator) >= len(supporting):
                return f"{label}: the trials mostly compare microneedling with other treatments, not with no treatment, and certainty is very low."
            downgrades = [vocab.CERTAINTY_DOMAINS.term(d.domain).label.lower() for d in grade.domains if d.change < 0]
            limits = f", downgraded for {', '.join(downgrades)}" if downgrades else ""
            return f"{label}: the supporting evidence is of very low certainty{limits}."
        case Verdict.OVERSTATED if kind in ("", ClaimKind.BENEFIT):
            return f"{label}: as many counted sources find smaller, conditional or no effects as support the claim as worded."
        case Verdict.OVERSTATED:  # a risk played down, a description that goes too far: not a matter of effect size
            return f"{label}: as many counted sources dispute or limit the claim as worded as support it."
        case Verdict.PARTLY_SUPPORTED:
            if comparator and 2 * len(comparator) >= len(indirect) and 2 * len(indirect) > len(supporting):
                return f"{label}: trials show improvement, but mostly against other treatments rather than no treatment."
            if 2 * len(indirect) > len(supporting):
                return f"{label}: most support comes from other devices, combinations, people or outcomes than the claim names."
            if limiting:
                return f"{label}: the evidence agrees in part, but some sources limit the claim to some people, devices or outcomes."
            return f"{label}: part of the support is uncontrolled, and this outcome can improve on its own."
        case _:
            return f"{label}: counted evidence, mostly direct, agrees with the claim as worded."
