"""What the reviewer's pages show: the data behind the claim, study, article and home pages.

The Datasette plugin (``kb/web/plugins/kb_pages.py``) calls these functions and
hands their results to the templates in ``kb/web/templates``; all logic lives
here.  Every value is returned as plain data: the templates escape it
(Jinja autoescape), so text from the data can never become markup.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from urllib.parse import quote

from markupsafe import Markup

from kb import vocab
from kb.citations import cite, link_cited
from kb.web.evidence_map import grid, kind_styles
from kb.validate import is_web_url, split_ids

PREFERRED_TABLE_ORDER = ("claim_summary", "claims", "studies", "claim_evidence", "claim_certainty", "articles")
"""Home-page order: what a reviewer opens first."""


@dataclass
class Segment:
    """A run of article text, and the claims whose quotes cover it (none for plain text)."""

    text: str
    claims: list[str] = field(default_factory=list)


def paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the article's non-empty lines (its paragraphs and list items)."""
    spans, start = [], 0
    for line in text.split("\n"):
        end = start + len(line)
        if line.strip():
            spans.append((start, end))
        start = end + 1
    return spans


def segments(text: str, start: int, end: int, spans: list[tuple[int, int, str]]) -> list[Segment]:
    """Split ``text[start:end]`` at every claim boundary; each piece lists the claims covering it.

    ``spans`` are (quote_start, quote_end, claim_id); overlapping quotes are allowed.
    """
    cuts = {start, end}
    for s, e, _ in spans:
        cuts.update(c for c in (s, e) if start < c < end)
    ordered = sorted(cuts)
    pieces = []
    for a, b in zip(ordered, ordered[1:]):
        covering = [claim for s, e, claim in spans if s <= a and b <= e]
        pieces.append(Segment(text[a:b], covering))
    return pieces


def term(vocabulary: vocab.Vocabulary, value: str | None) -> dict:
    """A vocabulary value with its label and description, for a badge."""
    if value is None:
        return {"value": "", "label": "", "description": ""}
    t = vocabulary.term(value)
    return {"value": t.value, "label": t.label, "description": t.description}


def external_links(study: dict) -> list[dict]:
    """Where a reader can check a study: DOI, PubMed, PMC, the verified record (or a loaded study's source page, such as its NCBI Bookshelf page)."""
    links = [{"label": label, "url": IDENTIFIER_URLS[column][0].format(study[column])}
             for column, label in (("doi", "DOI"), ("pmid", "PubMed"), ("pmcid", "PMC")) if study.get(column)]
    if is_web_url(study.get("url")):
        verified = study.get("verification") in (vocab.Verification.COMPLETE, vocab.Verification.PARTIAL)
        links.append({"label": "verified record" if verified else "source record (not verified)", "url": study["url"]})
    return links


def claims_by_verdict(claims: list[dict]) -> list[dict]:
    """Claims (with a ``verdict`` key) grouped by verdict, most favourable first."""
    groups = []
    for verdict in sorted(vocab.VERDICTS.terms, key=lambda t: -t.extra["rank"]):
        members = [c for c in claims if c["verdict"] == verdict.value]
        if members:
            groups.append({"verdict": term(vocab.VERDICTS, verdict.value), "claims": members})
    return groups


def study_url(db, study_id: str) -> str:
    """The study page's URL, as Datasette builds it (base_url, tilde-encoding)."""
    return db.ds.urls.row(db.name, "studies", study_id)


async def rows(db, sql: str, params: dict | None = None) -> list[dict]:
    return [dict(r) for r in (await db.execute(sql, params or {})).rows]


