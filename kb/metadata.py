"""What Datasette publishes: ``metadata.json`` generated from the schema.

Table and column descriptions come from the models' docstrings and field
descriptions, so documentation cannot drift from the schema; canned queries,
facets and label columns are declared here.  ``kb metadata`` writes the
file, and a test checks that the committed file matches.
"""

from __future__ import annotations

import json
from pathlib import Path

from sqlmodel import SQLModel

from kb import vocab
from kb.models import ALL_MODELS
from kb.vocab import ClaimKind, ComparatorKind, Directness, OutcomeKind, Scenario, Stance, Verification

DATABASE = "kb"
TITLE = "Microneedling claims and evidence"
"""The knowledge base's name: the site's title, and the organisation that signs its claim reviews."""
METADATA_PATH = Path("metadata.json")

SETTINGS = {
    "suggest_facets": False,
    "sql_time_limit_ms": 1000,
    "facet_time_limit_ms": 200,
    "default_page_size": 50,
    "max_returned_rows": 200,
    "allow_download": True,
}
"""Datasette settings for serving: fast and predictable by default."""

TABLE_OPTIONS: dict[str, dict] = {
    "claim_summary": {"label_column": "statement", "facets": ["verdict", "certainty", "kind"],
                      "sortable_columns": ["claim_id", "kind", "topic", "verdict", "certainty", "n_studies", "n_participants", "best_evidence_level"]},
    "claims": {"label_column": "statement", "facets": ["kind", "topic"],
               "sortable_columns": ["id", "kind", "topic", "quote_start"], "fts_table": "claims_fts", "fts_pk": "rowid"},
    "studies": {"label_column": "title", "facets": ["design", "notice"],
                "sortable_columns": ["id", "year", "design", "evidence_level", "n_participants", "risk_of_bias", "verification"],
                "fts_table": "studies_fts", "fts_pk": "rowid"},
    "claim_evidence": {"facets": ["stance", "directness"], "sortable_columns": ["claim_id", "study_id", "stance", "rating"]},
    "claim_certainty": {"facets": ["domain", "change"], "sortable_columns": ["claim_id", "domain", "change"]},
    "articles": {"label_column": "title"},
    "study_verifications": {"facets": ["completeness"]},
    "figures": {"hidden": True},
    "loads": {"label_column": "file_name", "facets": ["format"], "sortable_columns": ["id", "started_at", "n_read", "n_added", "n_merged", "n_rejected"]},
    "load_rejections": {"facets": ["load_id", "field"]},
    "load_fills": {"facets": ["load_id", "field"]},
    "search_log": {"facets": ["database", "searched_by"], "sortable_columns": ["claim_id", "searched_on", "n_found", "n_included"]},
    "study_notices": {"facets": ["nature", "load_id"], "sortable_columns": ["study_id", "notice_date", "nature"]},
    "verdict_rules": {"label_column": "condition"},
    "verdict_changes": {"facets": ["build", "new_verdict"], "sortable_columns": ["build", "claim_id"]},
    "verdict_history": {"facets": ["build", "verdict", "certainty"]},
}

LINKS = """
    SELECT ce.claim_id, ce.study_id, s.title, s.design, s.evidence_level, s.n_participants, s.population,
           ce.stance, ce.directness, ce.indirectness_reason, ce.rating, ce.note, s.doi, s.pmid
    FROM claim_evidence ce JOIN studies s ON s.id = ce.study_id"""


def _in(values) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


