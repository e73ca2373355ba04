"""Validation of ``data/``: every rule, every problem, all at once.

:func:`validate` returns a list of :class:`Problem` (file, line, column,
message); an empty list means the data can be built.  Generic rules come
from the schema (required fields, integers, vocabulary values, references
between tables, duplicate keys); the rest are the rules that make this a
knowledge base a reviewer can trust (quotes found verbatim at their
offsets, identifiers well formed, unique and equal to their verification
record, the article text unchanged).
"""

from __future__ import annotations

import csv
import operator
import re
import urllib.parse
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import Float, Integer
from sqlmodel import SQLModel

from kb import vocab
from kb.datafiles import Table, read_all, sha256_file
from kb.models import (
    LOOKUP_MODELS, data_columns, primary_key,
)
from kb.vocab import BiasTool, ClaimKind, ComparatorKind, Directness, ReviewStatus, RiskOfBias, Verification


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in one place of ``data/``."""

    file: str
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        column = f" column '{self.column}':" if self.column else ""
        return f"{where}:{column} {self.message}"


class ValidationError(Exception):
    """Raised when ``data/`` has problems; carries all of them."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in data/:\n" + "\n".join(str(p) for p in problems))


IDENTIFIER_PATTERNS = {
    "doi": re.compile(r"^10\.\d{4,9}/\S+$"),
    "pmid": re.compile(r"^[1-9]\d{0,8}$"),
    "pmcid": re.compile(r"^PMC\d+$"),
}


DOI_LABEL = re.compile(r"^doi\s*:?\s*(?=10\.)|^doi:\s*", re.I)
DOI_IN_URL = re.compile(r"^(?:[a-z][a-z0-9+.-]*://)?[\w.-]+\.[a-z]{2,}(?::\d+)?/(?:[^?#\s]*?/)??(10\.\d{4,9}(?:/|%2f)[^?#\s]+)", re.I)
"""A DOI inside any web address: a resolver's ('https://dx.doi.org/10.…', 'doi.org/10.…', 'http://doi.acm.org/10.…')
or a publisher's ('https://onlinelibrary.wiley.com/doi/full/10.…'); the query string and fragment are not part of it."""


def strip_doi_prefix(doi: str) -> str:
    """A DOI without surrounding spaces, 'doi:' label or the web address around it (case kept; URL escapes decoded).

    One rule for validation, de-duplication and every loader, so that a DOI
    given in any URL form is read as the DOI rather than rejected.
    """
    text = DOI_LABEL.sub("", doi.strip())
    if (match := DOI_IN_URL.match(text)) is not None:
        return urllib.parse.unquote(match.group(1)).strip()
    return text.strip()


def normalise_doi(doi: str) -> str:
    """The form DOIs are compared in: no prefix, lower case."""
    return strip_doi_prefix(doi).lower()


WEB_URL = re.compile(r"https?://[^\x00-\x20\x7f/?#]+[^\x00-\x20\x7f]*", re.I)
"""An http or https address with a host and no spaces or control characters: the only links a page renders."""
URL_COLUMNS = {"articles": ("url", None), "studies": ("url", None), "study_verifications": ("verified_urls", " | ")}
"""Columns holding addresses, and the separator of a column that holds several."""


def is_web_url(value: object) -> bool:
    """Whether ``value`` is an http(s) address, safe to render as a link (never ``javascript:`` or ``data:``)."""
    return isinstance(value, str) and WEB_URL.fullmatch(value) is not None