async def claim_page(db, claim_id: str) -> dict | None:
    """Everything the claim page shows: the quote in context, verdict and why, certainty and its domains, the
    Summary of Findings with any forest plots, robustness, counted evidence by stance, and what is not yet counted."""
    found = await rows(db, "SELECT * FROM claims WHERE id = :id", {"id": claim_id})
    if not found:
        return None
    claim = found[0]
    summary = (await rows(db, "SELECT * FROM claim_summary WHERE claim_id = :id", {"id": claim_id}))[0]
    article = (await rows(db, "SELECT id, title, text FROM articles WHERE id = :id", {"id": claim["article_id"]}))[0]
    paragraph = next(((s, e) for s, e in paragraphs(article["text"]) if s <= claim["quote_start"] < e),
                     (claim["quote_start"], claim["quote_end"]))
    end = max(paragraph[1], claim["quote_end"])
    domains = await rows(db, "SELECT domain, change, reason FROM claim_certainty WHERE claim_id = :id ORDER BY rowid", {"id": claim_id})
    links = await rows(db, """
        SELECT ce.*, s.id, s.title, s.authors, s.first_author, s.year, s.journal, s.design, s.evidence_level,
               s.n_participants, s.population, s.doi, s.pmid, s.pmcid, s.url, s.risk_of_bias, s.verification,
               s.identity_gaps, s.industry_funded, s.notice, s.notice_text
        FROM claim_evidence ce JOIN studies s ON s.id = ce.study_id
        WHERE ce.claim_id = :id
        ORDER BY ce.rating DESC, s.evidence_level, ce.study_id""", {"id": claim_id})
    citations = cite(links)
    citation_of = {c.study_id: c for c in citations}
    href = lambda study_id: study_url(db, study_id)  # noqa: E731
    described = [dict(link, design_label=vocab.STUDY_DESIGNS.term(link["design"]).label,
                      directness_label=vocab.DIRECTNESS.term(link["directness"]).label,
                      stance_label=vocab.STANCES.term(link["stance"]).label,
                      citation=citation_of[link["study_id"]],
                      external=external_links(link)) for link in links]
    groups = []
    for stance in vocab.STANCES.terms:
        members = [link for link in described if link["stance"] == stance.value and link["counted"]]
        if members:
            groups.append({"stance": term(vocab.STANCES, stance.value), "links": members})
    findings = await rows(db, "SELECT * FROM claim_findings WHERE claim_id = :id ORDER BY row", {"id": claim_id})
    changed = await rows(db, "SELECT * FROM claim_robustness WHERE claim_id = :id AND changed = 1", {"id": claim_id})
    notices = [dict(link, notice_term=term(vocab.NOTICE_NATURES, link["notice"])) for link in described if link["notice"]]
    searches = await rows(db, "SELECT * FROM search_log WHERE claim_id = :id ORDER BY searched_on DESC, database", {"id": claim_id})
    return {
        "claim": claim,
        "summary": summary,
        "article": {"id": article["id"], "title": article["title"]},
        "segments": segments(article["text"], paragraph[0], end, [(claim["quote_start"], claim["quote_end"], claim_id)]),
        "kind": term(vocab.CLAIM_KINDS, claim["kind"]),
        "topic": term(vocab.TOPICS, claim["topic"]),
        "verdict": term(vocab.VERDICTS, summary["verdict"]),
        "certainty": term(vocab.CERTAINTY_LEVELS, summary["certainty"]),
        "computed_verdict": term(vocab.VERDICTS, summary["computed_verdict"]),
        "computed_certainty": term(vocab.CERTAINTY_LEVELS, summary["computed_certainty"]),
        "domains": [dict(d, label=vocab.CERTAINTY_DOMAINS.term(d["domain"]).label, reason=link_cited(d["reason"], citations, href))
                    for d in domains],
        "rationale": link_cited(summary["rationale"], citations, href),
        "groups": groups,
        "not_counted": [link for link in described if not link["counted"]],
        "findings": [dict(f, comparator_label=vocab.COMPARATOR_KINDS.term(f["comparator_kind"]).label,
                          kind_label=vocab.OUTCOME_KINDS.term(f["outcome_kind"]).label,
                          certainty_term=term(vocab.CERTAINTY_LEVELS, f["certainty"])) for f in findings],
        "robustness_changes": [dict(r, scenario_label=vocab.ROBUSTNESS_SCENARIOS.term(r["scenario"]).label) for r in changed],
        "notices": notices,
        "last_review": last_review(links),
        "searches": searches,
        "search_flow": search_flow(searches),
    }