QUERIES: dict[str, dict] = {
    "evidence_for_claim": {
        "title": "All evidence for one claim, strongest first",
        "description": "Every study linked to a claim, the weightiest first (rating, then evidence level, 1 best; regulatory documents, which have no level, last), with stance, directness, whether it counts and the curator's note. Parameter: claim_id (for example acne-scar-reduction).",
        "sql": LINKS + "\n    WHERE ce.claim_id = :claim_id\n    ORDER BY ce.rating DESC, s.evidence_level IS NULL, s.evidence_level, ce.study_id",
    },
    "risk_and_safety_evidence": {
        "title": "Risk and safety claims with their evidence",
        "description": "Every link of every risk or safety claim, with the claim's verdict and certainty.",
        "sql": "SELECT cs.kind, cs.verdict, cs.certainty," + LINKS.replace("SELECT", "", 1) +
               f"\n    JOIN claim_summary cs ON cs.claim_id = ce.claim_id\n    WHERE +cs.kind IN {_in([ClaimKind.RISK, ClaimKind.SAFETY])}  -- '+': walk the links in claim order instead of sorting them all"
               "\n    ORDER BY ce.claim_id, ce.study_id",
    },
    "darker_skin_studies": {
        "title": "Studies that include darker skin types (Fitzpatrick IV-VI)",
        "description": "Studies whose reported Fitzpatrick range reaches type IV or darker, with the claims they bear on. Studies that do not report skin types are not listed.",
        "sql": """SELECT s.id, s.title, s.design, s.fitzpatrick_min, s.fitzpatrick_max, s.n_participants, s.population,
           (SELECT group_concat(ce.claim_id || ' (' || ce.stance || ')', '; ') FROM claim_evidence ce WHERE ce.study_id = s.id) AS claims
    FROM studies s
    WHERE s.fitzpatrick_max >= 4
    ORDER BY s.id""",
    },
    "conflicting_evidence": {
        "title": "Claims with conflicting evidence",
        "description": "Claims that have supporting links and also refuting, mixed or qualifying ones.",
        "sql": f"""SELECT cs.claim_id, cs.statement, cs.verdict, cs.certainty, cs.n_supports, cs.n_refutes, cs.n_mixed, cs.n_qualifies,
           (SELECT group_concat(study_id, ', ') FROM claim_evidence WHERE claim_id = cs.claim_id AND stance IN {_in([Stance.REFUTES, Stance.MIXED, Stance.QUALIFIES])}) AS disagreeing_studies
    FROM claim_summary cs
    WHERE cs.n_supports > 0 AND (cs.n_refutes + cs.n_mixed + cs.n_qualifies) > 0
    ORDER BY cs.claim_id""",
    },
    "incomplete_verification": {
        "title": "Studies whose verification is incomplete",
        "description": "Studies with fields that could not be confirmed against a public record, and which fields those are.",
        "sql": f"""SELECT s.id, s.title, s.first_author, s.year, s.doi, s.pmid, s.pmcid, s.verification, v.completeness, v.verified_urls
    FROM studies s LEFT JOIN study_verifications v ON v.study_id = s.id
    WHERE s.verification != '{Verification.COMPLETE}'
    ORDER BY s.id""",
    },
    "certainty_reasons": {  # not "certainty_domains": a query of a table's name hides the table in Datasette
        "title": "Why a claim has its certainty",
        "description": "The GRADE domains behind one claim's certainty, each with its decision and reason. Parameter: claim_id.",
        "sql": """SELECT cc.domain, d.label, cc.change, cc.reason
    FROM claim_certainty cc JOIN certainty_domains d ON d.value = cc.domain
    WHERE cc.claim_id = :claim_id
    ORDER BY cc.rowid""",
    },
    "single_study_verdicts": {
        "title": "Claims whose verdict depends on a single study",
        "description": "Claims whose computed verdict changes when one counted study is left out (the drop_link scenario of claim_robustness), with the verdict and certainty without it, and claims that rest on only one counted study.",
        "sql": f"""SELECT cs.claim_id, cs.statement, cs.verdict, cs.certainty, r.study_id, s.title,
           'removing it changes the verdict' AS why, r.verdict AS verdict_without_it, r.certainty AS certainty_without_it
    FROM claim_robustness r JOIN claim_summary cs ON cs.claim_id = r.claim_id JOIN studies s ON s.id = r.study_id
    WHERE r.scenario = '{Scenario.DROP_LINK}' AND r.verdict != cs.computed_verdict
    UNION ALL
    SELECT cs.claim_id, cs.statement, cs.verdict, cs.certainty, min(ce.study_id), min(s.title), 'the only counted study', NULL, NULL
    FROM claim_summary cs JOIN claim_evidence ce ON ce.claim_id = cs.claim_id AND ce.counted = 1 JOIN studies s ON s.id = ce.study_id
    GROUP BY cs.claim_id HAVING count(*) = 1
    ORDER BY 1, 5""",
    },
    "active_comparator_evidence": {
        "title": "Evidence that compares microneedling only with active treatments",
        "description": "Links whose study compares microneedling only with another active treatment or adds it to one, for the claim: marked indirect (comparator), or every efficacy outcome of the study that informs the claim has an active or combination comparator. Such evidence shows how microneedling compares, not that it beats doing nothing.",
        "sql": f"""SELECT ce.claim_id, ce.study_id, s.title, ce.stance, ce.directness, ce.counted,
           group_concat(DISTINCT o.comparator_kind) AS comparator_kinds, group_concat(DISTINCT o.comparator) AS comparators,
           count(o.id) AS n_efficacy_outcomes, ce.note
    FROM claim_evidence ce JOIN studies s ON s.id = ce.study_id
    LEFT JOIN (outcome_claims oc JOIN outcomes o ON o.id = oc.outcome_id AND o.outcome_kind = '{OutcomeKind.EFFICACY}')
           ON oc.claim_id = ce.claim_id AND o.study_id = ce.study_id
    GROUP BY ce.claim_id, ce.study_id
    HAVING ce.directness = '{Directness.COMPARATOR}'
        OR (count(o.id) > 0 AND sum(o.comparator_kind NOT IN {_in([ComparatorKind.ACTIVE, ComparatorKind.COMBINATION])}) = 0)
    ORDER BY ce.claim_id, ce.study_id""",
    },
    "industry_funded_evidence": {
        "title": "Industry-funded evidence per claim",
        "description": "For each claim, how many of its counted studies a device or product maker sponsored or has ties to (studies.industry_funded = 1), which ones, with the link's stance and rating and the funding statement.",
        "sql": """SELECT cs.claim_id, cs.statement, cs.verdict, cs.certainty,
           count(*) AS n_counted_studies, sum(s.industry_funded = 1) AS n_industry_funded,
           group_concat(CASE WHEN s.industry_funded = 1 THEN s.id || ' (' || ce.stance || ', rating ' || ce.rating || '): ' || s.funding_coi END, '; ') AS industry_funded_studies
    FROM claim_summary cs JOIN claim_evidence ce ON ce.claim_id = cs.claim_id AND ce.counted = 1 JOIN studies s ON s.id = ce.study_id
    GROUP BY cs.claim_id HAVING n_industry_funded > 0
    ORDER BY cs.claim_id""",
    },
    "adverse_events_by_skin_type": {
        "title": "Adverse events with numerators and denominators, by skin type",
        "description": "Adverse-event outcomes that report events and people at risk in at least one arm, with the Fitzpatrick types the outcome states and the study's Fitzpatrick range, darkest skin first (studies that do not report a range last).",
        "sql": f"""SELECT o.study_id, s.title, o.outcome, o.intervention, o.comparator_kind, o.comparator,
           o.events_intervention, o.total_intervention, o.events_comparator, o.total_comparator,
           o.fitzpatrick, s.fitzpatrick_min, s.fitzpatrick_max, o.follow_up,
           (SELECT group_concat(oc.claim_id, ', ') FROM outcome_claims oc WHERE oc.outcome_id = o.id) AS claims, o.source_url, o.note
    FROM outcomes o JOIN studies s ON s.id = o.study_id
    WHERE o.outcome_kind = '{OutcomeKind.ADVERSE_EVENT}'
      AND ((o.events_intervention IS NOT NULL AND o.total_intervention IS NOT NULL)
           OR (o.events_comparator IS NOT NULL AND o.total_comparator IS NOT NULL))
    ORDER BY s.fitzpatrick_max IS NULL, s.fitzpatrick_max DESC, o.study_id, o.id""",
    },
    "load_changes": {
        "title": "What one load added or changed",
        "description": "Studies and links a load added, studies it filled in (changed), and notices it recorded, with the load's file and time. Parameter: load_id (see the loads table).",
        "sql": """SELECT 'study added' AS change, s.id AS study_id, NULL AS claim_id, s.title, l.file_name, l.started_at
    FROM studies s JOIN loads l ON l.id = s.added_by_load WHERE s.added_by_load = :load_id
    UNION ALL
    SELECT 'study changed', s.id, NULL, s.title, l.file_name, l.started_at
    FROM studies s JOIN loads l ON l.id = s.changed_by_load WHERE s.changed_by_load = :load_id AND s.added_by_load IS NOT s.changed_by_load
    UNION ALL
    SELECT 'link added', ce.study_id, ce.claim_id, ce.note, l.file_name, l.started_at
    FROM claim_evidence ce JOIN loads l ON l.id = ce.added_by_load WHERE ce.added_by_load = :load_id
    UNION ALL
    SELECT 'notice recorded: ' || n.nature, n.study_id, NULL, n.notice_date || ': ' || n.reason, l.file_name, l.started_at
    FROM study_notices n JOIN loads l ON l.id = n.load_id WHERE n.load_id = :load_id""",
    },
    "what_changed": {
        "title": "What changed in the latest build",
        "description": "Claims whose verdict or certainty moved since the build before, from what to what, and why: the links added, removed or changed, the studies whose design, risk of bias, size or notice (retraction, expression of concern, correction) changed, the overrides (`kb diff` prints the same). The full record is in verdict_changes and verdict_history.",
        "sql": """SELECT vc.claim_id, vc.old_verdict, vc.new_verdict, vc.old_certainty, vc.new_certainty, vc.reason,
           vc.previous_build, b.build, b.built_at, b.data_sha256
    FROM build_history b JOIN verdict_changes vc ON vc.build = b.build
    WHERE b.build = (SELECT max(build) FROM build_history)
    ORDER BY vc.claim_id""",
    },
    "retraction_notices": {
        "title": "Retracted, corrected and questioned studies, and the claims they bear on",
        "description": "Every study with a notice standing on it (a retraction, an expression of concern or a correction not withdrawn by a reinstatement; see study_notices), each claim it is linked to, whether the link still counts (a retracted study never does), the claim's verdict and certainty, and how they moved in the latest build where they did.",
        "sql": """SELECT s.id AS study_id, s.title, s.notice, s.notice_text, ce.claim_id, ce.stance, ce.counted, ce.not_counted_reason,
           cs.verdict, cs.certainty, vc.old_verdict, vc.old_certainty, vc.reason AS why_it_moved
    FROM studies s
    LEFT JOIN claim_evidence ce ON ce.study_id = s.id
    LEFT JOIN claim_summary cs ON cs.claim_id = ce.claim_id
    LEFT JOIN verdict_changes vc ON vc.claim_id = ce.claim_id AND vc.build = (SELECT max(build) FROM build_history)
    WHERE s.notice IS NOT NULL
    ORDER BY s.notice, s.id, ce.claim_id""",
    },
    "claims_not_recently_searched": {
        "title": "Claims not searched in the last 12 months",
        "description": "Claims with no literature search recorded (search_log), or whose latest search is more than 12 months old, oldest first: the searches to run next.",
        "sql": """SELECT c.id AS claim_id, c.statement, cs.verdict, max(sl.searched_on) AS last_searched_on, count(sl.database) AS n_searches
    FROM claims c JOIN claim_summary cs ON cs.claim_id = c.id LEFT JOIN search_log sl ON sl.claim_id = c.id
    GROUP BY c.id
    HAVING last_searched_on IS NULL OR last_searched_on < date('now', '-12 months')
    ORDER BY last_searched_on IS NOT NULL, last_searched_on, c.id""",
    },
    "curator_overrides": {
        "title": "Curator overrides",
        "description": "Claims whose verdict or certainty a curator overrode, with the computed value beside the final one.",
        "sql": """SELECT c.id, cs.computed_verdict, cs.verdict, cs.computed_certainty, cs.certainty, c.override_reason, c.override_by
    FROM claims c JOIN claim_summary cs ON cs.claim_id = c.id
    WHERE cs.overridden = 1 ORDER BY c.id""",
    },
}


