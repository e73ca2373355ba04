"""How strong is the evidence: which links count, certainty per claim (GRADE-style), a verdict, and how robust it is.

The package follows the flow of a judgement, one module per step:

* ``evidence``: which links count, and which are independent of each other;
* ``certainty``: the starting point and the five GRADE domains;
* ``verdicts``: the ordered verdict rules;
* ``grade``: one claim graded, with the words that explain it;
* ``findings`` and ``pooling``: the Summary of Findings, random-effects pooling and forest plots;
* ``robustness``: the sensitivity analyses behind "robust" or "depends on".

## What counts

* A link **counts** only when a reviewer **accepted** it (``claim_evidence.review_status``) and its study's
  **identity is confirmed**: a confirmed title and at least one confirmed identifier (DOI, PMID, PMCID, or a
  trial-registry id or the issuing body's own page that the librarian read, which the verification record shows
  by not listing the identifier as missing: a registry number seen only in third-party copies does not count).  A source missing only its author list, year or page numbers still counts, and the
  gap is shown.  Links that ``kb load`` adds are *proposed*; nothing a load adds changes a verdict until a
  reviewer accepts it.  Links that do not count appear on the claim page under "not yet counted", with why.
* **Retractions and notices** (``study_notices``, loaded from the Retraction Watch data file): a link to a
  **retracted** study never counts ("retracted (date): reason"), so a retraction moves verdicts through the rules
  above.  A study under an **expression of concern** still counts, but it is flagged and its risk-of-bias reason
  says so; a **correction** is shown beside the study.  A **reinstatement** withdraws the notices dated before it.
* **Risk of bias**: randomised trials are judged with the RoB 2 domains and non-randomised comparative studies
  with ROBINS-I-style domains (``study_bias_domains``); an overall judgement may not be better than its worst
  domain.  Uncontrolled designs (case series, before-after studies, case reports) are at high risk by
  definition, and validation rejects a lower rating.  Device- or product-maker funding or ties are recorded
  (``studies.funding_coi``, ``industry_funded``), named in the risk-of-bias reason, and a tier that rests only on
  such studies goes down one level.
* **Independence**: a review and the primary studies it includes are one body of evidence.  Where a review's
  inclusion list is recorded (``study_inclusions``) it is used; where it is not, every linked primary study
  published no later than the review is presumed to be included, and the reason says so.  Source counts
  (``n_independent``) and the weights compared by inconsistency and the verdict rules count each body once (the
  larger of the review's rating and its studies' summed ratings).  Participants are a lower bound: the larger of
  the biggest linked review and the sum of the primary studies not recorded as included in a linked review
  (reviews may share trials, so they are never added together).

## Certainty

* a *clinical* link has rating >= 3 (controlled or uncontrolled data in people that bear on the claim itself);
  links rated 1-2 are asides, opinion, case reports, regulatory statements, reference texts or animal data;
* a *tier* is the set of counted clinical links whose designs share a ``starting_certainty`` (randomised evidence
  starts high, observational and uncontrolled low, case reports and mechanistic studies very low); each tier is
  rated with the domains below, its links being the *core*, and the claim takes the most certain tier;
* tiers, participants and the independent sources imprecision counts come from the links that do not refute the
  claim: refuting evidence lowers certainty (inconsistency) and drives the verdict, but never raises certainty;
* risk of bias, indirectness and imprecision judge each tier's own core, as GRADE rates each body of evidence on
  its own: two small trials that start high are imprecise however many people a case series or review in another
  tier adds (inconsistency weighs every counted clinical link, so disagreement anywhere lowers every tier);
* risk of bias and imprecision look only at the core links that **support** the claim, where there are any: a
  source that only qualifies it (a sound review of satisfaction beside uncontrolled series of wrinkles, an interval
  comparing a laser with needling) lowers the verdict but cannot vouch for the support;
* risk of bias: down one when no core study is at low risk and the start is high, when every core study is at
  high risk, or when every core study has device-maker funding or ties; down two when the start is high and every
  core study is at high risk;
* inconsistency: down one when a counted clinical link is mixed or refuting; down two when mixed and refuting
  clinical evidence weighs as much as the support;
* indirectness: down one when most core links are indirect, two when none is direct.  A trial that compares
  microneedling only with another active treatment, or adds it to one, is **indirect (comparator)** for a claim
  that microneedling works: it shows how microneedling compares, not that it beats doing nothing.  Validation
  rejects a ``direct`` benefit link whose study's outcomes for the claim all have active or combination comparators;
* imprecision: judged from **confidence intervals** where the core's counted outcomes report them: down one when
  an interval includes no effect (0 for differences, 1 for ratios).  Participant numbers decide only where there is
  no interval: down one below 100 distinct participants or with a single primary study, two below 30;
* publication bias: not assessed (too few studies per claim), recorded so the gap is visible.

A claim with no counted evidence, and an established background fact, shows **no certainty level**. A claim with nothing counted
says why: sources waiting for review, or, from the search log (``search_log``), "searched on DATE, nothing relevant
found", or "not yet searched" when no search is recorded for it.

## Verdicts

* **Natural improvement**: for a benefit whose outcome can improve on its own (``claims.improves_without_treatment``,
  for example early surgical scars maturing or post-inflammatory pigment fading), uncontrolled before-after
  evidence cannot tell the treatment from natural change: it does not back the claim alone, and where it is part
  of the support the verdict is at most partly supported.
* **Established background**: a description claim (how the skin or the procedure works) supported by a reference
  text, with no link rated high enough to bear on it disagreeing, gets its own verdict rather than "no evidence".
* Curator overrides (``claims.override_*``) stay for the exceptional case, each with a reason and a name; the rules
  and the data produce the verdicts.

Verdict rules, in order (first match wins):

"""

from kb.grading.certainty import DomainJudgement, Interval, starting_points
from kb.grading.evidence import (
    CLINICAL_RATING, Evidence, count_participants, identity, independent_units, link_status, missing_fields,
)
from kb.grading.grade import Grade, cite_ids, grade_claim, key_sources, rationale, why
from kb.grading.verdicts import MIN_RATING_TO_SUPPORT, UNGRADED_VERDICTS, VERDICT_RULES, rules_table

__doc__ += rules_table() + """

## Robustness

At build time every claim is graded again with each counted link removed in turn, each supporting link moved one
step weaker (supports to qualifies), every partly verified source removed, and every study at high risk of bias
removed (``claim_robustness``).  The claim page says "robust" when no analysis changes the verdict or the
certainty, and otherwise what the verdict depends on.

## Summary of Findings

One row per outcome and kind of comparator (``claim_findings``), from the counted links' outcomes
(``outcomes``, ``outcome_claims``): participants and studies, certainty, the effect (estimate and interval, or
events per arm), comparator, follow-up and a plain-language sentence.  Outcomes a curator put in the same
``measure_group`` are pooled with random effects (DerSimonian-Laird, via statsmodels) when two or more studies
report the same standard measure with an interval or events per arm, and a forest plot is drawn; otherwise the
row says why they were not pooled.
"""

__all__ = [
    "CLINICAL_RATING", "DomainJudgement", "Evidence", "Grade", "Interval", "MIN_RATING_TO_SUPPORT",
    "UNGRADED_VERDICTS", "VERDICT_RULES", "cite_ids", "count_participants", "grade_claim", "identity",
    "independent_units", "key_sources", "link_status", "missing_fields", "rationale", "rules_table",
    "starting_points", "why",
]