def search_flow(searches: list[dict]) -> dict | None:
    """The PRISMA-style flow of a claim's searches: records identified, screened and included (summed over every
    search), and how many were set aside at each step; None when no search is recorded."""
    if not searches:
        return None
    found, screened, included = (sum(s[name] for s in searches) for name in ("n_found", "n_screened", "n_included"))
    return {"identified": found, "screened": screened, "included": included, "not_screened": found - screened,
            "excluded": screened - included, "n_searches": len(searches)}


def last_review(links: list[dict]) -> dict | None:
    """Who last reviewed a claim's evidence, and when: the latest review date of its links and everyone who reviewed on it.

    Fact-check sites name the reviewer and the date; here the claim's reviews are its links' (claim_evidence.reviewed_by,
    reviewed_on).  None when no link has been reviewed.
    """
    dated = [link for link in links if link.get("reviewed_on")]
    if not dated:
        return None
    latest = max(link["reviewed_on"] for link in dated)
    reviewers = sorted({link["reviewed_by"] for link in dated if link["reviewed_on"] == latest and link["reviewed_by"]})
    return {"on": latest, "by": ", ".join(reviewers) or "a reviewer not named", "n_links": sum(link["reviewed_on"] == latest for link in dated)}


async def study_page(db, study_id: str) -> dict | None:
    """Everything the study page shows."""
    found = await rows(db, "SELECT * FROM studies WHERE id = :id", {"id": study_id})
    if not found:
        return None
    study = found[0]
    verification = await rows(db, "SELECT * FROM study_verifications WHERE study_id = :id", {"id": study_id})
    notices = await rows(db, "SELECT * FROM study_notices WHERE study_id = :id ORDER BY notice_date, source", {"id": study_id})
    links = await rows(db, """
        SELECT ce.claim_id, ce.stance, ce.directness, ce.indirectness_reason, ce.rating, ce.note, ce.counted, ce.not_counted_reason,
               c.statement, cs.verdict
        FROM claim_evidence ce JOIN claims c ON c.id = ce.claim_id JOIN claim_summary cs ON cs.claim_id = c.id
        WHERE ce.study_id = :id ORDER BY ce.claim_id""", {"id": study_id})
    return {
        "study": study,
        "citation": cite([study])[0],
        "verified_urls": [u.strip() for u in (verification[0]["verified_urls"].split(" | ") if verification else []) if u.strip()],
        "verification": verification[0] if verification else None,
        "status": term(vocab.VERIFICATION_STATUSES, study["verification"]),
        "design": term(vocab.STUDY_DESIGNS, study["design"]),
        "risk_of_bias": term(vocab.RISK_OF_BIAS, study["risk_of_bias"]),
        "external": external_links(study),
        "notice": term(vocab.NOTICE_NATURES, study["notice"]) if study["notice"] else None,
        "notices": [dict(n, nature_term=term(vocab.NOTICE_NATURES, n["nature"]), external=external_links(
            {"doi": n["notice_doi"], "pmid": n["notice_pmid"]})) for n in notices],
        "links": [dict(link, stance_label=vocab.STANCES.term(link["stance"]).label,
                       directness_label=vocab.DIRECTNESS.term(link["directness"]).label,
                       verdict_label=vocab.VERDICTS.term(link["verdict"]).label) for link in links],
    }


async def article_page(db, article_id: str) -> dict | None:
    """The article with every claim span marked, and its claims grouped by verdict."""
    found = await rows(db, "SELECT * FROM articles WHERE id = :id", {"id": article_id})
    if not found:
        return None
    article = found[0]
    claims = await rows(db, """
        SELECT c.id, c.quote_start, c.quote_end, c.statement, cs.verdict, cs.certainty
        FROM claims c JOIN claim_summary cs ON cs.claim_id = c.id
        WHERE c.article_id = :id ORDER BY c.quote_start""", {"id": article_id})
    spans = [(c["quote_start"], c["quote_end"], c["id"]) for c in claims]
    by_verdict = claims_by_verdict(claims)
    return {
        "article": article,
        "paragraphs": [segments(article["text"], s, e, spans) for s, e in paragraphs(article["text"])],
        "claim_of": {c["id"]: dict(c, verdict_label=vocab.VERDICTS.term(c["verdict"]).label) for c in claims},
        "number_of": {c["id"]: n for n, c in enumerate(claims, start=1)},
        "by_verdict": by_verdict,
        "n_claims": len(claims),
        "review": await article_review(db, article_id, by_verdict),
    }


