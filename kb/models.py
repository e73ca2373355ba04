"""The schema, defined once as SQLModel tables.

Each model is one table of ``kb.db``.  Field descriptions are the column
documentation: ``kb metadata`` publishes them in ``metadata.json`` for
Datasette, and ``docs/data.md`` points here.

Tables marked with ``__data_file__`` are read from a CSV file in ``data/``
(one file per table).  Columns listed in ``__computed__`` are not in the
file: the build fills them (article text, lookups, summaries).
Lookup tables are generated from :mod:`kb.vocab`.
"""

from __future__ import annotations

import types
from typing import ClassVar, Optional

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from kb import vocab


def _lookup_model(vocabulary: vocab.Vocabulary) -> type[SQLModel]:
    """A lookup-table model for one vocabulary: value, label, description (+ extras)."""
    annotations = {"value": str, "label": str, "description": str}
    namespace = {
        "__tablename__": vocabulary.table,
        "__doc__": vocabulary.description,
        "value": Field(primary_key=True, description="The value used in other tables."),
        "label": Field(description="A short human label."),
        "description": Field(description="What the value means."),
    }
    for column in vocabulary.extra_columns:
        sample = next((t.extra[column] for t in vocabulary.terms if t.extra.get(column) is not None), "")
        annotations[column] = Optional[type(sample)]
        namespace[column] = Field(default=None, description=_EXTRA_COLUMN_DOCS[column])
    namespace["__annotations__"] = annotations
    name = "".join(part.title() for part in vocabulary.table.split("_"))
    return types.new_class(name, (SQLModel,), {"table": True}, lambda ns: ns.update(namespace))


_EXTRA_COLUMN_DOCS = {
    "evidence_level": "Oxford CEBM 2011-style level: 1 strongest to 5 weakest; empty for regulatory documents.",
    "starting_certainty": "GRADE certainty a body of evidence starts from when this is its best design.",
    "is_review": "1 when the design summarises other studies (reviews), 0 for primary studies.",
    "rank": "Order of the value, higher is stronger or more favourable.",
    "risk_of_bias_tool": "The risk-of-bias tool studies of this design are judged with (see risk_of_bias_tools).",
    "tool": "The risk-of-bias tool the domain belongs to (see risk_of_bias_tools).",
    "synonyms": "The words a search expands to, separated by |; a query naming any of them searches for all of them.",
    "words": "The words of the list, separated by |; each matches words that start with it (ending in $, the whole word or its plural).",
}

LOOKUP_MODELS: dict[str, type[SQLModel]] = {v.table: _lookup_model(v) for v in vocab.ALL}


def _lookup(vocabulary: vocab.Vocabulary) -> str:
    return f"{vocabulary.table}.value"


class Article(SQLModel, table=True):
    """Documents that make claims; the seed consumer article is the first."""

    __tablename__ = "articles"
    __data_file__: ClassVar[str] = "articles.csv"
    __computed__: ClassVar[tuple[str, ...]] = ("text",)

    id: str = Field(primary_key=True, description="Stable slug of the article.")
    title: str = Field(description="Title as shown on the page.")
    site: str = Field(default="", description="Web site that published it; empty where the archived copy does not show it.")
    author_as_shown: str = Field(default="", description="Author name exactly as the page shows it.")
    url: str = Field(default="", description="Address of the original; empty where the archived copy does not record it.")
    text_file: str = Field(description="Path of the archived text under data/, the source the quotes are checked against.")
    text_sha256: str = Field(description="SHA-256 of the archived text file; the build refuses a changed text.")
    notes: str = Field(default="", description="Curator notes on the source.")
    text: str = Field(default="", description="Full archived text (filled by the build from text_file).")


class Claim(SQLModel, table=True):
    """One assertion an article makes, anchored to its exact words."""

    __tablename__ = "claims"
    __data_file__: ClassVar[str] = "claims.csv"

    id: str = Field(primary_key=True, description="Stable slug of the claim.")
    article_id: str = Field(foreign_key="articles.id", description="The article that makes the claim.")
    quote: str = Field(description="The claim's exact words, verbatim from the article text.")
    quote_start: int = Field(description="Character offset where the quote starts in the article text (0-based).")
    quote_end: int = Field(description="Character offset just after the quote ends.")
    statement: str = Field(description="A neutral one-sentence statement of what is claimed.")
    kind: str = Field(foreign_key=_lookup(vocab.CLAIM_KINDS), description="benefit, risk, safety or description (see claim_kinds).")
    topic: str = Field(foreign_key=_lookup(vocab.TOPICS), description="Subject of the claim (see topics).")
    population: str = Field(default="", description="The people the claim is about, where the article names them.")
    outcome: str = Field(default="", description="The outcome the claim promises or warns of, where the article names it.")
    scope_note: str = Field(default="", description="Why the claim was drawn this way (for example, why a bundled sentence was split).")
    no_evidence_reason: str = Field(default="", description="Filled when no source bears on the claim: what was looked for.")
    improves_without_treatment: int = Field(default=0, description="1 when the outcome can improve on its own (scars maturing, irritation settling, pigment fading): uncontrolled before-after evidence then cannot alone support a benefit.")
    natural_course_note: str = Field(default="", description="For improves_without_treatment: how the outcome changes untreated, in the curator's words.")
    override_verdict: Optional[str] = Field(default=None, foreign_key=_lookup(vocab.VERDICTS), description="Curator's verdict replacing the computed one; needs override_reason and override_by.")
    override_certainty: Optional[str] = Field(default=None, foreign_key=_lookup(vocab.CERTAINTY_LEVELS), description="Curator's certainty replacing the computed one; needs override_reason and override_by.")
    override_reason: str = Field(default="", description="Why the curator overrode the computed value.")
    override_by: str = Field(default="", description="Name of the curator who made the override.")


