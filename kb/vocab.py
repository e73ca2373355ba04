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
    COMPARATOR = "indirect_comparator"


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
    BACKGROUND = "established_background"


class ArticleRating(StrEnum):
    ACCURATE = "accurate"
    MOSTLY_ACCURATE = "mostly_accurate"
    MIXED = "mixed"
    MISLEADING = "misleading"
    INACCURATE = "inaccurate"


class OmissionKind(StrEnum):
    HARM = "harm"
    LIMIT = "limit"


class ReviewStatus(StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class ComparatorKind(StrEnum):
    NONE = "none"
    UNTREATED = "untreated"
    SHAM = "sham"
    ACTIVE = "active"
    COMBINATION = "combination"


class OutcomeKind(StrEnum):
    EFFICACY = "efficacy"
    ADVERSE_EVENT = "adverse_event"
    MECHANISM = "mechanism"


class EffectDirection(StrEnum):
    FAVOURS_MICRONEEDLING = "favours_microneedling"
    FAVOURS_COMPARATOR = "favours_comparator"
    NO_DIFFERENCE = "no_difference"
    NOT_COMPARATIVE = "not_comparative"


class BiasTool(StrEnum):
    ROB2 = "rob2"
    ROBINS_I = "robins_i"
    UNCONTROLLED = "uncontrolled"
    NONE = "none"


class Scenario(StrEnum):
    DROP_LINK = "drop_link"
    WEAKEN_LINK = "weaken_link"
    DROP_PARTIAL = "drop_partially_verified"
    DROP_HIGH_RISK = "drop_high_risk_of_bias"


class NoticeNature(StrEnum):
    RETRACTION = "retraction"
    CORRECTION = "correction"
    EXPRESSION_OF_CONCERN = "expression_of_concern"
    REINSTATEMENT = "reinstatement"


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
        Term(Directness.COMPARATOR, "Indirect: comparator", "Compared only with another active treatment, or added to one: shows how microneedling compares with that treatment, not that it beats doing nothing."),
    ),
)

RISK_OF_BIAS = Vocabulary(
    "risk_of_bias_levels",
    "Risk-of-bias judgement for one study, made by the curator from what the verified record shows.",
    (
        Term(RiskOfBias.LOW, "Low", "Randomised with blinded assessment and little attrition, or a systematic review whose methods and included studies are sound."),
        Term(RiskOfBias.SOME_CONCERNS, "Some concerns", "A controlled design with a weakness: open label, small, unclear randomisation, attrition or co-treatments."),
        Term(RiskOfBias.HIGH, "High", "No control group (always high: validation rejects a lower rating for case series and case reports), self-assessed outcomes, confounding co-treatments, or a review built on such studies."),
        Term(RiskOfBias.NOT_ASSESSED, "Not assessed", "The design makes a risk-of-bias judgement meaningless (opinion, regulation, reference texts, animal studies) or too little is known to make one."),
    ),
)

