"""One schema.org ``ClaimReview`` per claim, the JSON-LD that fact-check aggregators read.

- ``claimReviewed`` is the claim's exact quote;
- ``itemReviewed`` is a ``Claim`` whose ``appearance`` is the article (a
  ``CreativeWork`` with its name, and its url where the archive records one)
  and whose ``author`` is the byline as the page shows it;
- ``reviewRating`` names the verdict in ``alternateName`` and places it on a
  numeric scale: ``ratingValue`` is the verdict's ``rank`` in the verdicts
  vocabulary (:data:`kb.vocab.VERDICTS`, from 1 for contradicted to 6 for
  supported), ``worstRating`` and ``bestRating`` the lowest and highest ranks;
  ``ratingExplanation`` is the claim's rationale;
- ``author`` is the knowledge base as an ``Organization``;
- ``datePublished`` is the date of the release (on the site, of the build).

``url`` (the claim's page) is added when the site's address is known.
"""

from __future__ import annotations

import sqlite3
from typing import Callable

from kb import vocab
from kb.metadata import TITLE

CONTEXT = "https://schema.org"

SQL = """SELECT c.id, c.quote, cs.verdict, cs.rationale, a.title AS article_title, a.url AS article_url, a.author_as_shown
    FROM claims c JOIN claim_summary cs ON cs.claim_id = c.id JOIN articles a ON a.id = c.article_id"""


def rating(verdict: str, explanation: str) -> dict:
    """The verdict on the verdicts vocabulary's numeric scale (its ``rank``)."""
    ranks = [t.extra["rank"] for t in vocab.VERDICTS.terms]
    term = vocab.VERDICTS.term(verdict)
    return {"@type": "Rating", "ratingValue": term.extra["rank"], "worstRating": min(ranks), "bestRating": max(ranks),
            "alternateName": term.label, "ratingExplanation": explanation}


def claim_review(row: dict, date_published: str, url: str = "", site_url: str = "") -> dict:
    """The ClaimReview of one claim (``row`` as selected by :data:`SQL`)."""
    appearance = {"@type": "CreativeWork", "name": row["article_title"]}
    if row["article_url"]:
        appearance["url"] = row["article_url"]
    claim = {"@type": "Claim", "appearance": appearance}
    if row["author_as_shown"]:
        claim["author"] = {"name": row["author_as_shown"]}
    organisation = {"@type": "Organization", "name": TITLE}
    if site_url:
        organisation["url"] = site_url
    review = {"@context": CONTEXT, "@type": "ClaimReview", "identifier": row["id"]}
    if url:
        review["url"] = url
    review.update(claimReviewed=row["quote"], itemReviewed=claim, reviewRating=rating(row["verdict"], row["rationale"]),
                  author=organisation, datePublished=date_published)
    return review


def claim_reviews(conn: sqlite3.Connection, date_published: str, url_for: Callable[[str], str] | None = None,
                  site_url: str = "", claim_id: str | None = None) -> list[dict]:
    """ClaimReviews of every claim (or of ``claim_id``), sorted by claim id; ``url_for(id)`` gives a claim's page."""
    cursor = conn.execute(SQL + (" WHERE c.id = ?" if claim_id is not None else "") + " ORDER BY c.id",
                          (claim_id,) if claim_id is not None else ())
    columns = [d[0] for d in cursor.description]
    return [claim_review(row, date_published, url_for(row["id"]) if url_for else "", site_url)
            for row in (dict(zip(columns, values)) for values in cursor)]
