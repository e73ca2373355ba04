"""The evidence a claim is graded on: which links count, and which of them are independent.

A link *counts* (feeds certainty and verdict) only when a reviewer accepted it and its study's identity is
confirmed: a confirmed title plus at least one confirmed identifier (DOI, PMID, PMCID, or a trial-registry id or the
issuing body's own page that the librarian read, which the verification record shows by not listing the identifier
as missing: a registry number seen only in third-party copies does not count).
A link to a retracted study never counts (see :func:`standing_notice`).
Everything else is shown on the claim page under "not yet counted", with the reason.

Reviews and the primary studies they include are not independent: their participants and their weight must count
once.  Where a review's inclusion list is recorded (``study_inclusions``) it is used; where it is not, every
linked primary study published no later than the review is presumed to be included.
"""

from __future__ import annotations

from typing import Iterable, NamedTuple

from kb import vocab
from kb.vocab import NoticeNature, ReviewStatus, Stance

CLINICAL_RATING = 3
"""Links rated at least this carry clinical weight."""

NON_HUMAN_DESIGNS = {"mechanistic", "regulatory", "reference_text"}
"""Designs whose participants are not people studied for the claim."""

_DESIGNS = {t.value: t.extra for t in vocab.STUDY_DESIGNS.terms}

class Evidence(NamedTuple):
    """One counted link of a claim, with the facts about its study that grading needs (a tuple: a million build fast)."""

    study_id: str
    stance: str
    directness: str
    rating: int
    design: str
    risk_of_bias: str
    n_participants: int | None = None
    indirectness_reason: str = ""
    year: int | None = None
    verification: str = vocab.Verification.COMPLETE
    industry_funded: int | None = None

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
        return self.design not in NON_HUMAN_DESIGNS

    @property
    def uncontrolled(self) -> bool:
        """No control group: case series, before-after studies, case reports."""
        return _DESIGNS[self.design]["risk_of_bias_tool"] == vocab.BiasTool.UNCONTROLLED


def missing_fields(completeness: str) -> list[str]:
    """The fields a verification record lists as unconfirmed ('missing:title,authors' -> ['title', 'authors'])."""
    if not completeness.startswith("missing:"):
        return []
    return [f.strip() for f in completeness[len("missing:"):].split(",") if f.strip()]


def identity(title: str, identifiers: Iterable[str], record: dict | None) -> tuple[bool, str]:
    """Whether a study's identity is confirmed, and the gaps of its record (for display).

    ``record`` is its verification record (None for a study a load added and nobody has verified).
    """
    if record is None:
        return False, "not verified against a public record"
    missing = missing_fields(record["completeness"])
    has_identifier = any(identifiers) or "identifier" not in missing
    confirmed = bool(title) and "title" not in missing and has_identifier
    return confirmed, ", ".join(missing)


NOTICE_WORDS = {NoticeNature.RETRACTION: "retracted", NoticeNature.EXPRESSION_OF_CONCERN: "expression of concern",
                NoticeNature.CORRECTION: "corrected"}
NOTICE_SEVERITY = (NoticeNature.RETRACTION, NoticeNature.EXPRESSION_OF_CONCERN, NoticeNature.CORRECTION)
"""The notices that can stand on a study, most serious first."""


def standing_notice(notices: Iterable[tuple[str, str, str]]) -> tuple[str, str] | None:
    """The notice that stands on a study, as (nature, text), from its notices (nature, date YYYY-MM-DD, reason); None when none.

    A reinstatement withdraws every notice dated before it (or on the same day); of the notices left, the most
    serious stands (a retraction before an expression of concern before a correction), the latest of a kind.
    """
    notices = sorted(notices, key=lambda n: n[1])
    reinstated = max((date for nature, date, _ in notices if nature == NoticeNature.REINSTATEMENT), default="")
    standing = [n for n in notices if n[0] != NoticeNature.REINSTATEMENT and n[1] > reinstated]
    if not standing:
        return None
    nature, date, reason = max(standing, key=lambda n: (-NOTICE_SEVERITY.index(n[0]), n[1]))
    return nature, f"{NOTICE_WORDS[nature]} ({date})" + (f": {reason}" if reason else "")