async def article_review(db, article_id: str, by_verdict: list[dict]) -> dict:
    """The review of the whole article, as fact-check sites publish one.

    The rating, takeaway and the wording of overstatements and omissions are curated (``data/article_*.csv``);
    the counts by verdict and which claims are overstatements are computed from ``claim_summary``, so they follow
    every rebuild.  A curated line for a claim whose verdict no longer overstates is not shown.
    """
    found = await rows(db, "SELECT * FROM article_reviews WHERE article_id = :id", {"id": article_id})
    review = found[0] if found else None
    overstating = [str(v) for v in vocab.OVERSTATING_VERDICTS]  # worst first
    claims = await rows(db, """
        SELECT cs.claim_id AS id, cs.statement, cs.verdict, cs.certainty, cs.why, o.rank, o.text
        FROM claims c JOIN claim_summary cs ON cs.claim_id = c.id
        LEFT JOIN article_overstatements o ON o.claim_id = c.id
        WHERE c.article_id = :id AND cs.verdict IN (SELECT value FROM json_each(:verdicts))
        ORDER BY c.quote_start""", {"id": article_id, "verdicts": json.dumps(overstating)})
    for claim in claims:
        claim["verdict_term"] = term(vocab.VERDICTS, claim["verdict"])
    omissions = await rows(db, "SELECT * FROM article_omissions WHERE article_id = :id ORDER BY id", {"id": article_id})
    cited = {s.study_id: s for s in cite(await rows(db, "SELECT * FROM studies WHERE id IN (SELECT value FROM json_each(:ids))",
                                                    {"ids": json.dumps(sorted({i for o in omissions for i in split_ids(o["study_ids"])}))}))}
    kinds = vocab.OMISSION_KINDS.values()
    omissions.sort(key=lambda o: kinds.index(o["kind"]))
    return {
        "review": review,
        "rating": term(vocab.ARTICLE_RATINGS, review["rating"]) if review else None,
        "counts": [{"verdict": group["verdict"], "n": len(group["claims"])} for group in by_verdict],
        "main_overstatements": sorted((c for c in claims if c["text"]), key=lambda c: c["rank"]),
        "other_overstatements": sorted((c for c in claims if not c["text"]), key=lambda c: overstating.index(c["verdict"])),
        "omissions": [dict(o, kind_term=term(vocab.OMISSION_KINDS, o["kind"]),
                           sources=[{"id": i, "citation": cited[i]} for i in split_ids(o["study_ids"])]) for o in omissions],
    }


HOME_CLAIMS_PER_VERDICT = 25
"""Claims listed under each verdict on the home page; the rest are one click away (claim_summary by verdict)."""


async def home_page(db) -> dict:
    """Counts, the verdict breakdown (the first claims of each verdict) and the tables in reading order."""
    # Datasette counts every table of an immutable database once, when it starts: reuse those counts
    # instead of counting a million links again for each view of the home page.
    table_counts = await db.table_counts(limit=60 * 60 * 1000)
    counts = {table: table_counts[table] for table in ("claims", "studies", "claim_evidence", "articles")}
    totals = {r["verdict"]: r["n"] for r in await rows(db, "SELECT verdict, count(*) AS n FROM claim_summary GROUP BY verdict")}
    claims = []
    for verdict in totals:
        claims += await rows(db, "SELECT claim_id AS id, statement, verdict, certainty FROM claim_summary "
                                 "WHERE verdict = :verdict ORDER BY claim_id LIMIT :limit",
                             {"verdict": verdict, "limit": HOME_CLAIMS_PER_VERDICT})
    groups = claims_by_verdict(claims)
    for group in groups:
        group["total"] = totals[group["verdict"]["value"]]
    articles = await rows(db, "SELECT id, title FROM articles ORDER BY id")
    tables = [r["name"] for r in await rows(db, "SELECT name FROM sqlite_master WHERE type = 'table' "
                                                  "AND name NOT LIKE '%_fts%' AND name != 'figures' ORDER BY name")]
    ordered = [t for t in PREFERRED_TABLE_ORDER if t in tables] + [t for t in tables if t not in PREFERRED_TABLE_ORDER]
    return {"counts": counts, "by_verdict": groups, "articles": articles, "tables": ordered, "map": await evidence_map(db)}


