"""Verdict rules: the plain answer for a claim from its counted links, tried in order (first match wins)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from kb.grading.evidence import Evidence, weight
from kb.vocab import Certainty, ClaimKind, Directness, Stance, Verdict

MIN_RATING_TO_SUPPORT = {
    ClaimKind.BENEFIT: 3,
    ClaimKind.SAFETY: 3,
    ClaimKind.RISK: 2,
    ClaimKind.DESCRIPTION: 2,
}
"""The rating a supporting link needs for a claim of each kind to count as backed at all.

Benefit and safety claims need clinical data; that a harm *can* happen, or how a procedure is described, is shown
by case reports, regulators and expert descriptions too."""

REFERENCE_DESIGN = "reference_text"


@dataclass(frozen=True)
class VerdictContext:
    """What the rules look at: the claim's kind, its counted links and their independent units, its certainty."""

    kind: str
    evidence: list[Evidence]
    certainty: str | None
    units: dict[str, str]
    improves_without_treatment: bool = False

    def linked(self, *stances: str, weighty: bool = False) -> list[Evidence]:
        """Links with these stances; with ``weighty``, only those rated high enough to bear on this kind of claim."""
        threshold = MIN_RATING_TO_SUPPORT[ClaimKind(self.kind)] if weighty else 0
        return [e for e in self.evidence if e.stance in stances and e.rating >= threshold]

    def weight(self, evidence: list[Evidence]) -> int:
        return weight(evidence, self.units)

    @property
    def backed(self) -> list[Evidence]:
        """Supporting links rated high enough for this kind of claim.

        For a benefit whose outcome improves on its own, uncontrolled before-after evidence cannot tell the
        treatment from natural change, so it does not back the claim.
        """
        return [e for e in self.linked(Stance.SUPPORTS, weighty=True) if not self.natural_change_only(e)]

    def natural_change_only(self, e: Evidence) -> bool:
        return self.improves_without_treatment and self.kind == ClaimKind.BENEFIT and e.uncontrolled

    @property
    def background(self) -> bool:
        """A description backed by a reference text, with no link rated high enough to bear on it disagreeing: a link
        too weak for the other rules to weigh must not take the fact out of the background and so promote it to a
        graded "supported"."""
        return (self.kind == ClaimKind.DESCRIPTION
                and any(e.design == REFERENCE_DESIGN for e in self.linked(Stance.SUPPORTS))
                and not self.linked(Stance.MIXED, Stance.QUALIFIES, Stance.REFUTES, weighty=True))


@dataclass(frozen=True)
class VerdictRule:
    verdict: str
    condition: str
    applies: Callable[[VerdictContext], bool]


def _clinical_disagreement(c: VerdictContext) -> bool:
    return any(e.clinical for e in c.linked(Stance.REFUTES, Stance.MIXED))


def _mostly_indirect(c: VerdictContext) -> bool:
    supporting = c.linked(Stance.SUPPORTS, weighty=True)
    return 2 * len([e for e in supporting if e.directness != Directness.DIRECT]) > len(supporting)


VERDICT_RULES: tuple[VerdictRule, ...] = (
    VerdictRule(Verdict.NO_EVIDENCE, "No link counts: none accepted by a reviewer for a study whose identity is confirmed.",
                lambda c: not c.evidence),
    VerdictRule(Verdict.BACKGROUND, "A description claim supported by a reference text, with no link rated high enough for its kind (2) mixed, qualifying or refuting: established background, not graded for certainty.",
                lambda c: c.background),
    VerdictRule(Verdict.MISLEADING, "A description claim whose refuting links outweigh (by summed rating, each independent body once) its supporting links.",
                lambda c: c.kind == ClaimKind.DESCRIPTION and c.weight(c.linked(Stance.REFUTES)) > c.weight(c.linked(Stance.SUPPORTS))),
    VerdictRule(Verdict.CONTRADICTED, "Refuting links outweigh (by summed rating, each independent body once) supporting links.",
                lambda c: c.weight(c.linked(Stance.REFUTES)) > c.weight(c.linked(Stance.SUPPORTS))),
    VerdictRule(Verdict.INSUFFICIENT, "No supporting link is rated high enough for the claim's kind (3 for benefit and safety claims; 2 for risk and description claims), "
                "counting no uncontrolled before-after study for a benefit that can improve on its own; or a benefit claim's certainty is very low.",
                lambda c: not c.backed or (c.kind == ClaimKind.BENEFIT and c.certainty == Certainty.VERY_LOW)),
    VerdictRule(Verdict.SUPPORTED, "A risk claim with backing evidence, mostly direct, that the harm occurs and no clinical link (rated 3 or more) that is mixed or refuting: the article says it *may* happen, so links that only limit how often (qualifies) do not weaken it.",
                lambda c: c.kind == ClaimKind.RISK and not _clinical_disagreement(c) and not _mostly_indirect(c)),
    VerdictRule(Verdict.PARTLY_SUPPORTED, "A risk claim whose backing is mostly indirect (other interventions, people or outcomes), with no clinical link that is mixed or refuting.",
                lambda c: c.kind == ClaimKind.RISK and not _clinical_disagreement(c)),
    VerdictRule(Verdict.OVERSTATED, "Links that are mixed, qualifying or refuting weigh at least as much as supporting links (each independent body once; "
                "counting links rated high enough for the claim's kind: 3 for benefit and safety claims, 2 for risk and description claims).",
                lambda c: c.weight(c.linked(Stance.MIXED, Stance.QUALIFIES, Stance.REFUTES, weighty=True)) >= max(1, c.weight(c.linked(Stance.SUPPORTS, weighty=True)))),
    VerdictRule(Verdict.PARTLY_SUPPORTED, "Most supporting links are indirect (other people, devices, outcomes, or active comparators only), "
                "some link is mixed, qualifying or refuting, or a benefit's support is partly uncontrolled for an outcome that improves on its own "
                "(again counting links rated high enough for the claim's kind).",
                lambda c: _mostly_indirect(c) or bool(c.linked(Stance.MIXED, Stance.QUALIFIES, Stance.REFUTES, weighty=True))
                or any(c.natural_change_only(e) for e in c.linked(Stance.SUPPORTS, weighty=True))),
    VerdictRule(Verdict.SUPPORTED, "Otherwise: backing evidence, mostly direct, with no weighty source disagreeing.",
                lambda c: True),
)

UNGRADED_VERDICTS = (Verdict.NO_EVIDENCE, Verdict.BACKGROUND)
"""Verdicts that carry no certainty level: nothing counts, or a background fact GRADE does not rate."""


def rules_table() -> str:
    """The verdict rules as a Markdown table (also published as ``verdict_rules``)."""
    lines = ["| order | verdict | condition |", "|---|---|---|"]
    lines += [f"| {i} | {r.verdict} | {r.condition} |" for i, r in enumerate(VERDICT_RULES, start=1)]
    return "\n".join(lines)


def decide_verdict(context: VerdictContext) -> tuple[str, int]:
    """The verdict and the (1-based) number of the rule that decided it."""
    for number, rule in enumerate(VERDICT_RULES, start=1):
        if rule.applies(context):
            return rule.verdict, number
    raise AssertionError("the last verdict rule always applies")
