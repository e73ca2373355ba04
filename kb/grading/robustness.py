"""How robust each verdict is: the claim regraded with evidence removed or weakened.

Four sensitivity analyses, run at build time for every claim (``robustness_scenarios``): each counted link
removed in turn; each supporting link moved one step weaker (supports -> qualifies); every partly verified source
removed; every study at high risk of bias removed.  A verdict that survives all of them is *robust*; otherwise
the claim page names what it depends on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from kb.grading.evidence import Evidence
from kb.grading.grade import Grade, key_sources
from kb.vocab import RiskOfBias, Scenario, Stance, Verification

Regrade = Callable[[list[Evidence]], Grade]
"""Grades the claim again from another set of counted links (intervals and flags of the claim kept)."""


@dataclass(frozen=True)
class Outcome:
    """One sensitivity analysis and what it gave."""

    scenario: str
    study_id: str
    verdict: str
    certainty: str | None
    changed: bool


PER_LINK_LIMIT = 30
"""Links dropped or weakened one at a time: the weightiest this many (every link of the curated claims).  Each
analysis grades the claim again, so without a limit a claim with hundreds of links would cost quadratic time."""


def tested_one_by_one(evidence: list[Evidence]) -> list[Evidence]:
    """The links the per-link analyses vary: all of them, or the PER_LINK_LIMIT weightiest (as key sources are ranked)."""
    if len(evidence) <= PER_LINK_LIMIT:
        return evidence
    weightiest = set(key_sources(evidence, PER_LINK_LIMIT))
    return [e for e in evidence if e.study_id in weightiest]


def scenarios(evidence: list[Evidence]) -> list[tuple[str, str, list[Evidence]]]:
    """(scenario, study id or '', the links in that scenario) for every analysis that changes the evidence."""
    varied = tested_one_by_one(evidence)
    runs = [(Scenario.DROP_LINK, e.study_id, [o for o in evidence if o is not e]) for e in varied]
    runs += [(Scenario.WEAKEN_LINK, e.study_id, [o._replace(stance=Stance.QUALIFIES) if o is e else o for o in evidence])
             for e in varied if e.stance == Stance.SUPPORTS]
    partial = [e for e in evidence if e.verification != Verification.COMPLETE]
    if partial:
        runs.append((Scenario.DROP_PARTIAL, "", [e for e in evidence if e not in partial]))
    high = [e for e in evidence if e.risk_of_bias == RiskOfBias.HIGH]
    if high:
        runs.append((Scenario.DROP_HIGH_RISK, "", [e for e in evidence if e not in high]))
    return runs


def assess(evidence: list[Evidence], baseline: Grade, regrade: Regrade) -> list[Outcome]:
    """Every sensitivity analysis of one claim against its published grade."""
    results = []
    for scenario, study_id, changed_evidence in scenarios(evidence):
        grade = regrade(changed_evidence)
        changed = (grade.verdict, grade.certainty) != (baseline.verdict, baseline.certainty)
        results.append(Outcome(scenario, study_id, grade.verdict, grade.certainty, changed))
    return results


SCENARIO_PHRASES = {
    Scenario.DROP_LINK: "without {study}",
    Scenario.WEAKEN_LINK: "if {study} only qualified the claim",
    Scenario.DROP_PARTIAL: "without the partly verified sources",
    Scenario.DROP_HIGH_RISK: "without the studies at high risk of bias",
}


def summary(results: list[Outcome], cite: Callable[[list[str]], str] | None = None, n_links: int = 0) -> tuple[bool, str]:
    """(robust, the words the claim page shows): 'robust', or what the verdict depends on."""
    from kb.vocab import CERTAINTY_LEVELS, VERDICTS

    changed = [r for r in results if r.changed]
    if not results:
        return True, "robust: no counted evidence to vary"
    if not changed:
        limited = (f" (links varied one at a time: the {PER_LINK_LIMIT} weightiest of {n_links})"
                   if n_links > PER_LINK_LIMIT else "")
        return True, f"robust: the verdict and certainty hold in all {len(results)} sensitivity analyses{limited}"
    cite = cite or (lambda ids: ", ".join(ids))
    parts = []
    for r in changed:
        certainty = CERTAINTY_LEVELS.term(r.certainty).label.lower() if r.certainty else "no certainty level"
        what = SCENARIO_PHRASES[r.scenario].format(study=cite([r.study_id]) if r.study_id else "")
        parts.append(f"{what}: {VERDICTS.term(r.verdict).label.lower()}, {certainty}")
    return False, "depends on: " + "; ".join(parts)
