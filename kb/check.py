"""Check any article against the knowledge base: which sentences make known claims, what the evidence says.

The first pass a fact-checker would do by hand, without network or model:

* the text (plain, or HTML reduced to its visible text) is split into
  sentences with their character offsets;
* a sentence matches a claim when it contains a term of every concept group
  curated for that claim (``claim_terms``); the score adds how much of the
  claim's own wording the sentence shares, and a sentence that contains a
  claim's exact quote scores 1;
* negation of the claim's core concept ("does not cause hyperpigmentation")
  reverses the direction: the sentence *denies* the claim instead of
  asserting it; hedges ("may", "can") are noted;
* overstatement flags (``overstatement_flags``, curated regular
  expressions) mark wording that goes beyond the evidence;
* sentences that read like health or efficacy claims but match nothing are
  listed as candidates for curation.
"""

from __future__ import annotations

import html as html_module
import json
import re
import sqlite3
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from kb import vocab

MAX_BYTES = 10_000_000
MAX_CHARACTERS = 2_000_000
DEFAULT_MIN_SCORE = 0.6

ABBREVIATIONS = {"e.g", "i.e", "dr", "vs", "etc", "approx", "fig", "no", "mr", "mrs", "ms", "prof", "st", "al", "ca", "cf", "inc", "ltd"}
NEGATION = re.compile(r"\b(not|no|never|cannot|without|none|neither|nor|unlikely|rarely)\b|n't\b", re.I)
HEDGE = re.compile(r"\b(may|might|can|could|possibly|potentially|some|often|typically|generally|usually)\b", re.I)
WORD = re.compile(r"[a-z0-9]+")
STOPWORDS = set("""a an and are as at be by can for from has have how if in into is it its may more of on or so such than that the
their them there these this those to was were which while who will with your you our we it's also been being over after""".split())
CLAIM_VERBS = re.compile(r"\b(improv|reduc|boost|stimulat|treat|cure|heal|fade|remov|increas|prevent|tighten|rejuvenat|cause|"
                         r"enhanc|promot|repair|restor|eliminat|erase|smooth|firm|brighten|lift|minimi|diminish|clear|"
                         r"safe|effective|risk|works?\b|help)", re.I)
BODY_TERMS = re.compile(r"\b(skin|scar|wrinkle|collagen|elastin|pore|acne|pigment|hair|cellulite|complexion|texture|tone|"
                        r"aging|ageing|line|spot|melasma|redness|swelling|infection|face|facial|dermis|epidermis|stretch)", re.I)
HIDDEN_TAGS = ("head", "script", "style", "noscript", "nav", "header", "footer", "aside", "form", "template", "svg", "iframe", "button", "select")
BLOCK_TAGS = ("p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "td", "th", "section", "article",
              "blockquote", "main", "dd", "dt", "figcaption", "pre", "table")


class CheckInputError(Exception):
    """The input cannot be checked (empty, binary, too large); the message says why."""


@dataclass
class Sentence:
    text: str
    start: int
    end: int


@dataclass
class ClaimMatch:
    claim_id: str
    statement: str
    score: float
    direction: str  # asserts, denies
    hedged: bool
    verdict: str
    verdict_label: str
    certainty: str
    certainty_label: str
    sources: list[dict] = field(default_factory=list)


@dataclass
class FlagHit:
    flag_id: str
    label: str
    phrase: str
    why: str
    claim_id: str
    verdict_label: str = ""


@dataclass
class Finding:
    sentence: Sentence
    claims: list[ClaimMatch] = field(default_factory=list)
    flags: list[FlagHit] = field(default_factory=list)