class Study(SQLModel, table=True):
    """Evidence sources: papers, reviews, regulatory documents."""

    __tablename__ = "studies"
    __data_file__: ClassVar[str] = "studies.csv"
    __computed__: ClassVar[tuple[str, ...]] = ("evidence_level", "darker_skin_included", "identity_confirmed", "identity_gaps", "notice", "notice_text")

    id: str = Field(primary_key=True, description="Stable slug of the study (the bibliography key where it came from there).")
    title: str = Field(default="", description="Title as verified; empty where it could not be confirmed.")
    authors: str = Field(default="", description="Authors as verified ('Surname AB, ...'); empty where unconfirmed.")
    first_author: str = Field(default="", description="First author or issuing body.")
    journal: str = Field(default="", description="Journal or publishing body.")
    year: Optional[int] = Field(default=None, index=True, description="Year of publication; empty where unconfirmed.")
    volume: str = Field(default="", description="Journal volume.")
    issue: str = Field(default="", description="Journal issue.")
    pages: str = Field(default="", description="Page range.")
    doi: Optional[str] = Field(default=None, unique=True, description="DOI as verified (no resolver prefix); empty where none was confirmed.")
    pmid: Optional[str] = Field(default=None, unique=True, description="PubMed id; empty where none was confirmed.")
    pmcid: Optional[str] = Field(default=None, unique=True, description="PubMed Central id (PMC...); empty where none was confirmed.")
    design: str = Field(foreign_key=_lookup(vocab.STUDY_DESIGNS), description="Study design (see study_designs), which sets the evidence level.")
    design_as_reported: str = Field(default="", description="The design in the source's or verifier's words.")
    design_is_guess: int = Field(default=0, description="1 when the design was guessed by a loader and not yet confirmed by a curator.")
    n_participants: Optional[int] = Field(default=None, description="People analysed (completers where given; pooled patients for reviews); empty when unknown or not people.")
    n_as_reported: str = Field(default="", description="Sample size in the source's words (enrolled, completed, studies).")
    population: str = Field(default="", description="Who was studied, including Fitzpatrick skin types where known.")
    fitzpatrick_min: Optional[int] = Field(default=None, description="Lightest Fitzpatrick skin type included (1-6), where reported.")
    fitzpatrick_max: Optional[int] = Field(default=None, description="Darkest Fitzpatrick skin type included (1-6), where reported.")
    risk_of_bias: str = Field(foreign_key=_lookup(vocab.RISK_OF_BIAS), description="Curator's risk-of-bias judgement (see risk_of_bias_levels).")
    risk_of_bias_reason: str = Field(default="", description="Why, in a few words; names device-maker funding where there is any.")
    funding_coi: str = Field(default="", description="Funding and conflicts of interest as the verified record states them; empty where not stated.")
    industry_funded: Optional[int] = Field(default=None, description="1 when a device or product maker sponsored the study or an author has ties to one, 0 when the record states there are none, empty when not stated.")
    verification: str = Field(foreign_key=_lookup(vocab.VERIFICATION_STATUSES), description="How far the record was verified (see verification_statuses).")
    url: str = Field(default="", description="The public record the metadata was checked against (first of verified_urls).")
    abstract: str = Field(default="", description="Abstract as given by a loaded export file; empty for studies from the verified bibliography.")
    added_by_load: Optional[str] = Field(default=None, foreign_key="loads.id", description="The load that added this study (empty for studies curated from the verified bibliography).")
    changed_by_load: Optional[str] = Field(default=None, foreign_key="loads.id", description="The load that last changed this study (filled empty fields).")
    evidence_level: Optional[int] = Field(default=None, index=True, description="Evidence level from the design (filled by the build).")
    darker_skin_included: Optional[int] = Field(default=None, description="1 when Fitzpatrick IV-VI are included, 0 when not, empty when unknown (filled by the build).")
    identity_confirmed: int = Field(default=0, description="1 when the title and at least one identifier (DOI, PMID, PMCID, trial registry id or the issuing agency's own page) are confirmed; only such studies count towards verdicts (filled by the build).")
    identity_gaps: str = Field(default="", description="Fields of the record nobody could confirm (filled by the build from the verification record).")
    notice: Optional[str] = Field(default=None, foreign_key=_lookup(vocab.NOTICE_NATURES), index=True, description="The notice that stands on the study (see study_notices): its latest retraction, expression of concern or correction not withdrawn by a later reinstatement; empty when none (filled by the build).")
    notice_text: str = Field(default="", description="That notice in words, as pages show it: 'retracted (2024-01-15): reason' (filled by the build).")