def validate(data_dir: Path, tables: dict[str, Table] | None = None, bibliography: Path | None = None) -> list[Problem]:
    """All problems in ``data_dir`` (or in ``tables`` already read from it), sorted by file and line.

    ``bibliography`` is the verified bibliography whose stance hints a differing link must explain; by default
    the team's ``shared/evidence/bibliography.csv`` beside the repository, when it is there.
    """
    data_dir = Path(data_dir)
    bibliography = bibliography if bibliography is not None else default_bibliography()
    tables = tables if tables is not None else read_all(data_dir)
    problems: list[Problem] = []
    for table in tables.values():
        problems += check_columns(table, data_dir)
    if problems:  # a missing or misnamed column makes row checks meaningless
        return sorted(problems)
    for table in tables.values():
        problems += check_rows(table, data_dir)
    keys = {name: set(t.column(primary_key(t.model)[0])) for name, t in tables.items() if len(primary_key(t.model)) == 1}
    for table in tables.values():
        problems += check_references(table, keys, data_dir)
    problems += check_articles(tables["articles"], data_dir)
    problems += check_quotes(tables["claims"], tables["articles"], data_dir)
    problems += check_identifiers(tables["studies"], tables["study_verifications"], data_dir)
    problems += check_links(tables["claim_evidence"], data_dir)
    problems += check_claim_evidence_status(tables["claims"], tables["claim_evidence"], data_dir)
    problems += check_overrides(tables["claims"], data_dir)
    problems += check_studies(tables["studies"], data_dir)
    problems += check_verification_status(tables["studies"], tables["study_verifications"], data_dir)
    problems += check_inclusions(tables["study_inclusions"], tables["studies"], data_dir)
    problems += check_patterns(tables["overstatement_flags"], data_dir)
    problems += check_word_sets(tables["claim_terms"], data_dir)
    problems += check_risk_of_bias(tables["studies"], tables["study_bias_domains"], tables["study_verifications"], data_dir)
    problems += check_reviews(tables["claim_evidence"], data_dir)
    problems += check_stance_hints(tables["claim_evidence"], data_dir, bibliography)
    problems += check_outcomes(tables["outcomes"], data_dir)
    problems += check_outcome_claims(tables["outcome_claims"], tables["outcomes"], tables["claim_evidence"], data_dir)
    problems += check_comparator_directness(tables["claims"], tables["claim_evidence"], tables["outcomes"], tables["outcome_claims"], data_dir)
    problems += check_urls(tables, data_dir)
    problems += check_omission_sources(tables["article_omissions"], tables["studies"], data_dir)
    problems += check_dates(tables, data_dir)
    problems += check_search_counts(tables["search_log"], data_dir)
    return sorted(set(problems))


def _file(table: Table, data_dir: Path) -> str:
    return f"data/{table.path.relative_to(data_dir).as_posix()}"


def _problem(table: Table, data_dir: Path, index: int | None, column: str, message: str) -> Problem:
    line = table.line_of(index) if index is not None else 0
    return Problem(_file(table, data_dir), line, column, message)


def check_columns(table: Table, data_dir: Path) -> list[Problem]:
    """The header holds exactly the model's data columns."""
    expected = data_columns(table.model)
    found = table.columns
    problems = [Problem(_file(table, data_dir), 1, c, "required column is missing from the header") for c in expected if c not in found]
    problems += [Problem(_file(table, data_dir), 1, c, f"unknown column (expected: {', '.join(expected)})") for c in found if c not in expected]
    return problems


def _lookup_vocabulary(model: type[SQLModel], column: str) -> vocab.Vocabulary | None:
    for fk in model.__table__.columns[column].foreign_keys:
        table = fk.column.table.name
        if table in LOOKUP_MODELS:
            return next(v for v in vocab.ALL if v.table == table)
    return None