MAP_CLAIMS_PER_CELL = 25
"""Markers drawn in one cell of the evidence map; the rest are one click away (claim_summary filtered to the cell)."""


async def evidence_map(db) -> dict:
    """The evidence map's layout (kb/evidence_map.py): the first claims of each verdict x certainty cell."""
    return grid(await rows(db, """
        SELECT * FROM (
            SELECT claim_id, statement, kind, verdict, certainty, n_studies,
                   row_number() OVER (PARTITION BY verdict, certainty ORDER BY claim_id) AS place,
                   count(*) OVER (PARTITION BY verdict, certainty) AS cell_total
            FROM claim_summary)
        WHERE place <= :limit""", {"limit": MAP_CLAIMS_PER_CELL}))


SEARCH_LIMIT = 50
"""Claims and studies listed for one search."""


async def search(db, text: str, limit: int = SEARCH_LIMIT) -> dict:
    """Claims and studies matching ``text`` in their full-text indexes, best first, with what the reader should know.

    Any text is safe: :func:`kb.web.search.parse` reduces it to quoted words and synonym alternatives.  When no claim or
    study has every word, rows with any of them are shown instead, and the message says so.
    """
    from kb.web.search import MAX_WORDS, parse

    query = parse(text)
    result = {"query": text, "claims": [], "studies": [], "messages": [],
              "expanded": [{"value": s.value, "label": s.label, "names": s.names} for s in query.expanded]}
    if not text.strip():
        return result
    if not query.parts:
        result["messages"].append("There are no words to search for in this query: type words (letters or digits); "
                                  "punctuation and symbols are ignored.")
        return result
    if query.truncated:
        result["messages"].append(f"Only the first {MAX_WORDS} words were searched.")
    result["claims"], result["studies"] = await _search_rows(db, query.match, query.as_typed(), limit)
    if not (result["claims"] or result["studies"]) and len(query.parts) > 1:
        result["claims"], result["studies"] = await _search_rows(db, query.any_words(), query.as_typed(), limit)
        if result["claims"] or result["studies"]:
            result["messages"].append("No claim or study contains all of these words; these contain some of them.")
    for claim in result["claims"]:
        claim["verdict_label"] = vocab.VERDICTS.term(claim["verdict"]).label
    return result


async def _search_rows(db, match: str, typed: str, limit: int) -> tuple[list[dict], list[dict]]:
    """Claims and studies for the FTS5 expression ``match``: those with a word as ``typed`` first, then by relevance."""
    params = {"q": match, "typed": typed, "limit": limit}
    claims = await rows(db, """
        SELECT c.id, c.statement, c.quote, cs.verdict FROM claims_fts f
        JOIN claims c ON c.rowid = f.rowid JOIN claim_summary cs ON cs.claim_id = c.id
        WHERE claims_fts MATCH :q
        ORDER BY f.rowid IN (SELECT rowid FROM claims_fts WHERE claims_fts MATCH :typed) DESC, bm25(claims_fts)
        LIMIT :limit""", params)
    studies = await rows(db, """
        SELECT s.id, s.title, s.first_author, s.year, s.design FROM studies_fts f
        JOIN studies s ON s.rowid = f.rowid
        WHERE studies_fts MATCH :q
        ORDER BY f.rowid IN (SELECT rowid FROM studies_fts WHERE studies_fts MATCH :typed) DESC, bm25(studies_fts)
        LIMIT :limit""", params)
    return claims, studies