class StudyVerification(SQLModel, table=True):
    """The verification record each bibliography study was taken from: what was checked, where."""

    __tablename__ = "study_verifications"
    __data_file__: ClassVar[str] = "study_verifications.csv"

    study_id: str = Field(primary_key=True, foreign_key="studies.id", description="The study this record verifies.")
    source: str = Field(description="Where the record comes from (the verified bibliography file).")
    doi: Optional[str] = Field(default=None, description="DOI as verified.")
    pmid: Optional[str] = Field(default=None, description="PMID as verified.")
    pmcid: Optional[str] = Field(default=None, description="PMCID as verified.")
    verified_urls: str = Field(default="", description="Public records the fields were checked against, separated by ' | '.")
    verified_fields: str = Field(default="", description="Which fields each record confirmed.")
    completeness: str = Field(description="'complete', or 'missing:' and the fields that could not be confirmed.")


class ClaimEvidence(SQLModel, table=True):
    """Links: what one study says about one claim."""

    __tablename__ = "claim_evidence"
    __data_file__: ClassVar[str] = "claim_evidence.csv"
    __computed__: ClassVar[tuple[str, ...]] = ("counted", "not_counted_reason")

    claim_id: str = Field(primary_key=True, foreign_key="claims.id", description="The claim.")
    study_id: str = Field(primary_key=True, foreign_key="studies.id", description="The study.")
    stance: str = Field(foreign_key=_lookup(vocab.STANCES), description="What the study says about the claim (see stances).")
    directness: str = Field(foreign_key=_lookup(vocab.DIRECTNESS), description="Direct, or how it is indirect (see directness).")
    indirectness_reason: str = Field(default="", description="For indirect links: how the study differs from the claim.")
    rating: int = Field(description="1-5: how much weight this source carries for this claim, whatever its stance (see support_ratings).")
    note: str = Field(description="What this source shows about this claim, in the curator's words, saying no more than the verified facts.")
    stance_reason: str = Field(default="", description="Why the stance differs from the librarian's hint in the verified bibliography (required where it does).")
    review_status: str = Field(default="proposed", foreign_key=_lookup(vocab.REVIEW_STATUSES), description="Whether the link counts yet (see review_statuses); kb load adds proposed links.")
    reviewed_by: str = Field(default="", description="Who accepted or rejected the link.")
    reviewed_on: str = Field(default="", description="When (YYYY-MM-DD).")
    added_by_load: Optional[str] = Field(default=None, foreign_key="loads.id", description="The load that added this link (empty for links curated by hand).")
    changed_by_load: Optional[str] = Field(default=None, foreign_key="loads.id", description="The load that last changed this link.")
    counted: int = Field(default=0, description="1 when the link feeds certainty and verdict: accepted, to a study whose identity is confirmed and that is not retracted (filled by the build).")
    not_counted_reason: str = Field(default="", description="Why the link does not count yet (filled by the build).")


class StudyInclusion(SQLModel, table=True):
    """Which primary studies a review includes, so that their participants count once."""

    __tablename__ = "study_inclusions"
    __data_file__: ClassVar[str] = "study_inclusions.csv"

    review_id: str = Field(primary_key=True, foreign_key="studies.id", description="The review.")
    study_id: str = Field(primary_key=True, foreign_key="studies.id", description="A study the review includes.")
    note: str = Field(default="", description="Where the inclusion is recorded.")


class StudyBiasDomain(SQLModel, table=True):
    """Risk of bias by domain: RoB 2 for randomised trials, ROBINS-I for non-randomised comparative studies."""

    __tablename__ = "study_bias_domains"
    __data_file__: ClassVar[str] = "study_bias_domains.csv"

    study_id: str = Field(primary_key=True, foreign_key="studies.id", description="The study.")
    domain: str = Field(primary_key=True, foreign_key=_lookup(vocab.BIAS_DOMAINS), description="The domain (see bias_domains); it must belong to the tool of the study's design.")
    judgement: str = Field(foreign_key=_lookup(vocab.RISK_OF_BIAS), description="low, some_concerns or high for this domain.")
    reason: str = Field(description="What the verified record shows, in the curator's words.")