STUDY_DESIGNS = Vocabulary(
    "study_designs",
    "Study designs with the evidence level each allows (Oxford CEBM 2011 style: 1 strongest, 5 weakest) "
    "and the GRADE starting certainty for a body of evidence built on it.",
    (
        Term("systematic_review_rct", "Systematic review of randomised trials", "A systematic review, with or without meta-analysis, restricted to randomised trials.", {"evidence_level": 1, "starting_certainty": Certainty.HIGH, "is_review": 1, "risk_of_bias_tool": BiasTool.NONE}),
        Term("systematic_review", "Systematic review of mixed designs", "A systematic review that pools randomised and non-randomised studies; it is as strong as most of what it includes.", {"evidence_level": 3, "starting_certainty": Certainty.LOW, "is_review": 1, "risk_of_bias_tool": BiasTool.NONE}),
        Term("rct", "Randomised controlled trial", "Participants or body sites randomly allocated to microneedling or a comparator (split-face designs included).", {"evidence_level": 2, "starting_certainty": Certainty.HIGH, "is_review": 0, "risk_of_bias_tool": BiasTool.ROB2}),
        Term("controlled_study", "Non-randomised controlled or cohort study", "A comparison group without randomisation, or a prospective cohort followed over time.", {"evidence_level": 3, "starting_certainty": Certainty.LOW, "is_review": 0, "risk_of_bias_tool": BiasTool.ROBINS_I}),
        Term("case_series", "Case series", "Treated patients described before and after, with no control group (including uncontrolled device trials and outbreak investigations).", {"evidence_level": 4, "starting_certainty": Certainty.LOW, "is_review": 0, "risk_of_bias_tool": BiasTool.UNCONTROLLED}),
        Term("case_report", "Case report", "One or a few patients described in detail; shows that something can happen, not how often.", {"evidence_level": 4, "starting_certainty": Certainty.VERY_LOW, "is_review": 0, "risk_of_bias_tool": BiasTool.UNCONTROLLED}),
        Term("narrative_review", "Narrative review or expert opinion", "A review without a systematic search, or a consensus of experts; opinion-level evidence.", {"evidence_level": 5, "starting_certainty": Certainty.VERY_LOW, "is_review": 1, "risk_of_bias_tool": BiasTool.NONE}),
        Term("reference_text", "Reference text", "A textbook chapter or clinical reference summary (such as StatPearls) stating established background knowledge; it can back a background fact, not a promised benefit.", {"evidence_level": 5, "starting_certainty": Certainty.VERY_LOW, "is_review": 0, "risk_of_bias_tool": BiasTool.NONE}),
        Term("mechanistic", "Animal, laboratory or mechanistic study", "Animal, in-vitro or engineering studies: evidence about mechanism, not about people's outcomes.", {"evidence_level": 5, "starting_certainty": Certainty.VERY_LOW, "is_review": 0, "risk_of_bias_tool": BiasTool.NONE}),
        Term("unclassified", "Not yet classified", "Loaded from an export file whose publication type suggested no design; a curator must classify it before it carries weight.", {"evidence_level": None, "starting_certainty": Certainty.VERY_LOW, "is_review": 0, "risk_of_bias_tool": BiasTool.NONE}),
        Term("regulatory", "Regulatory document", "A statement by a regulator (classification, guidance, safety communication). Not graded on the evidence scale: it records what an agency authorised or warned about, and counts as very low certainty on its own.", {"evidence_level": None, "starting_certainty": Certainty.VERY_LOW, "is_review": 0, "risk_of_bias_tool": BiasTool.NONE}),
    ),
    extra_columns=("evidence_level", "starting_certainty", "is_review", "risk_of_bias_tool"),
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
    "GRADE domains that can move a claim's certainty down (or, rarely, up) from its starting point. "
    "Only counted links (accepted by a reviewer, to a study whose identity is confirmed) are judged.",
    (
        Term(Domain.START, "Starting point", "Not a domain but where certainty starts: high when the best counted clinical evidence is randomised, low when observational or uncontrolled, very low with none (change is always 0)."),
        Term(Domain.RISK_OF_BIAS, "Risk of bias", "Down one level when no study setting the starting point is at low risk (randomised evidence) or when every one is at high risk; two when randomised evidence is all at high risk. Device-maker funding is named in the reason, and a tier resting only on industry-funded studies goes down one."),
        Term(Domain.INCONSISTENCY, "Inconsistency", "Down one level when counted clinical sources disagree (mixed or refuting beside supporting); two when the disagreeing evidence weighs as much as the support. A review and the studies it may include count once."),
        Term(Domain.INDIRECTNESS, "Indirectness", "Down one level when most of the weightiest evidence differs from the claim in population, intervention, comparator (active treatments only) or outcome; two when none is direct."),
        Term(Domain.IMPRECISION, "Imprecision", "Judged from confidence intervals where an estimate exists: down one when an interval crosses no effect. Without an interval: down one when fewer than 100 distinct participants or a single primary study; two when fewer than 30."),
        Term(Domain.PUBLICATION_BIAS, "Publication bias", "Not assessed: too few studies per claim for a funnel plot; recorded so that the gap is visible."),
    ),
)

