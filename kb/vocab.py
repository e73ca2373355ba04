"""Controlled vocabularies, defined once.

Every value a record may take in a categorical column lives here with a
label and a human description.  The build publishes each vocabulary as a
lookup table (``study_designs``, ``stances``...) so that Datasette shows the
description beside every value, and validation rejects anything else.

Code elsewhere refers to values through the constants in this module
(``Stance.SUPPORTS``), never through string literals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


@dataclass(frozen=True)
class Term:
    """One value of a vocabulary, with what it means."""

    value: str
    label: str
    description: str
    extra: dict = field(default_factory=dict)

    def __post_init__(self):
        object.__setattr__(self, "value", str(self.value))  # plain str, not the enum member


@dataclass(frozen=True)
class Vocabulary:
    """A named set of terms, published as the lookup table ``table``."""

    table: str
    description: str
    terms: tuple[Term, ...]
    extra_columns: tuple[str, ...] = ()

    def __post_init__(self):
        object.__setattr__(self, "_by_value", {t.value: t for t in self.terms})

    def values(self) -> list[str]:
        return [t.value for t in self.terms]

    def __contains__(self, value: object) -> bool:
        return value in self._by_value

    def term(self, value: str) -> Term:
        try:
            return self._by_value[value]
        except KeyError:
            raise KeyError(f"{value!r} is not in {self.table}") from None


class ClaimKind(StrEnum):
    BENEFIT = "benefit"
    RISK = "risk"
    SAFETY = "safety"
    DESCRIPTION = "description"


class Stance(StrEnum):
    SUPPORTS = "supports"
    REFUTES = "refutes"
    MIXED = "mixed"
    QUALIFIES = "qualifies"


class Directness(StrEnum):
    DIRECT = "direct"
    POPULATION = "indirect_population"
    INTERVENTION = "indirect_intervention"
    OUTCOME = "indirect_outcome"
    ANIMAL = "indirect_animal"


class RiskOfBias(StrEnum):
    LOW = "low"
    SOME_CONCERNS = "some_concerns"
    HIGH = "high"
    NOT_ASSESSED = "not_assessed"


class Certainty(StrEnum):
    HIGH = "high"
    MODERATE = "moderate"
    LOW = "low"
    VERY_LOW = "very_low"


class Verification(StrEnum):
    COMPLETE = "complete"
    PARTIAL = "partial"
    UNVERIFIED = "unverified"


class Verdict(StrEnum):
    SUPPORTED = "supported"
    PARTLY_SUPPORTED = "partly_supported"
    OVERSTATED = "overstated"
    CONTRADICTED = "contradicted"
    INSUFFICIENT = "insufficient_evidence"
    MISLEADING = "misleading_wording"
    NO_EVIDENCE = "no_evidence_found"


class Domain(StrEnum):
    START = "starting_point"
    RISK_OF_BIAS = "risk_of_bias"
    INCONSISTENCY = "inconsistency"
    INDIRECTNESS = "indirectness"
    IMPRECISION = "imprecision"
    PUBLICATION_BIAS = "publication_bias"


CLAIM_KINDS = Vocabulary(
    "claim_kinds",
    "What sort of assertion a claim is.",
    (
        Term(ClaimKind.BENEFIT, "Benefit", "The article says the procedure improves something (skin, scars, pigment, absorption)."),
        Term(ClaimKind.RISK, "Risk", "The article names a harm, side effect or limitation that can follow the procedure."),
        Term(ClaimKind.SAFETY, "Safety", "The article says how safe the procedure is, or for whom and under which conditions."),
        Term(ClaimKind.DESCRIPTION, "Description", "The article describes what the procedure is or how it works, without promising an outcome."),
    ),
)

TOPICS = Vocabulary(
    "topics",
    "The subject a claim is about; used to group and facet claims.",
    (
        Term("procedure", "The procedure", "What microneedling is: how invasive it is, how popular, who performs it."),
        Term("collagen", "Collagen and ageing", "Collagen induction, firmness, elasticity, wrinkles and fine lines."),
        Term("scars", "Scars and stretch marks", "Acne, surgical and other scars, striae, and remodelling of scar tissue."),
        Term("absorption", "Absorption of products", "Delivery of topical products through the channels the needles make."),
        Term("pigmentation", "Pigmentation", "Fading of dark spots and melasma, and hyperpigmentation caused by the procedure."),
        Term("side_effects", "Side effects", "Redness, swelling, sensitivity and other reactions after treatment."),
        Term("infection", "Infection", "Infection and hygiene."),
        Term("suitability", "Suitability and results", "Who the procedure suits, how safe it is overall and how much results vary."),
    ),
)

STANCES = Vocabulary(
    "stances",
    "What one study says about one claim.",
    (
        Term(Stance.SUPPORTS, "Supports", "The source's findings agree with the claim as the article states it."),
        Term(Stance.REFUTES, "Refutes", "The source's findings contradict the claim."),
        Term(Stance.MIXED, "Mixed", "The source reports findings both for and against the claim, or a null result on a key outcome."),
        Term(Stance.QUALIFIES, "Qualifies", "The source agrees only in part: it limits the claim to some people, devices or outcomes, or adds a caveat the article omits."),
    ),
)

DIRECTNESS = Vocabulary(
    "directness",
    "How directly a source addresses the claim (GRADE's indirectness).",
    (
        Term(Directness.DIRECT, "Direct", "Same population, intervention (plain mechanical microneedling) and outcome as the claim."),
        Term(Directness.POPULATION, "Indirect: population", "Different people from those the claim is about (for example no darker skin types for a claim about darker skin)."),
        Term(Directness.INTERVENTION, "Indirect: intervention", "A different or combined intervention (radiofrequency microneedling, microneedling with PRP, a peel or a drug)."),
        Term(Directness.OUTCOME, "Indirect: outcome", "A surrogate outcome (histological collagen for a visible-firmness claim, satisfaction for efficacy)."),
        Term(Directness.ANIMAL, "Indirect: animal or lab", "Animal, in-vitro or engineering data rather than people treated with microneedling."),
    ),
)

RISK_OF_BIAS = Vocabulary(
    "risk_of_bias_levels",
    "Risk-of-bias judgement for one study, made by the curator from what the verified record shows.",
    (
        Term(RiskOfBias.LOW, "Low", "Randomised with blinded assessment and little attrition, or a systematic review whose methods and included studies are sound."),
        Term(RiskOfBias.SOME_CONCERNS, "Some concerns", "A controlled design with a weakness: open label, small, unclear randomisation, attrition or co-treatments."),
        Term(RiskOfBias.HIGH, "High", "No control group, self-assessed outcomes, confounding co-treatments, or a review built on such studies."),
        Term(RiskOfBias.NOT_ASSESSED, "Not assessed", "The design makes a risk-of-bias judgement meaningless (opinion, regulation) or too little is known to make one."),
    ),
)

STUDY_DESIGNS = Vocabulary(
    "study_designs",
    "Study designs with the evidence level each allows (Oxford CEBM 2011 style: 1 strongest, 5 weakest) "
    "and the GRADE starting certainty for a body of evidence built on it.",
    (
        Term("systematic_review_rct", "Systematic review of randomised trials", "A systematic review, with or without meta-analysis, restricted to randomised trials.", {"evidence_level": 1, "starting_certainty": Certainty.HIGH, "is_review": 1}),
        Term("systematic_review", "Systematic review of mixed designs", "A systematic review that pools randomised and non-randomised studies; it is as strong as most of what it includes.", {"evidence_level": 3, "starting_certainty": Certainty.LOW, "is_review": 1}),
        Term("rct", "Randomised controlled trial", "Participants or body sites randomly allocated to microneedling or a comparator (split-face designs included).", {"evidence_level": 2, "starting_certainty": Certainty.HIGH, "is_review": 0}),
        Term("controlled_study", "Non-randomised controlled or cohort study", "A comparison group without randomisation, or a prospective cohort followed over time.", {"evidence_level": 3, "starting_certainty": Certainty.LOW, "is_review": 0}),
        Term("case_series", "Case series", "Treated patients described before and after, with no control group (including uncontrolled device trials and outbreak investigations).", {"evidence_level": 4, "starting_certainty": Certainty.LOW, "is_review": 0}),
        Term("case_report", "Case report", "One or a few patients described in detail; shows that something can happen, not how often.", {"evidence_level": 4, "starting_certainty": Certainty.VERY_LOW, "is_review": 0}),
        Term("narrative_review", "Narrative review or expert opinion", "A review without a systematic search, or a consensus of experts; opinion-level evidence.", {"evidence_level": 5, "starting_certainty": Certainty.VERY_LOW, "is_review": 1}),
        Term("mechanistic", "Animal, laboratory or mechanistic study", "Animal, in-vitro or engineering studies: evidence about mechanism, not about people's outcomes.", {"evidence_level": 5, "starting_certainty": Certainty.VERY_LOW, "is_review": 0}),
        Term("unclassified", "Not yet classified", "Loaded from an export file whose publication type suggested no design; a curator must classify it before it carries weight.", {"evidence_level": None, "starting_certainty": Certainty.VERY_LOW, "is_review": 0}),
        Term("regulatory", "Regulatory document", "A statement by a regulator (classification, guidance, safety communication). Not graded on the evidence scale: it records what an agency authorised or warned about, and counts as very low certainty on its own.", {"evidence_level": None, "starting_certainty": Certainty.VERY_LOW, "is_review": 0}),
    ),
    extra_columns=("evidence_level", "starting_certainty", "is_review"),
)

CERTAINTY_LEVELS = Vocabulary(
    "certainty_levels",
    "GRADE certainty of a body of evidence for one claim, highest first.",
    (
        Term(Certainty.HIGH, "High", "Further research is very unlikely to change our confidence that the claim holds as stated.", {"rank": 4}),
        Term(Certainty.MODERATE, "Moderate", "The claim probably holds; further research may change the size of the effect.", {"rank": 3}),
        Term(Certainty.LOW, "Low", "The claim may hold; further research is likely to change the picture.", {"rank": 2}),
        Term(Certainty.VERY_LOW, "Very low", "Any estimate is very uncertain.", {"rank": 1}),
    ),
    extra_columns=("rank",),
)

CERTAINTY_DOMAINS = Vocabulary(
    "certainty_domains",
    "GRADE domains that can move a claim's certainty down (or, rarely, up) from its starting point.",
    (
        Term(Domain.START, "Starting point", "Not a domain but where certainty starts: high when the best clinical evidence is randomised, low when observational, very low with none (change is always 0)."),
        Term(Domain.RISK_OF_BIAS, "Risk of bias", "Down one level when most weight rests on studies at high risk of bias."),
        Term(Domain.INCONSISTENCY, "Inconsistency", "Down one level when sources disagree (mixed, qualifying or refuting links beside supporting ones); two when refuting evidence is as strong as supporting."),
        Term(Domain.INDIRECTNESS, "Indirectness", "Down one level when most sources differ from the claim in population, intervention or outcome; two when none is direct."),
        Term(Domain.IMPRECISION, "Imprecision", "Down one level when fewer than 100 distinct participants or fewer than two human studies inform the claim; two when fewer than 30."),
        Term(Domain.PUBLICATION_BIAS, "Publication bias", "Not assessed: too few studies per claim for a funnel plot; recorded so that the gap is visible."),
    ),
)

VERDICTS = Vocabulary(
    "verdicts",
    "The plain answer for a claim, computed by the rules in kb/grading.py (table `verdict_rules`).",
    (
        Term(Verdict.SUPPORTED, "Supported", "The evidence backs the claim as the article words it.", {"rank": 6}),
        Term(Verdict.PARTLY_SUPPORTED, "Partly supported", "True for some of what is claimed: some people, devices or outcomes, or with caveats the article omits.", {"rank": 5}),
        Term(Verdict.OVERSTATED, "Overstated", "The evidence supports a weaker claim than the article makes.", {"rank": 4}),
        Term(Verdict.INSUFFICIENT, "Insufficient evidence", "The evidence is too weak or too indirect to say.", {"rank": 3}),
        Term(Verdict.NO_EVIDENCE, "No evidence found", "No source in the knowledge base bears on this claim.", {"rank": 3}),
        Term(Verdict.MISLEADING, "Misleading wording", "The wording contradicts how the evidence and regulators describe the procedure.", {"rank": 2}),
        Term(Verdict.CONTRADICTED, "Contradicted", "The evidence goes against the claim.", {"rank": 1}),
    ),
    extra_columns=("rank",),
)

VERIFICATION_STATUSES = Vocabulary(
    "verification_statuses",
    "How far a study's bibliographic record was checked against a public record.",
    (
        Term(Verification.COMPLETE, "Verified", "Citation fields were confirmed against the public record named in `verified_urls`."),
        Term(Verification.PARTIAL, "Partly verified", "Some citation fields could not be confirmed; the `completeness` column lists which are missing."),
        Term(Verification.UNVERIFIED, "Unverified", "Loaded from a curator's export file and not yet checked against a public record."),
    ),
)

SUPPORT_RATINGS = Vocabulary(
    "support_ratings",
    "How much weight one source carries for one particular claim, whichever way it points (1-5 stars, after CIViC's "
    "evidence rating): a five-star refuting source weighs as heavily against the claim as a five-star supporting one for it.",
    (
        Term("5", "5 stars", "Direct, well-controlled evidence (randomised or a systematic review of trials) that answers this claim as stated."),
        Term("4", "4 stars", "Controlled or large systematic evidence with one limitation (small, open-label, partly indirect)."),
        Term("3", "3 stars", "Uncontrolled clinical evidence in people, or controlled evidence that is clearly indirect for this claim."),
        Term("2", "2 stars", "Case reports, narrative reviews, regulatory statements, or clinical data bearing on the claim only in passing."),
        Term("1", "1 star", "Mechanistic, animal or laboratory data, or an aside unrelated to the source's own data."),
    ),
)

ALL = (
    CLAIM_KINDS, TOPICS, STANCES, DIRECTNESS, RISK_OF_BIAS, STUDY_DESIGNS,
    CERTAINTY_LEVELS, CERTAINTY_DOMAINS, VERDICTS, VERIFICATION_STATUSES, SUPPORT_RATINGS,
)


def certainty_rank(level: str) -> int:
    """4 for high down to 1 for very low."""
    return CERTAINTY_LEVELS.term(level).extra["rank"]


def certainty_from_rank(rank: int) -> Certainty:
    """The certainty level for a rank, clamped to the scale."""
    rank = max(1, min(4, rank))
    return next(Certainty(t.value) for t in CERTAINTY_LEVELS.terms if t.extra["rank"] == rank)