def check_rows(table: Table, data_dir: Path) -> list[Problem]:
    """Required fields, spaces, integers, vocabulary values and duplicate keys, column by column.

    Column-wise so that a table of millions of rows is checked in seconds.
    """
    model = table.model
    problems = []
    fields = model.model_fields
    for column in data_columns(model):
        values = table.column(column)
        distinct = set(values)  # cheap, and most checks can be answered on the distinct values alone
        sa_column = model.__table__.columns[column]
        required = fields[column].is_required() and not sa_column.nullable
        vocabulary = _lookup_vocabulary(model, column)
        integer = isinstance(sa_column.type, Integer)
        decimal = isinstance(sa_column.type, Float)
        if any(map(operator.ne, distinct, map(str.strip, distinct))):  # in C: str.strip returns the same string if unchanged
            for index in [i for i, v in enumerate(values) if v != v.strip()]:
                problems.append(_problem(table, data_dir, index, column, "value has leading or trailing spaces"))
        if required and "" in distinct:
            for index in [i for i, v in enumerate(values) if v == ""]:
                problems.append(_problem(table, data_dir, index, column, "required value is empty"))
        if integer:
            bad = {v for v in distinct if v and not (v.isdigit() or (v[0] == "-" and v[1:].isdigit()))}
            for index in [i for i, v in enumerate(values) if v in bad] if bad else []:
                problems.append(_problem(table, data_dir, index, column, f"{values[index]!r} is not a whole number"))
        if decimal:
            bad = {v for v in distinct if v and not _is_number(v)}
            for index in [i for i, v in enumerate(values) if v in bad] if bad else []:
                problems.append(_problem(table, data_dir, index, column, f"{values[index]!r} is not a number"))
        if vocabulary is not None:
            bad = distinct - set(vocabulary.values()) - {""}
            for index in [i for i, v in enumerate(values) if v in bad] if bad else []:
                problems.append(_problem(table, data_dir, index, column,
                                         f"{values[index]!r} is not in the {vocabulary.table} vocabulary ({', '.join(vocabulary.values())})"))
    key = primary_key(model)
    identities = list(zip(*(table.column(k) for k in key)))
    if len(set(identities)) != len(identities):
        seen: dict[tuple, int] = {}
        for index, identity in enumerate(identities):
            if identity in seen:
                problems.append(_problem(table, data_dir, index, ",".join(key),
                                         f"duplicate id {'/'.join(identity)!r} (first on line {table.line_of(seen[identity])})"))
            else:
                seen[identity] = index
    return problems


def _is_number(text: str) -> bool:
    try:
        return float(text) == float(text) and text.strip().lower() not in ("inf", "-inf", "+inf", "infinity")
    except ValueError:
        return False


def check_references(table: Table, keys: dict[str, set[str]], data_dir: Path) -> list[Problem]:
    """Every reference to another data table names a row that exists."""
    problems = []
    model = table.model
    for column in data_columns(model):
        for fk in model.__table__.columns[column].foreign_keys:
            target = fk.column.table.name
            if target not in keys:
                continue  # lookup tables are checked as vocabularies
            known = keys[target]
            values = table.column(column)
            for index in [i for i, v in enumerate(values) if v and v not in known]:
                problems.append(_problem(table, data_dir, index, column, f"unknown id {values[index]!r}: no such row in {target}"))
    return problems


def check_articles(articles: Table, data_dir: Path) -> list[Problem]:
    """Each article's archived text exists and still has its recorded SHA-256."""
    problems = []
    for index, row in enumerate(articles.records()):
        path = data_dir / row["text_file"]
        if not row["text_file"]:
            continue
        if not path.is_file():
            problems.append(_problem(articles, data_dir, index, "text_file", f"archived text {row['text_file']!r} does not exist"))
        elif sha256_file(path) != row["text_sha256"]:
            problems.append(_problem(articles, data_dir, index, "text_sha256",
                                     f"the archived text has changed: its SHA-256 is {sha256_file(path)}, not the recorded one"))
    return problems


def article_texts(articles: Table, data_dir: Path) -> dict[str, str]:
    texts = {}
    for row in articles.records():
        path = data_dir / row["text_file"]
        if row["text_file"] and path.is_file():
            texts[row["id"]] = path.read_text(encoding="utf-8")
    return texts