def _table_entry(model: type[SQLModel]) -> dict:
    doc = " ".join((model.__doc__ or "").split())
    columns = {name: " ".join((field.description or "").split()) for name, field in model.model_fields.items()}
    return {"description": doc, "columns": columns, **TABLE_OPTIONS.get(model.__tablename__, {})}


def metadata() -> dict:
    """The complete Datasette metadata for the knowledge base."""
    tables = {m.__tablename__: _table_entry(m) for m in sorted(ALL_MODELS, key=lambda m: m.__tablename__)}
    for vocabulary in vocab.ALL:
        tables[vocabulary.table]["description"] = f"Lookup table. {vocabulary.description}"
        tables[vocabulary.table]["label_column"] = "label"
    return {
        "title": TITLE,
        "description": "What the evidence says about the claims of a consumer article on microneedling, and how strong it is: "
                       "each claim anchored to its exact words, linked to verified studies, rated per study and per claim (GRADE-style).",
        "license": "CC BY 4.0 (curated records); study metadata from public bibliographic records",
        "license_url": "https://creativecommons.org/licenses/by/4.0/",
        "source": "Curated from a verified bibliography; see the README",
        "extra_css_urls": ["/static/kb.css", "/-/kb-vocabulary.css"],
        "databases": {DATABASE: {"tables": tables, "queries": QUERIES}},
    }


