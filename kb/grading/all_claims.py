"""Grading every claim of the knowledge base: the rows of the computed tables the build writes.

Takes the data tables as typed columns (as the build holds them), keeps only the links that count, and returns
``claim_summary``, ``claim_certainty``, ``claim_robustness`` and ``claim_findings`` rows plus the forest plots.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from kb.grading import robustness
from kb.grading.certainty import Interval
from kb.grading.evidence import Evidence, identity, link_status, standing_notice
from kb.grading.findings import StudyFacts, summary_of_findings
from kb.grading.grade import Cite, LastSearch, cite_ids, grade_claim, rationale, why
from kb.grading.pooling import null_value
from kb.vocab import Domain, NoticeNature


@dataclass
class Graded:
    summaries: list[dict] = field(default_factory=list)
    domains: list[dict] = field(default_factory=list)
    robustness: list[dict] = field(default_factory=list)
    findings: list[dict] = field(default_factory=list)
    figures: list[dict] = field(default_factory=list)


def rows_of(columns: dict[str, list]) -> list[dict]:
    names = list(columns)
    return [dict(zip(names, values)) for values in zip(*columns.values())]


def study_identities(studies: dict[str, list], verifications: dict[str, list]) -> tuple[list[int], list[str]]:
    """Columns ``identity_confirmed`` and ``identity_gaps`` for typed study columns."""
    records = {row["study_id"]: row for row in rows_of(verifications)} if verifications else {}
    confirmed, gaps = [], []
    for study_id, title, doi, pmid, pmcid in zip(studies["id"], studies["title"], studies["doi"], studies["pmid"], studies["pmcid"]):
        ok, gap = identity(title, (doi, pmid, pmcid), records.get(study_id))
        confirmed.append(int(ok))
        gaps.append(gap)
    return confirmed, gaps


def study_notices(studies: dict[str, list], notices: dict[str, list]) -> tuple[list[str | None], list[str]]:
    """Columns ``notice`` and ``notice_text`` for typed study columns: the notice that stands on each study."""
    by_study: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for study_id, nature, date, reason in zip(notices.get("study_id", []), notices.get("nature", []),
                                              notices.get("notice_date", []), notices.get("reason", [])):
        by_study[study_id].append((nature, date, reason or ""))
    standing = {study_id: standing_notice(found) for study_id, found in by_study.items()}
    natures, texts = [], []
    for study_id in studies["id"]:
        nature, text = standing.get(study_id) or (None, "")
        natures.append(nature)
        texts.append(text)
    return natures, texts


def last_searches(searches: dict[str, list]) -> dict[str, LastSearch]:
    """Each searched claim's latest search, from typed search_log columns (the databases searched that day together)."""
    days: dict[str, dict[str, list[tuple[str, int]]]] = defaultdict(lambda: defaultdict(list))
    for claim_id, day, database, included in zip(searches.get("claim_id", []), searches.get("searched_on", []),
                                                 searches.get("database", []), searches.get("n_included", [])):
        days[claim_id][day].append((database, included or 0))
    latest = {}
    for claim_id, by_day in days.items():
        day = max(by_day)
        latest[claim_id] = LastSearch(day, ", ".join(sorted(d for d, _ in by_day[day])), sum(n for _, n in by_day[day]))
    return latest


def link_statuses(links: dict[str, list], studies: dict[str, list]) -> tuple[list[int], list[str]]:
    """Columns ``counted`` and ``not_counted_reason`` for typed link columns (studies carry identity_confirmed and notice)."""
    confirmed = dict(zip(studies["id"], studies["identity_confirmed"]))
    retracted = {study_id: text for study_id, nature, text in zip(studies["id"], studies["notice"], studies["notice_text"])
                 if nature == NoticeNature.RETRACTION}
    counted, reasons = [], []
    for status, study_id in zip(links["review_status"], links["study_id"]):
        ok, reason = link_status(status, bool(confirmed[study_id]), retracted.get(study_id, ""))
        counted.append(int(ok))
        reasons.append(reason)
    return counted, reasons


def study_label(first_author: str, year: int | None, study_id: str) -> str:
    """How a study is named in tables and plots: 'Surname year', or the id where the record lacks either."""
    surname = first_author.split()[0] if first_author else ""
    return f"{surname} {year}" if surname and year else (first_author or study_id)