class Outcome(SQLModel, table=True):
    """One measured result of one study: comparator, estimate, interval, follow-up (from the verified outcomes table)."""

    __tablename__ = "outcomes"
    __data_file__: ClassVar[str] = "outcomes.csv"

    id: str = Field(primary_key=True, description="Stable id: the study id and a number.")
    study_id: str = Field(foreign_key="studies.id", description="The study that reports it.")
    outcome: str = Field(description="What was measured, as the source describes it.")
    outcome_kind: str = Field(foreign_key=_lookup(vocab.OUTCOME_KINDS), description="Efficacy, adverse event or mechanism (see outcome_kinds).")
    measure_group: str = Field(default="", description="Curated name shared by outcomes that measure the same thing, so that they can be pooled (empty: not comparable with others).")
    intervention: str = Field(default="", description="The microneedling arm: device, depth, sessions, added agent.")
    comparator: str = Field(default="", description="The comparator as printed.")
    comparator_kind: str = Field(foreign_key=_lookup(vocab.COMPARATOR_KINDS), description="What kind of comparator (see comparator_kinds).")
    effect_measure: str = Field(default="", description="The effect measure as printed ('other:...' where it is not a standard one).")
    estimate: Optional[float] = Field(default=None, description="The estimate as printed; empty where none is shown.")
    ci_low: Optional[float] = Field(default=None, description="Lower bound of the confidence interval as printed.")
    ci_high: Optional[float] = Field(default=None, description="Upper bound of the confidence interval as printed.")
    ci_level: Optional[float] = Field(default=None, description="Confidence level of the interval (0.95 unless the source prints another).")
    p_value: str = Field(default="", description="The p value as printed (may be '<0.05').")
    n_intervention: Optional[int] = Field(default=None, description="Participants in the microneedling arm, where stated plainly.")
    n_comparator: Optional[int] = Field(default=None, description="Participants in the comparator arm (split-face trials: the same people).")
    follow_up: str = Field(default="", description="When the outcome was measured.")
    events_intervention: Optional[int] = Field(default=None, description="Adverse events: people with the event in the microneedling arm.")
    total_intervention: Optional[int] = Field(default=None, description="Adverse events: people at risk in the microneedling arm.")
    events_comparator: Optional[int] = Field(default=None, description="Adverse events: people with the event in the comparator arm.")
    total_comparator: Optional[int] = Field(default=None, description="Adverse events: people at risk in the comparator arm.")
    direction: str = Field(foreign_key=_lookup(vocab.EFFECT_DIRECTIONS), description="Which arm the result favours (see effect_directions).")
    fitzpatrick: str = Field(default="", description="Fitzpatrick skin types included, as stated.")
    funding_coi: str = Field(default="", description="Funding or conflicts of interest as stated ('not stated' otherwise).")
    source_url: str = Field(description="Where the numbers were read.")
    note: str = Field(default="", description="One line on what the row means.")


class OutcomeClaim(SQLModel, table=True):
    """Which claims each outcome informs."""

    __tablename__ = "outcome_claims"
    __data_file__: ClassVar[str] = "outcome_claims.csv"

    outcome_id: str = Field(primary_key=True, foreign_key="outcomes.id", description="The outcome.")
    claim_id: str = Field(primary_key=True, foreign_key="claims.id", description="A claim the outcome bears on.")


class Load(SQLModel, table=True):
    """Every run of `kb load` that changed the knowledge base: which file, what it added, merged and rejected."""

    __tablename__ = "loads"
    __data_file__: ClassVar[str] = "loads.csv"

    id: str = Field(primary_key=True, description="Stable id: start time (UTC) and the first 8 hex digits of the file's SHA-256.")
    file_name: str = Field(description="Name of the loaded file (without its folder).")
    file_sha256: str = Field(index=True, description="SHA-256 of the file's bytes.")
    format: str = Field(description="Format the file was read as (see `kb load --help`).")
    started_at: str = Field(index=True, description="UTC time the load started (ISO 8601).")
    finished_at: str = Field(description="UTC time the load's records were written (ISO 8601).")
    n_read: int = Field(description="Records read from the file.")
    n_added: int = Field(description="New studies added.")
    n_merged: int = Field(description="Records that matched an existing study and filled some of its empty fields.")
    n_unchanged: int = Field(description="Records that matched an existing study and changed nothing.")
    n_rejected: int = Field(description="Records rejected as invalid (loaded with --skip-invalid).")
    n_links_added: int = Field(description="Claim links added.")
    n_notices_added: int = Field(description="Notices (retractions, corrections, expressions of concern, reinstatements) recorded on studies (see study_notices).")
    command: str = Field(default="", description="The command line that ran the load (empty when called from Python).")
    kb_version: str = Field(description="Version of the kb package that ran it.")
    undone_at: str = Field(default="", description="UTC time `kb unload` reverted everything the load added and filled in (ISO 8601); empty while the load stands.")