@dataclass
class Report:
    source: str
    n_sentences: int
    findings: list[Finding]
    candidates: list[Sentence]

    def summary(self) -> dict:
        matched = {m.claim_id: m for f in self.findings for m in f.claims}
        by_verdict: dict[str, int] = {}
        for match in matched.values():
            by_verdict[match.verdict_label] = by_verdict.get(match.verdict_label, 0) + 1
        groups = {"supported": (vocab.Verdict.SUPPORTED, vocab.Verdict.PARTLY_SUPPORTED),
                  "overstated": (vocab.Verdict.OVERSTATED, vocab.Verdict.MISLEADING),
                  "contradicted": (vocab.Verdict.CONTRADICTED,),
                  "insufficient": (vocab.Verdict.INSUFFICIENT, vocab.Verdict.NO_EVIDENCE)}
        return {
            "sentences": self.n_sentences,
            "sentences_with_claims": sum(1 for f in self.findings if f.claims),
            "claims_found": len(matched),
            **{name: sum(1 for m in matched.values() if m.verdict in verdicts) for name, verdicts in groups.items()},
            "denied": sum(1 for f in self.findings for m in f.claims if m.direction == "denies"),
            "flags": sum(len(f.flags) for f in self.findings),
            "candidates": len(self.candidates),
            "by_verdict": by_verdict,
        }


# --- reading the input ---------------------------------------------------------------------------

def looks_like_html(text: str) -> bool:
    head = text.lstrip()[:2000].lower()
    return head.startswith(("<!doctype html", "<html")) or bool(re.search(r"<(body|p|div|article|h1)[\s>]", head))


def visible_text(markup: str) -> str:
    """The text a reader sees, in order: hidden and navigation elements dropped, blocks on their own lines.

    Uses BeautifulSoup (a maintained HTML parser) with Python's built-in parser backend.
    """
    from bs4 import BeautifulSoup, Comment

    soup = BeautifulSoup(markup, "html.parser")
    for tag in soup.find_all(HIDDEN_TAGS):
        tag.decompose()
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    for br in soup.find_all("br"):
        br.replace_with("\n")
    for tag in soup.find_all(BLOCK_TAGS):
        tag.insert_before("\n")
        tag.insert_after("\n")
    lines = [" ".join(line.split()) for line in soup.get_text().splitlines()]
    return "\n".join(line for line in lines if line)


def read_input(data: bytes, name: str = "input") -> tuple[str, bool]:
    """The text to check and whether it came from HTML; :class:`CheckInputError` for input that cannot be checked."""
    if not data.strip():
        raise CheckInputError(f"{name} is empty: there is nothing to check")
    if len(data) > MAX_BYTES:
        raise CheckInputError(f"{name} is {len(data) / 1e6:.1f} MB; kb check reads at most {MAX_BYTES / 1e6:.0f} MB "
                              "(an article is rarely over 1 MB): split the file or check the article's own page")
    if b"\x00" in data[:8192]:
        raise CheckInputError(f"{name} looks like a binary file, not text or HTML")
    text = data.decode("utf-8-sig", errors="replace")
    is_html = looks_like_html(text)
    if is_html:
        text = visible_text(text)
    if len(text) > MAX_CHARACTERS:
        raise CheckInputError(f"{name} has {len(text):,} characters of text; kb check reads at most {MAX_CHARACTERS:,}")
    if not text.strip():
        raise CheckInputError(f"{name} has no visible text")
    return text, is_html


def split_sentences(text: str) -> list[Sentence]:
    """Sentences with offsets: lines are boundaries, and so are . ! ? before a capital (not after abbreviations or list numbers)."""
    sentences = []
    position = 0
    for line in text.split("\n"):
        start = 0
        for match in re.finditer(r"[.!?]+[\"”’)\]]*\s+(?=[\"“(\[]?[A-Z0-9])", line):
            before = line[start:match.start()].split()
            last = before[-1].lower().rstrip(".") if before else ""
            if last in ABBREVIATIONS or (len(before) == 1 and last.isdigit()) or (len(last) == 1 and last.isalpha()):
                continue
            _add(sentences, line, start, match.end(), position)
            start = match.end()
        _add(sentences, line, start, len(line), position)
        position += len(line) + 1
    return sentences


def _add(sentences: list[Sentence], line: str, start: int, end: int, offset: int) -> None:
    piece = line[start:end]
    stripped = piece.strip()
    if len(WORD.findall(stripped.lower())) >= 2:
        lead = len(piece) - len(piece.lstrip())
        sentences.append(Sentence(stripped, offset + start + lead, offset + start + lead + len(stripped)))


# --- the knowledge base side -------------------------------------------------------------------