CSS_SHAPES = {
    "circle": "border-radius: 50%",
    "square": "border-radius: 0",
    "triangle": "clip-path: polygon(50% 0, 100% 100%, 0 100%)",
    "triangle-down": "clip-path: polygon(0 0, 100% 0, 50% 100%)",
    "diamond": "clip-path: polygon(50% 0, 100% 50%, 50% 100%, 0 50%)",
    "pentagon": "clip-path: polygon(50% 0, 100% 38%, 82% 100%, 18% 100%, 0 38%)",
}


def verdict_hues() -> dict[str, tuple[int, int]]:
    """(hue, saturation %) of each verdict, derived from the vocabulary rather than listed.

    The hue runs from crimson (least favourable rank) through orange and yellow to green and teal
    (most favourable), in steps wide enough that neighbouring verdicts do not look alike; verdicts sharing a rank keep
    the hue and lose saturation in vocabulary order, so every verdict has its own colour and a verdict
    added to kb/vocab.py gets one too.
    """
    ranks = [t.extra["rank"] for t in vocab.VERDICTS.terms]
    low, high = min(ranks), max(ranks)
    seen: dict[int, int] = {}
    hues = {}
    for term in vocab.VERDICTS.terms:
        rank = term.extra["rank"]
        share = seen.get(rank, 0)
        seen[rank] = share + 1
        position = (rank - low) / ((high - low) or 1)
        hues[term.value] = (round(-20 + 180 * position) % 360, round(80 / (1 + 1.5 * share)))
    return hues


def vocabulary_css() -> str:
    """CSS for verdict badges, article highlights and evidence-map markers, from the vocabularies."""
    lines = ["/* Generated by kb/pages.py from kb/vocab.py. */"]
    for value, (hue, saturation) in verdict_hues().items():
        lines.append(f".kb-verdict-{value} {{ border-color: hsl({hue}, {saturation}%, 30%); background: hsl({hue}, {saturation}%, 93%); }}")
        lines.append(f"mark.kb-mark-{value} {{ background: hsl({hue}, {saturation}%, 82%); "
                     f"box-shadow: inset 0 -2px hsl({hue}, {saturation}%, 35%); }}")
    for kind, style in kind_styles().items():
        lines.append(f".kb-dot.kb-kind-{kind} {{ background: {style['colour']}; {CSS_SHAPES[style['shape']]}; }}")
    return "\n".join(lines) + "\n"


IDENTIFIER_URLS = {
    "doi": ("https://doi.org/{}", re.compile(r"10\.\d{4,9}/\S+")),
    "pmid": ("https://pubmed.ncbi.nlm.nih.gov/{}/", re.compile(r"\d{1,9}")),
    "pmcid": ("https://pmc.ncbi.nlm.nih.gov/articles/{}/", re.compile(r"PMC\d{1,9}")),
}
"""Columns holding a public identifier, with where it resolves and the form it must have to be linked."""


def _link(url: str, text: str) -> Markup:
    return Markup('<a href="{}" rel="noopener noreferrer">{}</a>').format(url, text)


def linked_cell(column: str, value) -> Markup | None:
    """A table cell as links: a DOI, PMID or PMCID to its record, an http(s) URL (or ' | '-separated URLs) to itself.

    None for any other value, so Datasette renders it as usual.  Only well-formed identifiers and
    http(s) URLs become links; any other scheme (javascript:, data:) stays text.
    """
    if not isinstance(value, str) or not value:
        return None
    if column in IDENTIFIER_URLS:
        template, form = IDENTIFIER_URLS[column]
        if form.fullmatch(value):
            return _link(template.format(quote(value, safe="/:;()._-")), value)
        return None
    urls = value.split(" | ")
    if all(is_web_url(url) for url in urls):
        return Markup("<br>").join(_link(url, url) for url in urls)
    return None