class SearchLog(SQLModel, table=True):
    """Each literature search a curator ran for a claim (PRISMA-style): so that "nothing found" is told apart from "not looked"."""

    __tablename__ = "search_log"
    __data_file__: ClassVar[str] = "search_log.csv"

    claim_id: str = Field(primary_key=True, foreign_key="claims.id", description="The claim searched for.")
    searched_on: str = Field(primary_key=True, description="Date the search was run (YYYY-MM-DD).")
    database: str = Field(primary_key=True, description="Where it was run (PubMed, Embase, Cochrane Library, Google Scholar...).")
    query: str = Field(description="The query string exactly as run.")
    n_found: int = Field(description="Records the search identified.")
    n_screened: int = Field(description="Records screened (after duplicates were removed); at most n_found.")
    n_included: int = Field(description="Records included as evidence for the claim; at most n_screened.")
    searched_by: str = Field(description="Who ran the search.")


class StudyNotice(SQLModel, table=True):
    """Retractions, corrections, expressions of concern and reinstatements published about studies (from Retraction Watch)."""

    __tablename__ = "study_notices"
    __data_file__: ClassVar[str] = "study_notices.csv"

    study_id: str = Field(primary_key=True, foreign_key="studies.id", description="The study the notice is about.")
    source: str = Field(primary_key=True, description="Where the notice was recorded: 'retraction-watch:' and the Retraction Watch record id.")
    nature: str = Field(foreign_key=_lookup(vocab.NOTICE_NATURES), description="What the notice says (see notice_natures).")
    notice_date: str = Field(index=True, description="Date the notice was published (YYYY-MM-DD).")
    reason: str = Field(default="", description="The reasons given, as Retraction Watch records them ('; '-separated).")
    notice_doi: str = Field(default="", description="DOI of the notice itself, where it has one.")
    notice_pmid: str = Field(default="", description="PubMed id of the notice itself, where it has one.")
    load_id: Optional[str] = Field(default=None, foreign_key="loads.id", description="The load that recorded the notice (empty when a curator entered it).")


class LoadRejection(SQLModel, table=True):
    """Records a load rejected (with --skip-invalid), and why."""

    __tablename__ = "load_rejections"
    __data_file__: ClassVar[str] = "load_rejections.csv"

    load_id: str = Field(primary_key=True, foreign_key="loads.id", description="The load.")
    record: int = Field(primary_key=True, description="1-based index of the record in its file.")
    field: str = Field(primary_key=True, description="The field at fault ('' for the whole record).")
    location: str = Field(description="Where the record is in the file (record number, line).")
    message: str = Field(description="What is wrong, in plain words.")


class LoadFill(SQLModel, table=True):
    """Fields a load filled in on studies it did not add, with the values before, so that `kb unload` can revert them exactly."""

    __tablename__ = "load_fills"
    __data_file__: ClassVar[str] = "load_fills.csv"

    load_id: str = Field(primary_key=True, foreign_key="loads.id", description="The load.")
    study_id: str = Field(primary_key=True, foreign_key="studies.id", description="The study it filled in.")
    field: str = Field(primary_key=True, description="The column of studies.csv (changed_by_load included).")
    old_value: str = Field(default="", description="The value before the load (empty for a filled field: loads only fill empty ones).")
    new_value: str = Field(default="", description="The value the load wrote; if the field holds anything else now, a later change depends on it.")


class ClaimTerm(SQLModel, table=True):
    """Curated wording that signals a claim in other texts (used by `kb check`): every group must be present."""

    __tablename__ = "claim_terms"
    __data_file__: ClassVar[str] = "claim_terms.csv"

    claim_id: str = Field(primary_key=True, foreign_key="claims.id", description="The claim.")
    concept: int = Field(primary_key=True, description="Concept group number; a sentence matches the claim when it has a term of every group. Group 1 is the core concept, whose negation reverses the sentence's direction. Group 0 (optional) lists terms that rule the claim out; group -1 (optional) lists terms without which a sentence cannot deny the claim.")
    terms: str = Field(description="Alternatives separated by '|': each matches a word starting with it, or ending with '$' the whole word or its plural ('scar$' is not 'scary'), spaces also matching hyphens or nothing. A core term found only inside a longer core term of another claim ('scar' in 'surgical scar') does not count. A term '@name' stands for the shared word list 'name' of the check_word_sets table. In group 1, a term starting with '!' says the opposite of the bare concept ('!should avoid' beside 'suitable').")
    note: str = Field(default="", description="Why these terms.")