def check_quotes(claims: Table, articles: Table, data_dir: Path) -> list[Problem]:
    """Each claim's quote stands verbatim in its article at quote_start:quote_end."""
    problems = []
    texts = article_texts(articles, data_dir)
    for index, row in enumerate(claims.records()):
        text = texts.get(row["article_id"])
        if text is None or not row["quote"]:
            continue
        try:
            start, end = int(row["quote_start"]), int(row["quote_end"])
        except ValueError:
            continue  # reported as not a whole number
        if text[start:end] == row["quote"]:
            continue
        found = text.find(row["quote"])
        hint = (f"; it is found at {found}-{found + len(row['quote'])}" if found >= 0
                else "; it does not occur anywhere in the article text")
        problems.append(_problem(claims, data_dir, index, "quote",
                                 f"quote is not found verbatim at offsets {start}-{end}{hint}"))
    return problems


def check_identifiers(studies: Table, verifications: Table, data_dir: Path) -> list[Problem]:
    """DOI, PMID and PMCID are well formed, unique, and equal to the verification record."""
    problems = []
    verified = {row["study_id"]: row for row in verifications.records()}
    for field, pattern in IDENTIFIER_PATTERNS.items():
        present = [v for v in studies.column(field) if v]
        keys = list(map(normalise_doi, present)) if field == "doi" else present
        if all(map(pattern.match, present)) and len(set(keys)) == len(keys):
            continue  # all well formed and unique: no need to find which rows are not
        first_seen: dict[str, int] = {}
        for index, value in enumerate(studies.column(field)):
            if not value:
                continue
            if not pattern.match(value):
                problems.append(_problem(studies, data_dir, index, field, f"malformed {field.upper()} {value!r}"))
            key = normalise_doi(value) if field == "doi" else value
            if key in first_seen:
                problems.append(_problem(studies, data_dir, index, field,
                                         f"duplicate {field.upper()} {value!r} (also on line {studies.line_of(first_seen[key])})"))
            else:
                first_seen[key] = index
    if verified:
        for index, study_id in enumerate(studies.column("id")):
            record = verified.get(study_id)
            for field in IDENTIFIER_PATTERNS if record is not None else ():
                value = studies.column(field)[index]
                if value != record[field]:
                    problems.append(_problem(studies, data_dir, index, field,
                                             f"{value!r} differs from the verification record ({record[field]!r})"))
    return problems


def check_links(links: Table, data_dir: Path) -> list[Problem]:
    """Ratings are 1-5, and indirect links say why while direct ones do not."""
    problems = []
    ratings, directness, reasons = links.column("rating"), links.column("directness"), links.column("indirectness_reason")
    for index in [i for i, r in enumerate(ratings) if r and r not in vocab.SUPPORT_RATINGS]:
        problems.append(_problem(links, data_dir, index, "rating", f"{ratings[index]!r} is not a rating from 1 to 5"))
    for index, (kind, reason) in enumerate(zip(directness, reasons)):
        if kind == Directness.DIRECT and reason:
            problems.append(_problem(links, data_dir, index, "indirectness_reason", "a direct link has no indirectness reason"))
        elif kind and kind != Directness.DIRECT and not reason:
            problems.append(_problem(links, data_dir, index, "indirectness_reason", "an indirect link must say how the study differs from the claim"))
    return problems


def check_claim_evidence_status(claims: Table, links: Table, data_dir: Path) -> list[Problem]:
    """A claim has links, or says explicitly that no evidence was found - not both, not neither."""
    linked = set(links.column("claim_id"))
    problems = []
    for index, row in enumerate(claims.records()):
        if row["id"] in linked and row["no_evidence_reason"]:
            problems.append(_problem(claims, data_dir, index, "no_evidence_reason", "the claim has evidence links, so it cannot be marked as having none"))
        if row["id"] not in linked and not row["no_evidence_reason"]:
            problems.append(_problem(claims, data_dir, index, "no_evidence_reason", "the claim has no evidence links: link studies or say what was looked for"))
    return problems


def check_overrides(claims: Table, data_dir: Path) -> list[Problem]:
    """A curator override carries a reason and the curator's name."""
    problems = []
    for index, row in enumerate(claims.records()):
        if row["override_verdict"] or row["override_certainty"]:
            for column in ("override_reason", "override_by"):
                if not row[column]:
                    problems.append(_problem(claims, data_dir, index, column, "an override needs a reason and the curator's name"))
    return problems