def _term_pattern(terms: str) -> re.Pattern:
    alternatives = [r"[\s-]*".join(map(re.escape, t.strip().lower().split())) for t in terms.split("|") if t.strip()]
    return re.compile(r"(?<![a-z0-9])(?:" + "|".join(alternatives) + ")", re.I)


def _stems(text: str) -> set[str]:
    return {w[:6] for w in WORD.findall(text.lower()) if w not in STOPWORDS and len(w) > 2}


@dataclass
class ClaimProfile:
    claim_id: str
    quote: str
    statement: str
    groups: list[re.Pattern]
    stems: set[str]
    quote_negated: bool
    match: ClaimMatch


class Matcher:
    """Everything `kb check` needs from the knowledge base, loaded once from kb.db."""

    def __init__(self, profiles: list[ClaimProfile], flags: list[tuple[str, str, re.Pattern, str, str]]):
        self.profiles = profiles
        self.flags = flags
        self.verdicts = {p.claim_id: p.match.verdict_label for p in profiles}

    @classmethod
    def from_connection(cls, conn: sqlite3.Connection) -> "Matcher":
        def query(sql: str):
            cursor = conn.cursor()
            cursor.row_factory = sqlite3.Row
            return cursor.execute(sql)

        groups: dict[str, list[re.Pattern]] = {}
        for row in query("SELECT claim_id, terms FROM claim_terms ORDER BY claim_id, concept"):
            groups.setdefault(row["claim_id"], []).append(_term_pattern(row["terms"]))
        summaries = [r for r in query("SELECT c.id, c.quote, c.statement, s.verdict, s.certainty, s.key_sources "
                                      "FROM claims c JOIN claim_summary s ON s.claim_id = c.id ORDER BY c.id") if r["id"] in groups]
        wanted = {s for r in summaries for s in (r["key_sources"] or "").split(", ")[:2] if s}
        titles = {r["id"]: (r["title"] or r["id"], r["design"]) for r in query("SELECT id, title, design FROM studies")
                  if r["id"] in wanted}
        profiles = []
        for row in summaries:
            sources = [s for s in (row["key_sources"] or "").split(", ") if s][:2]
            match = ClaimMatch(row["id"], row["statement"], 0.0, "asserts", False, row["verdict"],
                               vocab.VERDICTS.term(row["verdict"]).label, row["certainty"],
                               vocab.CERTAINTY_LEVELS.term(row["certainty"]).label,
                               [{"study_id": s, "title": titles[s][0], "design": vocab.STUDY_DESIGNS.term(titles[s][1]).label} for s in sources])
            quote_negated = _core_negated(row["quote"], groups[row["id"]][0])
            profiles.append(ClaimProfile(row["id"], row["quote"], row["statement"], groups[row["id"]],
                                         _stems(row["quote"] + " " + row["statement"]), quote_negated, match))
        flags = [(r["id"], r["label"], re.compile(r["pattern"], re.I), r["why"], r["claim_id"] or "")
                 for r in query("SELECT * FROM overstatement_flags ORDER BY id")]
        return cls(profiles, flags)

    @classmethod
    def from_database(cls, db_path: Path) -> "Matcher":
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        try:
            return cls.from_connection(conn)
        finally:
            conn.close()

    def match_sentence(self, sentence: Sentence, min_score: float) -> list[ClaimMatch]:
        matches = []
        lowered = sentence.text.lower()
        stems = None
        for profile in self.profiles:
            if profile.quote in sentence.text or (len(sentence.text) >= 40 and sentence.text.rstrip(".!?") in profile.quote):
                score = 1.0  # the claim's own words, or a sentence of a quote that spans several
            else:
                if not all(group.search(lowered) for group in profile.groups):
                    continue
                stems = stems if stems is not None else _stems(sentence.text)
                overlap = len(stems & profile.stems) / max(len(profile.stems), 1)
                score = round(0.6 + 0.4 * min(1.0, 2 * overlap), 2)
            if score < min_score:
                continue
            negated = _core_negated(sentence.text, profile.groups[0])
            direction = "asserts" if negated == profile.quote_negated else "denies"
            matches.append(ClaimMatch(**{**asdict(profile.match), "score": score, "direction": direction,
                                         "hedged": bool(HEDGE.search(sentence.text))}))
        return sorted(matches, key=lambda m: (-m.score, m.claim_id))

    def flag_sentence(self, sentence: Sentence) -> list[FlagHit]:
        hits = []
        for flag_id, label, pattern, why, claim_id in self.flags:
            found = pattern.search(sentence.text)
            if found and not _negated_before(sentence.text, found.start()):
                hits.append(FlagHit(flag_id, label, found.group(0), why, claim_id, self.verdicts.get(claim_id, "")))
        return hits