def grade_all(claims: list[dict], links: dict[str, list], studies: dict[str, list], inclusions: list[tuple[str, str]],
              outcomes: list[dict] = (), outcome_claims: list[tuple[str, str]] = (), cite: Cite = cite_ids,
              searches: dict[str, LastSearch] | None = None) -> Graded:
    """Every claim graded from its counted links; see :mod:`kb.grading` for the rules.  ``searches``: each claim's latest search."""
    searches = searches or {}
    facts = {sid: (design, bias, n, year, verification, funded) for sid, design, bias, n, year, verification, funded in zip(
        studies["id"], studies["design"], studies["risk_of_bias"], studies["n_participants"], studies["year"],
        studies["verification"], studies["industry_funded"])}
    labels = {sid: study_label(a or "", y, sid) for sid, a, y in zip(studies["id"], studies["first_author"], studies["year"])}
    evidence: dict[str, list[Evidence]] = defaultdict(list)
    waiting: dict[str, int] = defaultdict(int)
    counted_pairs = set()
    for claim_id, study_id, stance, directness, rating, reason, counted in zip(
            links["claim_id"], links["study_id"], links["stance"], links["directness"], links["rating"],
            links["indirectness_reason"], links["counted"]):
        if not counted:
            waiting[claim_id] += 1
            continue
        design, bias, n, year, verification, funded = facts[study_id]
        evidence[claim_id].append(Evidence(study_id, stance, directness, rating, design, bias, n, reason or "", year, verification, funded))
        counted_pairs.add((claim_id, study_id))
    by_id = {o["id"]: o for o in outcomes}
    claim_outcomes: dict[str, list[dict]] = defaultdict(list)
    for outcome_id, claim_id in outcome_claims:
        outcome = by_id[outcome_id]
        if (claim_id, outcome["study_id"]) in counted_pairs:
            claim_outcomes[claim_id].append(outcome)
    study_facts = {sid: StudyFacts(labels[sid], f[0], f[1], f[2]) for sid, f in facts.items()}
    included = set(inclusions)
    graded = Graded()
    for claim in claims:
        graded_claim(claim, evidence[claim["id"]], claim_outcomes[claim["id"]], waiting[claim["id"]], included, study_facts, cite, graded,
                     searches.get(claim["id"]))
    return graded


def intervals_of(outcomes: list[dict]) -> list[Interval]:
    """The confidence intervals of a claim's counted outcomes that can be judged against no effect."""
    return [Interval(o["study_id"], o["outcome"], o["effect_measure"], o["ci_low"], o["ci_high"]) for o in outcomes
            if null_value(o["effect_measure"]) is not None and o["ci_low"] is not None and o["ci_high"] is not None]


def graded_claim(claim: dict, evidence: list[Evidence], outcomes: list[dict], n_waiting: int, included: set,
                 study_facts: dict[str, StudyFacts], cite: Cite, graded: Graded, search: LastSearch | None = None) -> None:
    """Grade one claim and append its rows to ``graded``."""
    claim_id, kind = claim["id"], claim["kind"]
    natural = bool(claim.get("improves_without_treatment"))
    intervals = intervals_of(outcomes)

    def regrade(changed: list[Evidence]):
        kept = {e.study_id for e in changed}
        return grade_claim(kind, changed, included, [i for i in intervals if i.study_id in kept], natural)

    grade = regrade(evidence)
    checks = robustness.assess(evidence, grade, regrade)
    robust, robust_text = robustness.summary(checks, lambda ids: cite(ids), len(evidence))
    verdict = claim["override_verdict"] or grade.verdict
    certainty = claim["override_certainty"] or grade.certainty
    text = rationale(grade, evidence, claim["no_evidence_reason"] or "", cite)
    if claim["override_verdict"] or claim["override_certainty"]:
        text += f" A curator ({claim['override_by']}) overrode the computed result: {claim['override_reason']}"
    graded.summaries.append(dict(
        claim_id=claim_id, statement=claim["statement"], kind=kind, topic=claim["topic"],
        verdict=verdict, certainty=certainty, computed_verdict=grade.verdict, verdict_rule=grade.verdict_rule,
        computed_certainty=grade.certainty, starting_certainty=grade.starting_certainty,
        overridden=int(bool(claim["override_verdict"] or claim["override_certainty"])),
        n_supports=grade.counts["supports"], n_qualifies=grade.counts["qualifies"],
        n_mixed=grade.counts["mixed"], n_refutes=grade.counts["refutes"],
        n_studies=grade.n_studies, n_independent=grade.n_independent, n_not_counted=n_waiting,
        n_participants=grade.participants, best_evidence_level=grade.best_evidence_level,
        key_sources=", ".join(grade.key_sources), why=why(grade, evidence, natural, n_waiting, kind, search), rationale=text,
        robust=int(robust), robustness=robust_text,
    ))
    if grade.certainty is not None:
        graded.domains.append(dict(claim_id=claim_id, domain=Domain.START, change=0, reason=grade.starting_reason))
        graded.domains += [dict(claim_id=claim_id, domain=d.domain, change=d.change, reason=d.reason) for d in grade.domains]
    graded.robustness += [dict(claim_id=claim_id, scenario=c.scenario, study_id=c.study_id, verdict=c.verdict,
                               certainty=c.certainty, changed=int(c.changed)) for c in checks]
    for row, finding in enumerate(summary_of_findings(outcomes, study_facts, kind), start=1):
        figure = f"forest-{claim_id}-{row}.svg" if finding.figure_svg else ""
        if figure:
            graded.figures.append(dict(name=figure, media_type="image/svg+xml", content=finding.figure_svg))
        graded.findings.append(dict(
            claim_id=claim_id, row=row, outcome=finding.outcome, outcome_kind=finding.outcome_kind,
            comparator_kind=finding.comparator_kind, comparator=finding.comparator, n_studies=finding.n_studies,
            n_participants=finding.n_participants, certainty=finding.certainty, effect=finding.effect,
            follow_up=finding.follow_up, pooled=int(finding.pooled), pooling_note=finding.pooling_note,
            plain_language=finding.plain_language, studies=", ".join(finding.studies),
            outcome_ids=", ".join(finding.outcome_ids), figure=figure))