def metadata_json() -> str:
    return json.dumps(metadata(), indent=2, ensure_ascii=False) + "\n"


COLUMNS_DOC_PATH = Path("docs") / "columns.md"


def columns_markdown() -> str:
    """Every table and column with its description, for docs/columns.md."""
    from kb.models import DATA_MODELS

    lines = ["# Tables and columns", "", "Generated by `kb metadata` from `kb/models.py`; do not edit by hand.", ""]
    entries = metadata()["databases"][DATABASE]["tables"]
    for model in sorted(ALL_MODELS, key=lambda m: (m not in DATA_MODELS, m.__tablename__)):
        name = model.__tablename__
        source = f"data file `data/{model.__data_file__}`" if model in DATA_MODELS else "built by `kb build`"
        lines += [f"## `{name}` ({source})", "", entries[name]["description"], "", "| column | description |", "|---|---|"]
        lines += [f"| `{column}` | {text} |" for column, text in entries[name]["columns"].items()]
        lines.append("")
    return "\n".join(lines)


GRADING_DOC_PATH = Path("docs") / "grading.md"


def _vocabulary_markdown(vocabulary: vocab.Vocabulary) -> list[str]:
    extras = list(vocabulary.extra_columns)
    lines = ["| value | " + " | ".join(["label", *extras, "description"]) + " |", "|---" * (3 + len(extras)) + "|"]
    for term in vocabulary.terms:
        cells = [term.label, *("" if term.extra.get(c) is None else str(term.extra[c]) for c in extras), term.description]
        lines.append(f"| `{term.value}` | " + " | ".join(cells) + " |")
    return lines