VERDICTS = Vocabulary(
    "verdicts",
    "The plain answer for a claim, computed by the rules in kb/grading/verdicts.py (table `verdict_rules`).",
    (
        Term(Verdict.SUPPORTED, "Supported", "The evidence backs the claim as the article words it.", {"rank": 6}),
        Term(Verdict.PARTLY_SUPPORTED, "Partly supported", "True for some of what is claimed: some people, devices or outcomes, or with caveats the article omits.", {"rank": 5}),
        Term(Verdict.OVERSTATED, "Overstated", "The evidence supports a weaker claim than the article makes.", {"rank": 4}),
        Term(Verdict.INSUFFICIENT, "Insufficient evidence", "The evidence is too weak or too indirect to say.", {"rank": 3}),
        Term(Verdict.BACKGROUND, "Established background", "A background fact (how the skin or the procedure works) stated by reference texts and not contradicted; trials do not test it, so no certainty level is given.", {"rank": 5}),
        Term(Verdict.NO_EVIDENCE, "No evidence counted", "No reviewed source with a confirmed identity bears on this claim yet; the page says what was looked for and what is waiting for review.", {"rank": 3}),
        Term(Verdict.MISLEADING, "Misleading wording", "The wording contradicts how the evidence and regulators describe the procedure.", {"rank": 2}),
        Term(Verdict.CONTRADICTED, "Contradicted", "The evidence goes against the claim.", {"rank": 1}),
    ),
    extra_columns=("rank",),
)

OVERSTATING_VERDICTS = (Verdict.CONTRADICTED, Verdict.MISLEADING, Verdict.OVERSTATED, Verdict.INSUFFICIENT)
"""Verdicts that say an article's claim goes beyond its evidence: an article review lists these claims among its
overstatements (worst first).  "No evidence counted" is not among them: it says nothing was counted yet."""

ARTICLE_RATINGS = Vocabulary(
    "article_ratings",
    "The overall rating of a whole article in its review (table `article_reviews`), as fact-check sites rate a piece.",
    (
        Term(ArticleRating.ACCURATE, "Accurate", "The claims agree with the evidence, and nothing a reader needs is left out."),
        Term(ArticleRating.MOSTLY_ACCURATE, "Mostly accurate", "The claims agree with the evidence, with minor overstatements or omissions that do not change the overall picture."),
        Term(ArticleRating.MIXED, "Mixed", "Some central claims are backed by the evidence and others are not, about equally."),
        Term(ArticleRating.MISLEADING, "Misleading", "Some statements are accurate, but the central claims go beyond the evidence or leave out what would change a reader's view, so the overall impression is wrong."),
        Term(ArticleRating.INACCURATE, "Inaccurate", "The central claims are contradicted by the evidence."),
    ),
)