def link_status(review_status: str, identity_confirmed: bool, retraction: str = "") -> tuple[bool, str]:
    """Whether a link counts, and if not, why (shown under 'not yet counted').

    ``retraction`` is the standing retraction notice of the link's study in words ('retracted (2024-01-15): reason'):
    a retracted study never counts, whatever its review.
    """
    if review_status == ReviewStatus.REJECTED:
        return False, "rejected by a reviewer"
    if retraction:
        return False, retraction
    if review_status != ReviewStatus.ACCEPTED:
        return False, "proposed: not yet reviewed"
    if not identity_confirmed:
        return False, "the study's identity is not confirmed (no confirmed title and identifier)"
    return True, ""


def independent_units(evidence: list[Evidence], inclusions: set[tuple[str, str]]) -> dict[str, str]:
    """Study id -> the id of its independent unit: a review with the primary studies it includes or may include.

    Recorded inclusions are used where a review has any; otherwise a linked human primary study published no
    later than the review (or of unknown year) is presumed to be included.  A primary study that several reviews
    may include joins one of them (a supporting review first, then the highest rated, then the largest), so each
    study is counted once and reviews stay separate units; a recorded inclusion wins over a presumed one.
    """
    studies = {e.study_id: e for e in evidence}
    # supporting reviews first: a disagreeing review must never split the support it may contain into more units
    reviews = sorted((e for e in studies.values() if e.is_review),
                     key=lambda r: (r.stance != Stance.SUPPORTS, -r.rating, -(r.n_participants or 0), r.study_id))
    recorded: dict[str, set[str]] = {}
    for review, study in inclusions:
        recorded.setdefault(review, set()).add(study)
    units = {s: s for s in studies}
    for primary in (e for e in studies.values() if not e.is_review and e.is_human):
        recorded_in = [r for r in reviews if primary.study_id in recorded.get(r.study_id, ())]
        presumed_in = [r for r in reviews if r.study_id not in recorded
                       and (primary.year is None or r.year is None or primary.year <= r.year)]
        for review in recorded_in or presumed_in:
            units[primary.study_id] = review.study_id
            break
    return units


def presumed_overlap(evidence: list[Evidence], inclusions: set[tuple[str, str]]) -> list[str]:
    """Reviews whose overlap with linked primary studies is presumed (no recorded inclusion list)."""
    recorded = {review for review, _ in inclusions}
    has_primaries = any(not e.is_review and e.is_human for e in evidence)
    return sorted({e.study_id for e in evidence if e.is_review and e.study_id not in recorded and has_primaries})


def weight(evidence: Iterable[Evidence], units: dict[str, str]) -> int:
    """Summed rating of some links, a review and the studies it may include counted once.

    Where a review is among the links, it and the links of its unit count as the larger of the review's rating and
    their summed ratings; links whose review is not among them (it has another stance) count on their own.
    Adding a link never lowers the weight.
    """
    links = {e.study_id: e for e in evidence}
    members: dict[str, list[int]] = {}
    total = 0
    for e in links.values():
        unit = units.get(e.study_id, e.study_id)
        if e.is_review:
            continue
        if unit != e.study_id and unit in links:
            members.setdefault(unit, []).append(e.rating)
        else:
            total += e.rating
    for review in (e for e in links.values() if e.is_review):
        total += max(review.rating, sum(members.get(review.study_id, [])))
    return total


def count_participants(evidence: list[Evidence], inclusions: set[tuple[str, str]]) -> int:
    """Lower bound on distinct participants, none counted twice.

    Different primary studies have different people, so their sum is a lower bound; so is the largest review.
    Reviews may share trials with each other, so they are never added together, and a primary study recorded as
    included in a linked review is left to that review.  The bound is the larger of the two.
    """
    linked = {e.study_id: e for e in evidence if e.is_human}
    covered = {study for review, study in inclusions if review in linked}
    largest_review = max((e.n_participants or 0 for e in linked.values() if e.is_review), default=0)
    primaries = sum(e.n_participants or 0 for e in linked.values() if not e.is_review and e.study_id not in covered)
    return max(largest_review, primaries)


def ids(evidence: Iterable[Evidence]) -> str:
    return ", ".join(sorted({e.study_id for e in evidence}))


def designs(evidence: Iterable[Evidence]) -> str:
    return " / ".join(sorted({vocab.STUDY_DESIGNS.term(e.design).label.lower() for e in evidence}))