def grading_markdown() -> str:
    """How ratings are computed: the grading module's own documentation plus the vocabularies it uses."""
    from kb import grading

    lines = ["# How ratings are computed", "", "Generated by `kb metadata` from `kb/grading/` and `kb/vocab.py`; "
             "the same tables are published in Datasette (`study_designs`, `support_ratings`, `certainty_domains`, "
             "`verdict_rules`...) and the `certainty_reasons` canned query shows the reasons behind one claim.", "",
             (grading.__doc__ or "").strip(), ""]
    for vocabulary in (vocab.REVIEW_STATUSES, vocab.STUDY_DESIGNS, vocab.RISK_OF_BIAS, vocab.RISK_OF_BIAS_TOOLS,
                       vocab.BIAS_DOMAINS, vocab.DIRECTNESS, vocab.COMPARATOR_KINDS, vocab.SUPPORT_RATINGS,
                       vocab.CERTAINTY_DOMAINS, vocab.CERTAINTY_LEVELS, vocab.VERDICTS, vocab.ROBUSTNESS_SCENARIOS):
        lines += [f"## `{vocabulary.table}`", "", vocabulary.description, "", *_vocabulary_markdown(vocabulary), ""]
    return "\n".join(lines)


def write_metadata(path: Path = METADATA_PATH) -> Path:
    from kb.datafiles import atomic_write_text

    atomic_write_text(path, metadata_json())
    atomic_write_text(path.parent / COLUMNS_DOC_PATH, columns_markdown())
    atomic_write_text(path.parent / GRADING_DOC_PATH, grading_markdown())
    return path