class OverstatementFlag(SQLModel, table=True):
    """Wording that goes beyond what the evidence supports, flagged by `kb check`."""

    __tablename__ = "overstatement_flags"
    __data_file__: ClassVar[str] = "overstatement_flags.csv"

    id: str = Field(primary_key=True, description="Stable slug of the flag.")
    label: str = Field(description="Short name shown in reports.")
    pattern: str = Field(description="Python regular expression, matched case-insensitively within one sentence.")
    why: str = Field(description="One line: why this wording overstates the evidence.")
    claim_id: Optional[str] = Field(default=None, foreign_key="claims.id", description="The claim whose evidence the flag points at (empty for flags about evidence in general).")


class ArticleReview(SQLModel, table=True):
    """A review of a whole article, as fact-check sites publish one: the overall rating and the key takeaway.

    The counts by verdict and the overstatements on the article page are computed from ``claim_summary``; only the
    judgement and its words are curated here."""

    __tablename__ = "article_reviews"
    __data_file__: ClassVar[str] = "article_reviews.csv"

    article_id: str = Field(primary_key=True, foreign_key="articles.id", description="The article reviewed.")
    rating: str = Field(foreign_key=_lookup(vocab.ARTICLE_RATINGS), description="Overall rating of the article (see article_ratings).")
    takeaway: str = Field(description="One paragraph: the key takeaway and why the rating, saying no more than the verdicts and the verified facts.")
    reviewed_by: str = Field(description="Who wrote the review.")
    reviewed_on: str = Field(description="When the review was written (YYYY-MM-DD); it reflects the verdicts of that day.")
    archived_on: str = Field(default="", description="When the archived copy of the article was made (YYYY-MM-DD); empty where it was not recorded.")


class ArticleOmission(SQLModel, table=True):
    """What an article leaves out: harms and limits the evidence shows and the article does not mention, with their sources."""

    __tablename__ = "article_omissions"
    __data_file__: ClassVar[str] = "article_omissions.csv"

    article_id: str = Field(primary_key=True, foreign_key="articles.id", description="The article.")
    id: str = Field(primary_key=True, description="Stable slug of the omission within the article.")
    kind: str = Field(foreign_key=_lookup(vocab.OMISSION_KINDS), description="harm or limit (see omission_kinds).")
    text: str = Field(description="What is left out, in the curator's words, saying no more than the sources' verified facts.")
    study_ids: str = Field(description="The sources that show it: study ids separated by ';', each a row of studies.")


class ArticleOverstatement(SQLModel, table=True):
    """One-line wording for an article's main overstatements: claims whose verdict says they go beyond the evidence.

    Which claims are overstatements is computed from ``claim_summary`` (kb.vocab.OVERSTATING_VERDICTS); a line here
    is shown only while its claim's verdict is one of them."""

    __tablename__ = "article_overstatements"
    __data_file__: ClassVar[str] = "article_overstatements.csv"

    claim_id: str = Field(primary_key=True, foreign_key="claims.id", description="The claim that overstates.")
    rank: int = Field(description="Order among the article's main overstatements (1 first).")
    text: str = Field(description="One line: what the article says and what the evidence shows instead.")


class BuildInfo(SQLModel, table=True):
    """When and from which state of data/ the database was built."""

    __tablename__ = "build_info"

    id: int = Field(default=1, primary_key=True, description="Always 1: one build per database.")
    built_at: str = Field(description="UTC time the build finished (ISO 8601).")
    data_sha256: str = Field(description="SHA-256 over every file in data/, so a build can be traced to its sources.")
    kb_version: str = Field(description="Version of the kb package that built it.")
    n_claims: int = Field(description="Claims in this build.")
    n_studies: int = Field(description="Studies in this build.")
    n_links: int = Field(description="Claim-study links in this build.")


DATA_MODELS: tuple[type[SQLModel], ...] = (
    Load, LoadRejection, Article, Claim, Study, StudyVerification, ClaimEvidence, StudyInclusion, StudyBiasDomain,
    Outcome, OutcomeClaim, LoadFill, ClaimTerm, OverstatementFlag, ArticleReview, ArticleOmission, ArticleOverstatement,
    StudyNotice, SearchLog,
)


def data_columns(model: type[SQLModel]) -> list[str]:
    """The columns of ``model`` that its data file holds, in table order."""
    computed = set(getattr(model, "__computed__", ()))
    return [c.name for c in model.__table__.columns if c.name not in computed]


def primary_key(model: type[SQLModel]) -> list[str]:
    return [c.name for c in model.__table__.primary_key.columns]


class ClaimCertainty(SQLModel, table=True):
    """The GRADE domains behind each claim's certainty: one row per claim and domain, with the reason."""

    __tablename__ = "claim_certainty"

    claim_id: str = Field(primary_key=True, foreign_key="claims.id", description="The claim.")
    domain: str = Field(primary_key=True, foreign_key=_lookup(vocab.CERTAINTY_DOMAINS), description="GRADE domain (see certainty_domains).")
    change: int = Field(description="Levels moved: 0 no change, -1 or -2 down, +1 up.")
    reason: str = Field(description="Why, naming the studies concerned.")


