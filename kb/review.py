"""Reviewing links: list the ones waiting, accept or reject one, without editing CSV by hand.

A link counts towards a claim's certainty and verdict only when a reviewer
accepted it and its study's identity is confirmed (see :mod:`kb.grading`).
:func:`waiting` lists links with why each does not count yet; :func:`review`
sets one link's ``review_status``, ``reviewed_by`` and ``reviewed_on``.

A review writes ``claim_evidence.csv`` through the same machinery as a load:
under the data lock, validated as a whole before anything is written
(:func:`kb.load.commit_planned`), replaced atomically, and the database is
rebuilt.  Reviewing a link to the status it already has changes nothing.

The reason for a rejection is kept in the link's ``note``, after what the
note said, as ``Rejected by NAME on DATE: REASON``: the note is where a reader
of the claim page looks for what the source shows, and a rejected link stays
on the record (never counted) with the reviewer's word on why.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from kb.build import add_link_statuses, add_study_derivations, build_locked, table_columns
from kb.datafiles import DEFAULT_DATA_DIR, data_lock, read_table, sorted_rows
from kb.grading.all_claims import study_label
from kb.load import commit_planned
from kb.models import ClaimEvidence, Study, StudyNotice, StudyVerification
from kb.validate import DATE
from kb.vocab import ReviewStatus

REVIEWER_VARIABLE = "KB_REVIEWER"
"""Environment variable naming the reviewer when ``--by`` is not given."""

DECISIONS = (ReviewStatus.ACCEPTED, ReviewStatus.REJECTED)


class ReviewError(Exception):
    """The review was refused; nothing was written.  The message names the link and what is wrong."""


@dataclass
class WaitingLink:
    """One link as a reviewer sees it: the study, the link's judgement, and why it does not count (empty if it does)."""

    claim_id: str
    study_id: str
    citation: str
    title: str
    stance: str
    directness: str
    rating: str
    note: str
    review_status: str
    not_counted_reason: str


@dataclass
class ReviewResult:
    """What one review did."""

    claim_id: str
    study_id: str
    status: str
    changed: bool
    moved: list[str] = field(default_factory=list)  # claims whose verdict or certainty the rebuild moved


def waiting(data_dir: Path = DEFAULT_DATA_DIR, claim_id: str | None = None, status: str | None = ReviewStatus.PROPOSED) -> list[WaitingLink]:
    """Links of ``claim_id`` (all claims when None) with review status ``status`` (any when None), sorted by claim and study."""
    links, studies = read_table(data_dir, ClaimEvidence), read_table(data_dir, Study)
    columns = {"studies": table_columns(studies), "claim_evidence": table_columns(links),
               "study_verifications": table_columns(read_table(data_dir, StudyVerification)),
               "study_notices": table_columns(read_table(data_dir, StudyNotice))}
    add_study_derivations(columns["studies"], columns["study_verifications"], columns["study_notices"])
    add_link_statuses(columns["claim_evidence"], columns["studies"])  # the build's own rule for why a link does not count
    reasons = columns["claim_evidence"]["not_counted_reason"]
    by_id = {row["id"]: row for row in studies.records()}
    found = []
    for row, reason in zip(links.records(), reasons):
        if (claim_id is not None and row["claim_id"] != claim_id) or (status is not None and row["review_status"] != status):
            continue
        study = by_id.get(row["study_id"]) or dict(id=row["study_id"], first_author="", year="", title="(not in studies.csv)")
        found.append(WaitingLink(row["claim_id"], row["study_id"], study_label(study["first_author"], study["year"], study["id"]),
                                 study["title"], row["stance"], row["directness"], row["rating"], row["note"], row["review_status"], reason))
    return sorted(found, key=lambda link: (link.claim_id, link.study_id))


def reviewer(name: str | None) -> str:
    """The reviewer's name: ``name``, else the ``KB_REVIEWER`` environment variable; a :class:`ReviewError` when neither is given."""
    found = (name if name is not None else os.environ.get(REVIEWER_VARIABLE, "")).strip()
    if not found:
        raise ReviewError(f"name the reviewer with --by or the {REVIEWER_VARIABLE} environment variable")
    return found


def review(claim_id: str, study_id: str, status: str, by: str, on: str | None = None, reason: str = "",
           data_dir: Path = DEFAULT_DATA_DIR, db_path: Path | None = None, lock_timeout: float = 30.0) -> ReviewResult:
    """Accept or reject the link ``claim_id`` - ``study_id`` (then rebuild ``db_path`` if given).

    ``on`` is the review date (YYYY-MM-DD, default today); a rejection needs a
    ``reason``.  Raises :class:`ReviewError` for bad input or an unknown link,
    and :class:`kb.validate.ValidationError` when data/ would not be valid
    afterwards; nothing is written then.  A link that already has ``status``
    is left as it is.
    """
    link = f"link {claim_id} - {study_id}"
    on = on or date.today().isoformat()
    if status not in DECISIONS:
        raise ReviewError(f"{link}: {status!r} is not a review decision ({', '.join(DECISIONS)})")
    if not DATE.match(on):
        raise ReviewError(f"{link}: review date {on!r} is not YYYY-MM-DD")
    if not by.strip():
        raise ReviewError(f"{link}: the reviewer's name is empty")
    reason = " ".join(reason.split())
    if status == ReviewStatus.REJECTED and not reason:
        raise ReviewError(f"{link}: a rejection needs a reason (--reason)")
    if status == ReviewStatus.ACCEPTED and reason:
        raise ReviewError(f"{link}: --reason is for rejections; an accepted link's note already says what the source shows")
    data_dir = Path(data_dir)
    with data_lock(data_dir, timeout=lock_timeout):
        links = read_table(data_dir, ClaimEvidence).records()
        row = next((l for l in links if l["claim_id"] == claim_id and l["study_id"] == study_id), None)
        if row is None:
            raise ReviewError(f"{link}: there is no such link in {ClaimEvidence.__data_file__} (`kb review list` shows the links waiting)")
        if row["review_status"] == status:
            return ReviewResult(claim_id, study_id, status, changed=False)
        row.update(review_status=status, reviewed_by=by.strip(), reviewed_on=on)
        if reason:
            row["note"] = f"{row['note']} Rejected by {row['reviewed_by']} on {on}: {reason}".strip()
        commit_planned(data_dir, {ClaimEvidence: sorted_rows(ClaimEvidence, links)})
        result = ReviewResult(claim_id, study_id, status, changed=True)
        if db_path is not None:
            result.moved = build_locked(data_dir, Path(db_path)).moved
    return result