OMISSION_KINDS = Vocabulary(
    "omission_kinds",
    "What an article review says the article leaves out (table `article_omissions`).",
    (
        Term(OmissionKind.HARM, "Harm left out", "A harm the evidence shows and the article does not mention."),
        Term(OmissionKind.LIMIT, "Limit left out", "A limit of the evidence or of what regulators allow that the article does not mention."),
    ),
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

REVIEW_STATUSES = Vocabulary(
    "review_statuses",
    "Whether a link counts yet: only accepted links to studies whose identity is confirmed feed certainty and verdicts.",
    (
        Term(ReviewStatus.PROPOSED, "Proposed", "Added by a load or a curator and not yet reviewed; shown under 'not yet counted'."),
        Term(ReviewStatus.ACCEPTED, "Accepted", "A reviewer checked the stance, directness, rating and note against the verified facts; counts when the study's identity is confirmed."),
        Term(ReviewStatus.REJECTED, "Rejected", "A reviewer found the link wrong or irrelevant; kept for the record, never counted."),
    ),
)

COMPARATOR_KINDS = Vocabulary(
    "comparator_kinds",
    "What the microneedling arm of an outcome was compared with.",
    (
        Term(ComparatorKind.NONE, "None (before-after)", "No comparison group: the same people before and after treatment. Cannot separate the treatment from natural change."),
        Term(ComparatorKind.UNTREATED, "Untreated", "An untreated control group or untreated side of the body."),
        Term(ComparatorKind.SHAM, "Sham or placebo", "A sham device or placebo procedure."),
        Term(ComparatorKind.ACTIVE, "Active treatment", "Another active treatment (a laser, a peel, a drug): shows how microneedling compares, not that it beats doing nothing."),
        Term(ComparatorKind.COMBINATION, "Combination", "Microneedling plus an added agent against microneedling alone (an add-on trial), or the reverse."),
    ),
)

OUTCOME_KINDS = Vocabulary(
    "outcome_kinds",
    "What sort of result an outcome is.",
    (
        Term(OutcomeKind.EFFICACY, "Efficacy", "A measure of the benefit the treatment aims at."),
        Term(OutcomeKind.ADVERSE_EVENT, "Adverse event", "A harm or side effect, with numerators and denominators where stated."),
        Term(OutcomeKind.MECHANISM, "Mechanism", "A biological or histological measure (collagen, elastin, gene expression), a surrogate for what people notice."),
    ),
)

EFFECT_DIRECTIONS = Vocabulary(
    "effect_directions",
    "Which arm an outcome favours, as the source reports it.",
    (
        Term(EffectDirection.FAVOURS_MICRONEEDLING, "Favours microneedling", "The microneedling arm did better than its comparator."),
        Term(EffectDirection.FAVOURS_COMPARATOR, "Favours comparator", "The comparator did better (in add-on trials, the combination)."),
        Term(EffectDirection.NO_DIFFERENCE, "No difference", "No clear difference between the arms."),
        Term(EffectDirection.NOT_COMPARATIVE, "Not comparative", "A before-after or single-arm result: no comparison was made."),
    ),
)

RISK_OF_BIAS_TOOLS = Vocabulary(
    "risk_of_bias_tools",
    "Which risk-of-bias tool a design is judged with.",
    (
        Term(BiasTool.ROB2, "RoB 2", "Cochrane's tool for randomised trials: five domains."),
        Term(BiasTool.ROBINS_I, "ROBINS-I", "Cochrane's tool for non-randomised comparative studies: seven domains."),
        Term(BiasTool.UNCONTROLLED, "Uncontrolled (high by definition)", "Case series, before-after studies and case reports: with no control group the risk of bias is high whatever else is done well."),
        Term(BiasTool.NONE, "No domain tool", "Reviews, reference texts, regulation and animal studies: judged overall with a reason."),
    ),
)

BIAS_DOMAINS = Vocabulary(
    "bias_domains",
    "Risk-of-bias domains: RoB 2 for randomised trials, ROBINS-I for non-randomised comparative studies.",
    (
        Term("rob2_randomisation", "Randomisation process", "Was allocation random and concealed, and were the groups alike at baseline?", {"tool": BiasTool.ROB2}),
        Term("rob2_deviations", "Deviations from intended interventions", "Did participants and carers know the allocation, and did that change the care given?", {"tool": BiasTool.ROB2}),
        Term("rob2_missing_data", "Missing outcome data", "Were outcome data available for (nearly) everyone randomised?", {"tool": BiasTool.ROB2}),
        Term("rob2_measurement", "Measurement of the outcome", "Were assessors blinded, and was the measure appropriate and the same in each arm?", {"tool": BiasTool.ROB2}),
        Term("rob2_reported_result", "Selection of the reported result", "Was the result chosen from several measures or analyses after seeing the data?", {"tool": BiasTool.ROB2}),
        Term("robins_confounding", "Confounding", "Could differences between the groups, rather than the treatment, explain the result?", {"tool": BiasTool.ROBINS_I}),
        Term("robins_selection", "Selection of participants", "Was entry into the study related to both the treatment and the outcome?", {"tool": BiasTool.ROBINS_I}),
        Term("robins_classification", "Classification of interventions", "Was it clear who got which treatment?", {"tool": BiasTool.ROBINS_I}),
        Term("robins_deviations", "Deviations from intended interventions", "Did co-treatments or changes of treatment differ between groups?", {"tool": BiasTool.ROBINS_I}),
        Term("robins_missing_data", "Missing data", "Were outcome data missing unevenly?", {"tool": BiasTool.ROBINS_I}),
        Term("robins_measurement", "Measurement of outcomes", "Could knowing the treatment have influenced the assessment?", {"tool": BiasTool.ROBINS_I}),
        Term("robins_reported_result", "Selection of the reported result", "Was the reported result selected from several?", {"tool": BiasTool.ROBINS_I}),
    ),
    extra_columns=("tool",),
)

ROBUSTNESS_SCENARIOS = Vocabulary(
    "robustness_scenarios",
    "The sensitivity analyses run on every claim at build time: does the verdict or certainty change?",
    (
        Term(Scenario.DROP_LINK, "Drop one link", "Each counted link removed in turn."),
        Term(Scenario.WEAKEN_LINK, "Weaken one link", "Each supporting link moved one step weaker (supports to qualifies)."),
        Term(Scenario.DROP_PARTIAL, "Drop partly verified sources", "Every counted source whose record is only partly verified removed at once."),
        Term(Scenario.DROP_HIGH_RISK, "Drop high risk of bias", "Every counted study at high risk of bias removed at once."),
    ),
)

NOTICE_NATURES = Vocabulary(
    "notice_natures",
    "What a published notice about a study says (Retraction Watch's RetractionNature): a retracted study stops counting.",
    (
        Term(NoticeNature.RETRACTION, "Retraction", "The paper was retracted: its links stop counting towards any verdict, with the date and reason shown."),
        Term(NoticeNature.CORRECTION, "Correction", "A correction was published: the study still counts; the notice is shown beside it."),
        Term(NoticeNature.EXPRESSION_OF_CONCERN, "Expression of concern", "The journal raised a concern about the paper: it still counts, but it is flagged and its risk-of-bias reason says so."),
        Term(NoticeNature.REINSTATEMENT, "Reinstatement", "An earlier retraction or concern was withdrawn: notices dated before it no longer apply."),
    ),
)

SEARCH_SYNONYMS = Vocabulary(
    "search_synonyms",
    "Words the field uses for the same thing. Site search (`/-/search`) expands a query that names one of them to all "
    "of them, so that an abbreviation or a brand-like name finds the claims and studies that spell it out.",
    (
        Term("microneedling", "Microneedling", "The procedure under its clinical, trade and everyday names, and the devices that perform it.",
             {"synonyms": "microneedling|micro-needling|micro needling|microneedle|collagen induction therapy|CIT|"
                          "percutaneous collagen induction|skin needling|dermal needling|dermaroller|derma roller|derma-roller|"
                          "dermapen|derma pen|derma-pen|dermastamp|derma stamp|needling"}),
        Term("pih", "Post-inflammatory hyperpigmentation", "Darkening of the skin after inflammation or injury, including after the procedure.",
             {"synonyms": "PIH|post-inflammatory hyperpigmentation|postinflammatory hyperpigmentation|post-inflammatory pigmentation"}),
        Term("dark_spots", "Dark spots and hyperpigmentation", "Patches darker than the surrounding skin, in everyday and clinical words.",
             {"synonyms": "hyperpigmentation|dark spots|dark marks|dark patches|age spots|sun spots|sunspots|discoloration|discolouration|uneven pigmentation"}),
        Term("melasma", "Melasma", "Symmetrical brown patches on the face, also called chloasma.",
             {"synonyms": "melasma|chloasma"}),
        Term("acne_scars", "Acne scars", "Scars left by acne, named by their shapes.",
             {"synonyms": "acne scars|atrophic scars|ice pick scars|boxcar scars|rolling scars|pockmarks|pock marks"}),
        Term("stretch_marks", "Stretch marks", "Linear scars of stretched skin.",
             {"synonyms": "stretch marks|striae|striae distensae|striae rubra|striae alba"}),
        Term("wrinkles", "Wrinkles", "Lines and creases of ageing skin.",
             {"synonyms": "wrinkles|fine lines|rhytides|crow's feet"}),
        Term("redness", "Redness", "Redness of the skin after treatment.",
             {"synonyms": "redness|erythema"}),
        Term("swelling", "Swelling", "Swelling of the treated skin.",
             {"synonyms": "swelling|oedema|edema"}),
        Term("darker_skin", "Darker skin types", "Skin of colour, Fitzpatrick types IV to VI.",
             {"synonyms": "darker skin|dark skin|skin of colour|skin of color|Fitzpatrick"}),
        Term("prp", "Platelet-rich plasma", "A blood product applied with microneedling (the 'vampire facial').",
             {"synonyms": "PRP|platelet-rich plasma|platelet rich plasma|vampire facial"}),
        Term("radiofrequency", "Radiofrequency microneedling", "Needles that also deliver radiofrequency energy.",
             {"synonyms": "radiofrequency microneedling|RF microneedling|fractional radiofrequency|RF"}),
        Term("tranexamic_acid", "Tranexamic acid", "A drug used against melasma, sometimes delivered by microneedling.",
             {"synonyms": "tranexamic acid|TXA"}),
        Term("absorption", "Absorption of products", "Delivery of topical products through the skin.",
             {"synonyms": "absorption|penetration|transdermal delivery|drug delivery"}),
    ),
    extra_columns=("synonyms",),
)

CHECK_WORD_SETS = Vocabulary(
    "check_word_sets",
    "Shared word lists for `kb check`: a claim's terms (`claim_terms`) name one as `@value` instead of repeating it, "
    "so that every benefit claim hears the same ways of saying that a treatment works. Each word matches words that "
    "start with it (ending in `$`, the whole word or its plural).",
    (
        Term("improves", "Improves", "Ways of saying that a treatment improves a condition, or is used for it: "
             "'fades', 'softens', 'helps with', 'makes less visible', 'ideal for', 'doctors turn to it for'.",
             {"words": "reduc|improv|fade|fading|diminish|smooth|soften|softer|minimi|treat$|treating|remov|gone|go away|"
                       "solution|eliminat|cure|pair|combin|heal$|visib|lessen|break down|better|clear|less noticeable|"
                       "less obvious|fewer|tackle|address|combat|fight|correct|refin|blur|blend|restor|repair|revers|"
                       "transform|difference|eras|rid of|goodbye|banish|vanish|disappear|melt|benefit|help|use|offer|"
                       "recommend|target|work on|respond|effective|results|option for|good for|great for|ideal for|"
                       "suitable for|perfect for|choice for|popular for|turn to|go to|reach for|one of the best|tool|works|"
                       "candidate|concern|flatten|fill$|shallower|less deep|come in for|come to us for|book for|"
                       "reason people|never have to|stand a chance|treatment for|treatments for|procedure for|wipe|shines|"
                       "ease$|eased|easing"}),
    ),
    extra_columns=("words",),
)
"""Word lists shared by claims' check terms (``@improves``)."""

PROCEDURE = SEARCH_SYNONYMS.terms[0]
"""The procedure under all its names: `kb check` reads "collagen induction therapy" or "dermapen" as naming the
procedure, not as a claim about collagen."""

ALL = (
    CLAIM_KINDS, TOPICS, STANCES, DIRECTNESS, RISK_OF_BIAS, STUDY_DESIGNS,
    CERTAINTY_LEVELS, CERTAINTY_DOMAINS, VERDICTS, VERIFICATION_STATUSES, SUPPORT_RATINGS,
    REVIEW_STATUSES, COMPARATOR_KINDS, OUTCOME_KINDS, EFFECT_DIRECTIONS, RISK_OF_BIAS_TOOLS, BIAS_DOMAINS,
    ROBUSTNESS_SCENARIOS, SEARCH_SYNONYMS, CHECK_WORD_SETS, ARTICLE_RATINGS, OMISSION_KINDS, NOTICE_NATURES,
)


def certainty_rank(level: str) -> int:
    """4 for high down to 1 for very low."""
    return CERTAINTY_LEVELS.term(level).extra["rank"]


def certainty_from_rank(rank: int) -> Certainty:
    """The certainty level for a rank, clamped to the scale."""
    rank = max(1, min(4, rank))
    return next(Certainty(t.value) for t in CERTAINTY_LEVELS.terms if t.extra["rank"] == rank)