class ClaimSummary(SQLModel, table=True):
    """One row per claim: the verdict, how sure, based on what. Start here."""

    __tablename__ = "claim_summary"

    claim_id: str = Field(primary_key=True, foreign_key="claims.id", description="The claim.")
    statement: str = Field(description="What is claimed, in neutral words.")
    kind: str = Field(foreign_key=_lookup(vocab.CLAIM_KINDS), description="benefit, risk, safety or description.")
    topic: str = Field(foreign_key=_lookup(vocab.TOPICS), description="Subject of the claim.")
    verdict: str = Field(foreign_key=_lookup(vocab.VERDICTS), description="Final verdict: the curator's override where there is one, else the computed one.")
    certainty: Optional[str] = Field(default=None, foreign_key=_lookup(vocab.CERTAINTY_LEVELS), description="Final certainty: the curator's override where there is one, else the computed one; empty when no evidence counts or the claim is established background.")
    computed_verdict: str = Field(foreign_key=_lookup(vocab.VERDICTS), description="Verdict from the rules in kb/grading/verdicts.py.")
    verdict_rule: int = Field(foreign_key="verdict_rules.rule", description="Which verdict rule decided it (see verdict_rules).")
    computed_certainty: Optional[str] = Field(default=None, foreign_key=_lookup(vocab.CERTAINTY_LEVELS), description="Certainty from the GRADE domains (see claim_certainty); empty when nothing counts.")
    starting_certainty: Optional[str] = Field(default=None, foreign_key=_lookup(vocab.CERTAINTY_LEVELS), description="Where the certainty started, from the best counted clinical design.")
    overridden: int = Field(description="1 when a curator overrode the verdict or the certainty.")
    n_supports: int = Field(description="Links that support the claim.")
    n_qualifies: int = Field(description="Links that qualify it.")
    n_mixed: int = Field(description="Links with mixed findings.")
    n_refutes: int = Field(description="Links that refute it.")
    n_studies: int = Field(description="Distinct studies whose links count.")
    n_independent: int = Field(description="Independent bodies of counted evidence: a review and the primary studies it includes, or may include, count once.")
    n_not_counted: int = Field(description="Links shown but not yet counted (proposed, rejected, or the study's identity unconfirmed).")
    n_participants: int = Field(description="Distinct participants (lower bound; a review and the studies it includes counted once).")
    best_evidence_level: Optional[int] = Field(default=None, description="Strongest evidence level among linked studies (1 best).")
    key_sources: str = Field(description="The two or three most informative counted studies (ids).")
    why: str = Field(description="One plain sentence: why the verdict is what it is.")
    rationale: str = Field(description="Two to four sentences: the best evidence, what limits certainty, what the article gets wrong.")
    robust: int = Field(description="1 when no sensitivity analysis changes the verdict or the certainty (see claim_robustness).")
    robustness: str = Field(description="'robust', or what the verdict depends on.")


class ClaimRobustness(SQLModel, table=True):
    """Sensitivity analyses per claim: the verdict and certainty recomputed with evidence removed or weakened."""

    __tablename__ = "claim_robustness"

    claim_id: str = Field(primary_key=True, foreign_key="claims.id", description="The claim.")
    scenario: str = Field(primary_key=True, foreign_key=_lookup(vocab.ROBUSTNESS_SCENARIOS), description="What was changed (see robustness_scenarios).")
    study_id: str = Field(primary_key=True, description="The study removed or weakened ('' for scenarios that remove a group).")
    verdict: str = Field(foreign_key=_lookup(vocab.VERDICTS), description="The verdict in this scenario.")
    certainty: Optional[str] = Field(default=None, foreign_key=_lookup(vocab.CERTAINTY_LEVELS), description="The certainty in this scenario.")
    changed: int = Field(description="1 when verdict or certainty differs from the published one.")


class ClaimFinding(SQLModel, table=True):
    """Summary of findings per claim (GRADE's standard table): one row per outcome and comparator, counted evidence only."""

    __tablename__ = "claim_findings"

    claim_id: str = Field(primary_key=True, foreign_key="claims.id", description="The claim.")
    row: int = Field(primary_key=True, description="Order of the row on the claim page.")
    outcome: str = Field(description="What was measured.")
    outcome_kind: str = Field(foreign_key=_lookup(vocab.OUTCOME_KINDS), description="Efficacy, adverse event or mechanism.")
    comparator_kind: str = Field(foreign_key=_lookup(vocab.COMPARATOR_KINDS), description="Against what.")
    comparator: str = Field(description="The comparator(s) as printed.")
    n_studies: int = Field(description="Studies reporting it.")
    n_participants: Optional[int] = Field(default=None, description="Participants, where the sources state them.")
    certainty: Optional[str] = Field(default=None, foreign_key=_lookup(vocab.CERTAINTY_LEVELS), description="Certainty of this row: design, risk of bias, comparator and precision of these studies.")
    effect: str = Field(description="Estimate and interval, events per arm, or what the source reports.")
    follow_up: str = Field(description="When it was measured.")
    pooled: int = Field(description="1 when the row is a random-effects pool of two or more studies.")
    pooling_note: str = Field(description="How it was pooled, or why it could not be.")
    plain_language: str = Field(description="What the row means, in one sentence.")
    studies: str = Field(description="The studies behind the row (ids).")
    outcome_ids: str = Field(description="The outcomes behind the row (ids).")
    figure: str = Field(default="", description="Forest plot of the row (/-/figures/NAME), where one was drawn.")