def check_studies(studies: Table, data_dir: Path) -> list[Problem]:
    """Fitzpatrick ranges are types 1-6 in order; 'complete' verification means nothing is missing."""
    problems = []
    for index, bounds in enumerate(zip(studies.column("fitzpatrick_min"), studies.column("fitzpatrick_max"))):
        if not any(bounds):
            continue
        if all(re.fullmatch(r"\d+", b) for b in bounds):
            low, high = map(int, bounds)
            if not (1 <= low <= high <= 6):
                problems.append(_problem(studies, data_dir, index, "fitzpatrick_min", f"Fitzpatrick range {low}-{high} is not within types 1-6 in order"))
        elif not all(bounds):
            problems.append(_problem(studies, data_dir, index, "fitzpatrick_max", "give both ends of the Fitzpatrick range, or neither"))
    return problems


def check_verification_status(studies: Table, verifications: Table, data_dir: Path) -> list[Problem]:
    """Verification status agrees with the record; every study has a verification record or a load."""
    records = {row["study_id"]: row for row in verifications.records()}
    problems = []
    columns = zip(studies.column("id"), studies.column("verification"), studies.column("added_by_load"))
    for index, (study_id, status, added_by_load) in enumerate(columns):
        record = records.get(study_id)
        if status == Verification.COMPLETE and (record is None or record["completeness"] != "complete"):
            problems.append(_problem(studies, data_dir, index, "verification", "marked complete, but its verification record is missing or incomplete"))
        if status == Verification.PARTIAL and record is None:
            problems.append(_problem(studies, data_dir, index, "verification", "marked partial, but it has no verification record"))
        if record is None and not added_by_load:
            problems.append(_problem(studies, data_dir, index, "added_by_load",
                                     "the study has neither a verification record nor the load that added it: "
                                     "every study must come from the verified bibliography or a loaded export file"))
    return problems


def check_inclusions(inclusions: Table, studies: Table, data_dir: Path) -> list[Problem]:
    """Only reviews include studies, and not themselves."""
    designs = dict(zip(studies.column("id"), studies.column("design")))
    problems = []
    for index, row in enumerate(inclusions.records()):
        design = designs.get(row["review_id"])
        if design in vocab.STUDY_DESIGNS and not vocab.STUDY_DESIGNS.term(design).extra["is_review"]:
            problems.append(_problem(inclusions, data_dir, index, "review_id", f"{row['review_id']!r} is a {design}, not a review"))
        if row["review_id"] == row["study_id"]:
            problems.append(_problem(inclusions, data_dir, index, "study_id", "a review cannot include itself"))
    return problems


def check_patterns(flags: Table, data_dir: Path) -> list[Problem]:
    """Every overstatement flag's pattern is a valid regular expression."""
    problems = []
    for index, pattern in enumerate(flags.column("pattern")):
        try:
            re.compile(pattern)
        except re.error as error:
            problems.append(_problem(flags, data_dir, index, "pattern", f"not a valid regular expression: {error}"))
    return problems


def check_word_sets(terms: Table, data_dir: Path) -> list[Problem]:
    """Every ``@name`` in a claim's check terms names a shared word list of ``check_word_sets``."""
    problems = []
    for index, value in enumerate(terms.column("terms")):
        for name in re.findall(r"(?:^|\|)\s*@([^|]*)", value or ""):
            if name.strip() not in vocab.CHECK_WORD_SETS:
                problems.append(_problem(terms, data_dir, index, "terms", f"@{name.strip()} is not a word list of "
                                         f"check_word_sets (known: {', '.join('@' + v for v in vocab.CHECK_WORD_SETS.values())})"))
    return problems


def default_bibliography() -> Path | None:
    """The team's verified bibliography, beside the repository (absent in a user's clone)."""
    path = Path(__file__).resolve().parents[2] / "shared" / "evidence" / "bibliography.csv"
    return path if path.is_file() else None