CLAUSE_START = re.compile(r"[,;:(]|\b(but|while|although|though|whereas|however|because|since|if|when|so)\b", re.I)


def current_matcher(data_dir: Path, db_path: Path) -> Matcher:
    """The matcher for ``data_dir`` as it is now: read from ``db_path`` when that was built from it, else from a
    private build in a temporary folder.

    A check never rebuilds ``db_path``: a running ``kb serve`` may be showing it.
    """
    from kb.build import build, is_up_to_date

    if is_up_to_date(data_dir, db_path):
        return Matcher.from_database(db_path)
    with tempfile.TemporaryDirectory(prefix="kb-check-") as folder:
        return Matcher.from_database(build(data_dir, Path(folder) / "kb.db").db_path)


def _core_negated(text: str, core: re.Pattern) -> bool:
    """Whether the first mention of the claim's core concept is negated ('does not cause hyperpigmentation')."""
    found = core.search(text.lower())
    return bool(found) and _negated_before(text, found.start())


def _negated_before(text: str, position: int) -> bool:
    """A negation word between the start of the clause and ``position``."""
    before = text[:position]
    starts = [m.end() for m in CLAUSE_START.finditer(before)]
    return bool(NEGATION.search(before[starts[-1] if starts else 0:]))


def is_heading(sentence: Sentence) -> bool:
    """A short line without closing punctuation: a title or section heading."""
    return not sentence.text.rstrip("\"”’)").endswith((".", "!", "?")) and len(sentence.text.split()) < 8


def looks_like_claim(sentence: Sentence) -> bool:
    """A statement (ending like one, so not a heading or a question) with a claim verb and a skin or body term."""
    return bool(sentence.text.rstrip("\"”’)").endswith((".", "!")) and CLAIM_VERBS.search(sentence.text) and BODY_TERMS.search(sentence.text))


def check_text(text: str, matcher: Matcher, min_score: float = DEFAULT_MIN_SCORE, source: str = "input") -> Report:
    """The report for ``text`` (already extracted from HTML)."""
    findings, candidates = [], []
    sentences = split_sentences(text)
    for sentence in sentences:
        claims = matcher.match_sentence(sentence, min_score)
        if is_heading(sentence):  # a title names a topic ("Collagen Induction Therapy"); it asserts nothing
            claims = [m for m in claims if m.score == 1.0]
        flags = matcher.flag_sentence(sentence)
        if claims or flags:
            findings.append(Finding(sentence, claims, flags))
        if not claims and looks_like_claim(sentence):
            candidates.append(sentence)
    return Report(source, len(sentences), findings, candidates)


def check_bytes(data: bytes, matcher: Matcher, min_score: float = DEFAULT_MIN_SCORE, source: str = "input") -> Report:
    text, _ = read_input(data, source)
    return check_text(text, matcher, min_score, source)


# --- output -------------------------------------------------------------------------------------

def _summary_lines(report: Report) -> list[str]:
    s = report.summary()
    return [f"{s['claims_found']} known claims in {s['sentences_with_claims']} of {s['sentences']} sentences: "
            f"{s['supported']} supported, {s['overstated']} overstated, {s['contradicted']} contradicted, "
            f"{s['insufficient']} with insufficient evidence; {s['denied']} denied; {s['flags']} overstatement flags; "
            f"{s['candidates']} unknown claim candidates."]