class BuildHistory(SQLModel, table=True):
    """Every build of this database file whose data or verdicts differed from the build before it (kept beside kb.db in kb-history.sqlite)."""

    __tablename__ = "build_history"

    build: int = Field(primary_key=True, description="Build number, in the order the builds were made.")
    data_sha256: str = Field(index=True, description="Fingerprint of data/ the build was made from (as in build_info).")
    built_at: str = Field(description="UTC time of the build (ISO 8601).")


class VerdictHistory(SQLModel, table=True):
    """Each claim's verdict and certainty in each build, so that a verdict's course can be followed over time."""

    __tablename__ = "verdict_history"

    build: int = Field(primary_key=True, foreign_key="build_history.build", description="The build.")
    claim_id: str = Field(primary_key=True, description="The claim (it may since have been removed).")
    data_sha256: str = Field(description="Fingerprint of data/ the build was made from.")
    verdict: str = Field(foreign_key=_lookup(vocab.VERDICTS), description="The claim's final verdict in that build.")
    certainty: Optional[str] = Field(default=None, foreign_key=_lookup(vocab.CERTAINTY_LEVELS), description="The claim's final certainty in that build (empty when not graded).")


class VerdictChange(SQLModel, table=True):
    """Claims whose verdict or certainty moved from one build to the next, and why: the links, studies and overrides that changed."""

    __tablename__ = "verdict_changes"

    build: int = Field(primary_key=True, foreign_key="build_history.build", description="The build in which it moved.")
    claim_id: str = Field(primary_key=True, description="The claim (it may since have been removed).")
    previous_build: int = Field(description="The build it is compared with (the one just before).")
    old_verdict: Optional[str] = Field(default=None, foreign_key=_lookup(vocab.VERDICTS), description="Verdict in the previous build (empty for a new claim).")
    new_verdict: Optional[str] = Field(default=None, foreign_key=_lookup(vocab.VERDICTS), description="Verdict in this build (empty for a removed claim).")
    old_certainty: Optional[str] = Field(default=None, foreign_key=_lookup(vocab.CERTAINTY_LEVELS), description="Certainty in the previous build.")
    new_certainty: Optional[str] = Field(default=None, foreign_key=_lookup(vocab.CERTAINTY_LEVELS), description="Certainty in this build.")
    reason: str = Field(description="What changed for this claim: links added, removed or changed, studies whose design, risk of bias or size changed, overrides.")


class VerdictRuleRow(SQLModel, table=True):
    """The verdict rules of kb/grading/verdicts.py, in the order they are tried (first match wins)."""

    __tablename__ = "verdict_rules"

    rule: int = Field(primary_key=True, description="Order in which the rule is tried.")
    verdict: str = Field(foreign_key=_lookup(vocab.VERDICTS), description="Verdict given when the condition holds.")
    condition: str = Field(description="The condition, in words.")


def _index_foreign_keys() -> None:
    """Give every foreign-key column an index (unless it leads the primary key).

    Datasette joins on these columns for labels and "links from other
    tables"; without indexes those lookups scan whole tables.
    """
    for table in SQLModel.metadata.tables.values():
        leading = {index.columns[0].name for index in table.indexes if index.columns}
        leading.add(table.primary_key.columns[0].name)
        for column in table.columns:
            if column.foreign_keys and column.name not in leading:
                Index(f"ix_{table.name}_{column.name}", column)






class Figure(SQLModel, table=True):
    """Figures generated with the build (the evidence map), served by the kb plugin."""

    __tablename__ = "figures"

    name: str = Field(primary_key=True, description="File name the figure is served under (/-/figures/NAME).")
    media_type: str = Field(description="MIME type of the content.")
    content: str = Field(description="The figure itself (SVG text).")


ALL_MODELS: tuple[type[SQLModel], ...] = (
    *LOOKUP_MODELS.values(), *DATA_MODELS, BuildInfo, ClaimCertainty, ClaimSummary, ClaimRobustness, ClaimFinding,
    VerdictRuleRow, Figure, BuildHistory, VerdictHistory, VerdictChange,
)
"""Every table of kb.db (the FTS indexes aside)."""

_index_foreign_keys()