def stance_hints(bibliography: Path) -> dict[tuple[str, str], str]:
    """(claim id, study key) -> the librarian's stance hint, from the bibliography's ``stance_hints`` column."""
    hints = {}
    with open(bibliography, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            for hint in (row.get("stance_hints") or "").split(";"):
                claim, _, stance = hint.strip().rpartition(":")
                if claim and stance:
                    hints[(claim.strip(), row["key"])] = stance.strip()
    return hints


def check_risk_of_bias(studies: Table, domains: Table, verifications: Table, data_dir: Path) -> list[Problem]:
    """Uncontrolled designs are at high risk once judged (a loaded study not yet assessed may wait); domain
    judgements use the design's tool, all of its domains, and
    an overall rating no better than the worst domain; verified randomised and comparative studies have them."""
    tool_of_design = {t.value: t.extra["risk_of_bias_tool"] for t in vocab.STUDY_DESIGNS.terms}
    tool_of_domain = {t.value: t.extra["tool"] for t in vocab.BIAS_DOMAINS.terms}
    severity = {RiskOfBias.LOW: 0, RiskOfBias.SOME_CONCERNS: 1, RiskOfBias.HIGH: 2}
    verified = set(verifications.column("study_id"))
    rows_of_study: dict[str, list[tuple[int, dict]]] = {}
    for index, row in enumerate(domains.records()):
        rows_of_study.setdefault(row["study_id"], []).append((index, row))
    problems = []
    for index, study in enumerate(studies.records()):
        tool = tool_of_design.get(study["design"])
        rated = study["risk_of_bias"]
        if tool == BiasTool.UNCONTROLLED and rated in (RiskOfBias.LOW, RiskOfBias.SOME_CONCERNS):
            problems.append(_problem(studies, data_dir, index, "risk_of_bias",
                                     f"a {study['design']} has no control group, so its risk of bias is high by definition, not {rated!r}"))
        judged = rows_of_study.get(study["id"], [])
        for row_index, row in judged:
            if row["domain"] in tool_of_domain and tool_of_domain[row["domain"]] != tool:
                problems.append(_problem(domains, data_dir, row_index, "domain",
                                         f"{row['domain']!r} is a {tool_of_domain[row['domain']]} domain, but {study['id']} is a {study['design']} (tool: {tool})"))
        if tool not in (BiasTool.ROB2, BiasTool.ROBINS_I):
            continue
        expected = {d for d, t in tool_of_domain.items() if t == tool}
        given = {row["domain"] for _, row in judged}
        if judged and given != expected:
            problems.append(_problem(studies, data_dir, index, "risk_of_bias",
                                     f"study_bias_domains has {len(given & expected)} of the {len(expected)} {tool} domains; missing: {', '.join(sorted(expected - given))}"))
        elif not judged and study["id"] in verified and rated != RiskOfBias.NOT_ASSESSED:
            problems.append(_problem(studies, data_dir, index, "risk_of_bias",
                                     f"a {study['design']} judged {rated!r} needs its {tool} domains in study_bias_domains.csv"))
        worst = max((severity.get(row["judgement"], 0) for _, row in judged), default=None)
        if worst is not None and rated in severity and severity[rated] < worst:
            problems.append(_problem(studies, data_dir, index, "risk_of_bias",
                                     f"{rated!r} is better than its worst domain judgement"))
    return problems


DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def check_reviews(links: Table, data_dir: Path) -> list[Problem]:
    """An accepted or rejected link names its reviewer and the date (whose form :func:`check_dates` checks)."""
    problems = []
    for index, row in enumerate(links.records()):
        if row["review_status"] in (ReviewStatus.ACCEPTED, ReviewStatus.REJECTED):
            if not row["reviewed_by"]:
                problems.append(_problem(links, data_dir, index, "reviewed_by", f"a {row['review_status']} link names its reviewer"))
            if not row["reviewed_on"]:
                problems.append(_problem(links, data_dir, index, "reviewed_on", f"a {row['review_status']} link needs the review date as YYYY-MM-DD"))
    return problems


DATE_COLUMNS = {"search_log": ("searched_on",), "study_notices": ("notice_date",), "claim_evidence": ("reviewed_on",),
                "article_reviews": ("reviewed_on", "archived_on")}
"""Date columns (YYYY-MM-DD) of the tables that hold one; empty where a date is unknown or not needed."""


def check_dates(tables: dict[str, Table], data_dir: Path) -> list[Problem]:
    """Every date given is a real YYYY-MM-DD date."""
    problems = []
    for name, columns in DATE_COLUMNS.items():
        for column in columns:
            for index, value in enumerate(tables[name].column(column)):
                if value and not _is_date(value):
                    problems.append(_problem(tables[name], data_dir, index, column, f"{value!r} is not a date as YYYY-MM-DD"))
    return problems


def _is_date(text: str) -> bool:
    try:
        return bool(DATE.match(text)) and date.fromisoformat(text).isoformat() == text
    except ValueError:
        return False


def check_search_counts(searches: Table, data_dir: Path) -> list[Problem]:
    """A search's flow narrows: records included <= screened <= found."""
    problems = []
    for index, row in enumerate(searches.records()):
        if not all(row[c].isdigit() for c in ("n_found", "n_screened", "n_included")):
            continue  # reported as not whole numbers by check_rows
        found, screened, included = int(row["n_found"]), int(row["n_screened"]), int(row["n_included"])
        if screened > found:
            problems.append(_problem(searches, data_dir, index, "n_screened", f"{screened} records screened, more than the {found} found"))
        if included > screened:
            problems.append(_problem(searches, data_dir, index, "n_included", f"{included} records included, more than the {screened} screened"))
    return problems


def check_stance_hints(links: Table, data_dir: Path, bibliography: Path | None) -> list[Problem]:
    """A stance that differs from the librarian's hint says why (only where the bibliography is at hand)."""
    if bibliography is None:
        return []
    hints = stance_hints(bibliography)
    problems = []
    for index, row in enumerate(links.records()):
        hint = hints.get((row["claim_id"], row["study_id"]))
        if hint and hint != row["stance"] and not row["stance_reason"] and row["review_status"] != ReviewStatus.REJECTED:
            problems.append(_problem(links, data_dir, index, "stance_reason",
                                     f"the stance {row['stance']!r} differs from the bibliography's hint {hint!r}: say why"))
    return problems


def check_outcomes(outcomes: Table, data_dir: Path) -> list[Problem]:
    """Intervals in order, a confidence level between 0 and 1, events no more than the people at risk."""
    problems = []
    for index, row in enumerate(outcomes.records()):
        low, high, level = row["ci_low"], row["ci_high"], row["ci_level"]
        if low and high and _is_number(low) and _is_number(high) and float(low) > float(high):
            problems.append(_problem(outcomes, data_dir, index, "ci_low", f"the interval's lower bound {low} is above its upper bound {high}"))
        if (low or high) and not level:
            problems.append(_problem(outcomes, data_dir, index, "ci_level", "an interval needs its confidence level (0.95 unless the source prints another)"))
        if level and _is_number(level) and not 0 < float(level) < 1:
            problems.append(_problem(outcomes, data_dir, index, "ci_level", f"{level} is not a fraction between 0 and 1 (0.95 for a 95% interval)"))
        for arm in ("intervention", "comparator"):
            events, total = row[f"events_{arm}"], row[f"total_{arm}"]
            if events.isdigit() and total.isdigit() and int(events) > int(total):
                problems.append(_problem(outcomes, data_dir, index, f"events_{arm}", f"{events} events among {total} people"))
    return problems


def check_outcome_claims(outcome_claims: Table, outcomes: Table, links: Table, data_dir: Path) -> list[Problem]:
    """An outcome informs a claim only through a link between the claim and the outcome's study."""
    study_of = dict(zip(outcomes.column("id"), outcomes.column("study_id")))
    linked = set(zip(links.column("claim_id"), links.column("study_id")))
    problems = []
    for index, (outcome_id, claim_id) in enumerate(zip(outcome_claims.column("outcome_id"), outcome_claims.column("claim_id"))):
        study = study_of.get(outcome_id)
        if study is not None and (claim_id, study) not in linked:
            problems.append(_problem(outcome_claims, data_dir, index, "claim_id",
                                     f"{study} is not linked to {claim_id} in claim_evidence.csv"))
    return problems


def check_comparator_directness(claims: Table, links: Table, outcomes: Table, outcome_claims: Table, data_dir: Path) -> list[Problem]:
    """A benefit link cannot be direct when every outcome of its study for the claim compares only with active
    treatments or combinations: that shows how microneedling compares, not that it works."""
    kinds = dict(zip(claims.column("id"), claims.column("kind")))
    outcome = {row["id"]: row for row in outcomes.records()}
    comparators: dict[tuple[str, str], set[str]] = {}
    for outcome_id, claim_id in zip(outcome_claims.column("outcome_id"), outcome_claims.column("claim_id")):
        if outcome_id in outcome and outcome[outcome_id]["outcome_kind"] == vocab.OutcomeKind.EFFICACY:
            comparators.setdefault((claim_id, outcome[outcome_id]["study_id"]), set()).add(outcome[outcome_id]["comparator_kind"])
    active_only = {ComparatorKind.ACTIVE, ComparatorKind.COMBINATION}
    problems = []
    for index, row in enumerate(links.records()):
        found = comparators.get((row["claim_id"], row["study_id"]))
        if kinds.get(row["claim_id"]) == ClaimKind.BENEFIT and row["directness"] == Directness.DIRECT and found and found <= active_only:
            problems.append(_problem(links, data_dir, index, "directness",
                                     f"{row['study_id']} compares microneedling only with {' or '.join(sorted(found))} treatment for this claim: "
                                     f"use {Directness.COMPARATOR!r}"))
    return problems


def check_urls(tables: dict[str, Table], data_dir: Path) -> list[Problem]:
    """Addresses are http or https: pages render them as links, and another scheme (``javascript:``) would run."""
    problems = []
    for name, (column, separator) in URL_COLUMNS.items():
        values = tables[name].column(column)
        bad = {v for v in set(values) if v and not all(map(is_web_url, v.split(separator) if separator else [v]))}
        for index in [i for i, v in enumerate(values) if v in bad] if bad else []:
            urls = values[index].split(separator) if separator else [values[index]]
            for url in [u for u in urls if not is_web_url(u)]:
                problems.append(_problem(tables[name], data_dir, index, column,
                                         f"{url[:200]!r} is not an http or https address; only those are linked"))
    return problems


def split_ids(value: str) -> list[str]:
    """The ids of a ';'-separated column, without surrounding spaces or empty entries."""
    return [part.strip() for part in value.split(";") if part.strip()]


def check_omission_sources(omissions: Table, studies: Table, data_dir: Path) -> list[Problem]:
    """Every source an omission names is a study in studies.csv, named once (the ';'-separated reference the
    foreign-key checks cannot see)."""
    known = set(studies.column("id"))
    problems = []
    for index, value in enumerate(omissions.column("study_ids")):
        ids = split_ids(value)
        if value and not ids:
            problems.append(_problem(omissions, data_dir, index, "study_ids", "names no study: give study ids separated by ';'"))
        for study_id in [i for i in ids if i not in known]:
            problems.append(_problem(omissions, data_dir, index, "study_ids", f"unknown id {study_id!r}: no such row in studies"))
        for study_id in sorted({i for i in ids if ids.count(i) > 1}):
            problems.append(_problem(omissions, data_dir, index, "study_ids", f"{study_id!r} is named more than once"))
    return problems