def render_text(report: Report, markdown: bool = False) -> str:
    h = (lambda level, text: f"{'#' * level} {text}") if markdown else (lambda level, text: text.upper() if level == 1 else text)
    out = [h(1, f"Check of {report.source}"), "", *_summary_lines(report), ""]
    for finding in report.findings:
        s = finding.sentence
        out.append(("- " if markdown else "") + f"[{s.start}-{s.end}] {s.text}")
        for m in finding.claims:
            sources = "; ".join(f"{src['study_id']} ({src['design']})" for src in m.sources) or "no source"
            out.append(f"    {m.direction} {m.claim_id} (score {m.score:.2f}{', hedged' if m.hedged else ''}): "
                       f"verdict {m.verdict_label}, certainty {m.certainty_label}; strongest sources: {sources}")
        for f in finding.flags:
            target = f" -> {f.claim_id} ({f.verdict_label})" if f.claim_id else ""
            out.append(f"    FLAG {f.label} ('{f.phrase}'): {f.why}{target}")
    if report.candidates:
        out += ["", h(2, "Unknown claims (candidates for curation)")]
        out += [("- " if markdown else "  ") + f"[{c.start}-{c.end}] {c.text}" for c in report.candidates]
    return "\n".join(out) + "\n"


def render_json(report: Report) -> str:
    return json.dumps({"source": report.source, "summary": report.summary(),
                       "findings": [asdict(f) for f in report.findings],
                       "candidates": [asdict(c) for c in report.candidates]}, indent=2, ensure_ascii=False) + "\n"


def render_html(report: Report) -> str:
    e = html_module.escape
    rows = []
    for finding in report.findings:
        s = finding.sentence
        claims = "".join(f"<li>{e(m.direction)} <strong>{e(m.claim_id)}</strong> ({m.score:.2f}{', hedged' if m.hedged else ''}): "
                         f"verdict {e(m.verdict_label)}, certainty {e(m.certainty_label)}</li>" for m in finding.claims)
        flags = "".join(f"<li>flag <strong>{e(f.label)}</strong> (“{e(f.phrase)}”): {e(f.why)}</li>" for f in finding.flags)
        rows.append(f"<tr><td>{s.start}-{s.end}</td><td>{e(s.text)}</td><td><ul>{claims}{flags}</ul></td></tr>")
    candidates = "".join(f"<li>[{c.start}-{c.end}] {e(c.text)}</li>" for c in report.candidates)
    return ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>Check of " + e(report.source) + "</title></head><body>"
            f"<h1>Check of {e(report.source)}</h1><p>{e(_summary_lines(report)[0])}</p>"
            "<table><thead><tr><th>Offsets</th><th>Sentence</th><th>Claims and flags</th></tr></thead><tbody>"
            + "".join(rows) + f"</tbody></table><h2>Unknown claims</h2><ul>{candidates}</ul></body></html>\n")


RENDERERS = {"text": render_text, "markdown": lambda r: render_text(r, markdown=True), "json": render_json, "html": render_html}


# --- quality on a labelled set ------------------------------------------------------------------

def evaluate(passages: list[dict], matcher: Matcher, min_score: float = DEFAULT_MIN_SCORE) -> dict:
    """Micro-averaged precision and recall of claim detection (claim and direction) and of flags.

    Each passage is ``{"id", "text", "claims": [[claim_id, direction], ...], "flags": [flag_id, ...]}``.
    """
    counts = {"claims": [0, 0, 0], "flags": [0, 0, 0]}  # true positives, predicted, expected
    misses = []
    for passage in passages:
        report = check_text(passage["text"], matcher, min_score, passage["id"])
        predicted = {"claims": {(m.claim_id, m.direction) for f in report.findings for m in f.claims},
                     "flags": {h.flag_id for f in report.findings for h in f.flags}}
        expected = {"claims": {tuple(c) for c in passage["claims"]}, "flags": set(passage["flags"])}
        for kind in counts:
            counts[kind][0] += len(predicted[kind] & expected[kind])
            counts[kind][1] += len(predicted[kind])
            counts[kind][2] += len(expected[kind])
            if predicted[kind] != expected[kind]:
                misses.append({"passage": passage["id"], "kind": kind, "unexpected": sorted(predicted[kind] - expected[kind]),
                               "missed": sorted(expected[kind] - predicted[kind])})
    return {kind: {"precision": tp / p if p else 1.0, "recall": tp / e if e else 1.0, "true_positives": tp, "predicted": p, "expected": e}
            for kind, (tp, p, e) in counts.items()} | {"misses": misses}
