"""The check of one text, and the report in text, Markdown, JSON and HTML.

The summary counts each verdict as itself ("1 Partly supported", never folded into "supported"), and keeps
claims a sentence *denies* apart from claims it repeats: a page that denies a supported claim ("microneedling
never darkens darker skin") is saying something the evidence goes against.
"""

from __future__ import annotations

import html as html_module
import json
import re
from dataclasses import asdict, dataclass, field

from kb import vocab
from kb.check.matching import ANAPHOR, ClaimMatch, FlagHit, Matcher, speaker_of
from kb.check.text import CLOSING, Sentence, read_input, split_sentences

DEFAULT_MIN_SCORE = 0.6
CLAIMING_HEADING = re.compile(r"^\W*(?:\d{1,2}[.)]\s*)?(?:[^:.]{1,20}:\s*)?(?:improves?|reduces?|boosts?|stimulates?|enhances?|minimi[sz]es?|fades?|"
                              r"tightens?|treats?|smooths?|softens?|evens?|brightens?|increases?|promotes?|restores?|firms?|"
                              r"lifts?|diminishes?|refines?|repairs?|rejuvenates?|lightens?|plumps?)\b", re.I)
"""A heading that is itself a benefit ("Improves Skin Texture", "2. Reduces Acne Scars", "0.5 mm: Treats light scarring")
claims what it says."""
QUESTION_TAIL = re.compile(r",\s*(?:but|so|and)\s+(?:how|what|why|when|which|who|is|are|does|do|can|will|should)\b[^,]*\?\W*$|"
                           r"\b(?:wonder|ask)\w*,?\s*[\"“][^\"”]*\?[\"”]?\W*$", re.I)
"""A question asked after a statement in the same sentence ("It has gained popularity, but how long does it last?",
"This minimally invasive procedure ... leads many to wonder, "Does it work?"")."""
YES = re.compile(r"^\W*(?:A:\s*)?(?:yes|yep|absolutely|definitely|it can|it does)\b(?!\s+not\b)", re.I)
"""An answer that affirms the question it follows."""
NO = re.compile(r"^\W*(?:A:\s*)?(?:no|nope|not at all|not really|absolutely not)\s*(?:[.,!;:\u2013\u2014-]|$)", re.I)
"""An answer that says no to the question it follows ("No." / "Not at all, ..."; not "No downtime is needed")."""
ASKED = re.compile(r"^\W*(?P<aux>is|are|does|do|will|would|can|could|should)\s+(?P<subject>there|it|this|that|i|you|"
                   r"microneedling|the treatment|the procedure|[\w-]+)\s+(?P<rest>.+?)\W*$", re.I)
"""A yes/no question, in parts: "Does it hurt?" is "does" + "it" + "hurt"."""
ANY = re.compile(r"^(?:any|much|a lot of)\s+", re.I)
"""What a "No" drops from "Is there any downtime?" to say "there is no downtime"."""

CLAIM_VERBS = re.compile(r"\b(improv|reduc|boost|stimulat|treat|cure|heal|fade|remov|increas|prevent|tighten|rejuvenat|cause|"
                         r"enhanc|promot|repair|restor|eliminat|erase|smooth|firm|brighten|lift|minimi|diminish|clear|shrink|"
                         r"safe|effective|risk|works?\b|help)", re.I)
BODY_TERMS = re.compile(r"\b(skin|scar|wrinkle|collagen|elastin|pore|acne|pigment|hair|cellulite|complexion|texture|tone|"
                        r"aging|ageing|line|spot|melasma|redness|swelling|infection|face|facial|dermis|epidermis|stretch|jowl)", re.I)


@dataclass
class Finding:
    sentence: Sentence
    claims: list[ClaimMatch] = field(default_factory=list)
    flags: list[FlagHit] = field(default_factory=list)

    @property
    def repeats(self) -> list[ClaimMatch]:
        return [m for m in self.claims if m.direction == "asserts"]

    @property
    def denials(self) -> list[ClaimMatch]:
        return [m for m in self.claims if m.direction == "denies"]


def _by_verdict(matches: list[ClaimMatch]) -> list[dict]:
    """Distinct claims counted under their own verdict, in the vocabulary's order."""
    claims = {m.claim_id: m.verdict for m in matches}
    return [{"verdict": t.value, "label": t.label, "claims": n}
            for t in vocab.VERDICTS.terms if (n := sum(1 for v in claims.values() if v == t.value))]


@dataclass
class Report:
    source: str
    n_sentences: int
    findings: list[Finding]
    candidates: list[Sentence]

    @property
    def repeating(self) -> list[Finding]:
        """Findings that repeat a known claim or carry a flag (a sentence denying one claim may repeat another)."""
        return [f for f in self.findings if f.repeats or f.flags]

    @property
    def denying(self) -> list[Finding]:
        """Findings that deny a known claim."""
        return [f for f in self.findings if f.denials]

    def summary(self) -> dict:
        repeated = [m for f in self.findings for m in f.repeats]
        denied = [m for f in self.findings for m in f.denials]
        return {
            "sentences": self.n_sentences,
            "sentences_with_claims": sum(1 for f in self.findings if f.claims),
            "claims_found": len({m.claim_id for f in self.findings for m in f.claims}),
            "claims_repeated": len({m.claim_id for m in repeated}),
            "claims_denied": len({m.claim_id for m in denied}),
            "by_verdict": _by_verdict(repeated),
            "denied_by_verdict": _by_verdict(denied),
            "supported_claims_denied": len({m.claim_id for m in denied if m.denies_supported}),
            "attributed": len({(m.claim_id, m.attributed_to) for f in self.findings for m in f.claims if m.attributed_to}),
            "flags": sum(len(f.flags) for f in self.findings),
            "candidates": len(self.candidates),
        }

    def summary_text(self) -> str:
        """The summary in one paragraph, each verdict named as itself."""
        s = self.summary()

        def counts(groups: list[dict]) -> str:
            return ", ".join(f"{g['claims']} {g['label']}" for g in groups) or "none"

        text = (f"{s['claims_found']} known claims in {s['sentences_with_claims']} of {s['sentences']} sentences. "
                f"Repeated: {counts(s['by_verdict'])}. Denied: {counts(s['denied_by_verdict'])}. "
                f"{s['flags']} overstatement flags; {s['candidates']} unknown claim candidates.")
        if s["attributed"]:
            text += f" Claims quoted from a named person: {s['attributed']}."
        return text


def looks_like_claim(sentence: Sentence) -> bool:
    """A statement (ending like one, so not a heading or a question) with a claim verb and a skin or body term."""
    return bool(sentence.text.rstrip(CLOSING).endswith((".", "!")) and CLAIM_VERBS.search(sentence.text) and BODY_TERMS.search(sentence.text))


def check_text(text: str, matcher: Matcher, min_score: float = DEFAULT_MIN_SCORE, source: str = "input") -> Report:
    """The report for ``text`` (already extracted from HTML)."""
    findings, candidates = [], []
    sentences = split_sentences(text)
    speaker, previous, previous_claims = "", "", set()
    for sentence in sentences:
        speaker = speaker_of(sentence.text, speaker)
        carried = previous if ANAPHOR.match(sentence.text) else ""
        claims = [m for m in matcher.match_sentence(sentence, min_score, speaker, carried)
                  if not carried or m.claim_id not in previous_claims]  # what the sentence before said is not said again
        previous, previous_claims = sentence.text, {m.claim_id for m in claims}
        if sentence.kind == "question":  # "Is microneedling safe?" asks; it asserts nothing
            stated = QUESTION_TAIL.search(sentence.text)  # "It boosts collagen, but how long does it last?" states first
            claims = matcher.match_sentence(Sentence(sentence.text[:stated.start()], sentence.start, sentence.end, "sentence",
                                                     sentence.heading), min_score, speaker) if stated else []
        elif sentence.kind == "heading" and not CLAIMING_HEADING.match(sentence.text):
            claims = [m for m in claims if m.score == 1.0]  # a title names a topic ("Collagen Induction Therapy")
        faq_question = sentence.kind == "question" and _whole_line(text, sentence)
        asks = sentence.text.rstrip(CLOSING).endswith("?") and bool(ASKED.match(sentence.text))  # "Are results permanent?"
        flags = [] if faq_question or asks else matcher.flag_sentence(sentence)  # "Will it get rid of my scars for good?" asks
        yes = bool(YES.match(sentence.text))
        if sentence.heading.rstrip(CLOSING).endswith("?") and (yes or NO.match(sentence.text)):
            # "Can microneedling help stretch marks?" / "Yes, especially newer ones.": the answer says what was asked;
            # "Does it hurt?" / "No.": the answer says it does not hurt
            answered = Sentence(sentence.heading if yes else denial_of(sentence.heading), sentence.start, sentence.end)
            claims += [m for m in matcher.match_sentence(answered, min_score, speaker) if m.claim_id not in {c.claim_id for c in claims}]
            flags += [f for f in matcher.flag_sentence(answered) if f.flag_id not in {g.flag_id for g in flags}]
        if claims or flags:
            findings.append(Finding(sentence, claims, flags))
        if not claims and looks_like_claim(sentence):
            candidates.append(sentence)
    return Report(source, len(sentences), findings, candidates)


def denial_of(question: str) -> str:
    """The statement a "No" answers ``question`` with: "Does it hurt?" gives "it does not hurt", "Is there any
    downtime?" gives "there is no downtime"; "" for a question that is not a yes/no question."""
    asked = ASKED.match(question)
    if not asked:
        return ""
    aux, subject, rest = asked.group("aux", "subject", "rest")
    if subject.lower() == "there":
        return f"there {aux.lower()} no {ANY.sub('', rest)}"
    return f"{subject} {aux.lower()} not {rest}"


def _whole_line(text: str, sentence: Sentence) -> bool:
    """Whether ``sentence`` is a line of its own (an FAQ question), not one sentence of a paragraph (a rhetorical
    question such as "Looking for smoother skin without invasive surgery?" still carries flags)."""
    return (sentence.start == 0 or text[sentence.start - 1] == "\n") and text[sentence.end:sentence.end + 1] in ("", "\n")


def check_bytes(data: bytes, matcher: Matcher, min_score: float = DEFAULT_MIN_SCORE, source: str = "input") -> Report:
    text, _ = read_input(data, source)
    return check_text(text, matcher, min_score, source)


# --- output -------------------------------------------------------------------------------------

def describe(match: ClaimMatch) -> str:
    """One line for a claim match: direction, whose claim, score, verdict and what a denial means."""
    who = f" (the claim of {match.attributed_to}, quoted)" if match.attributed_to else ""
    note = "; the evidence supports the claim this sentence denies" if match.denies_supported else ""
    return (f"{match.direction} {match.claim_id}{who} (score {match.score:.2f}{', hedged' if match.hedged else ''}): "
            f"verdict {match.verdict_label}, certainty {match.certainty_label}{note}")


def render_text(report: Report, markdown: bool = False) -> str:
    h = (lambda level, text: f"{'#' * level} {text}") if markdown else (lambda level, text: text.upper() if level == 1 else text)
    bullet = "- " if markdown else ""
    out = [h(1, f"Check of {report.source}"), "", report.summary_text()]
    for title, findings, wanted in (("Sentences that repeat known claims", report.repeating, "asserts"),
                                    ("Sentences that deny known claims", report.denying, "denies")):
        if not findings:
            continue
        out += ["", h(2, title)]
        for finding in findings:
            s = finding.sentence
            out.append(f"{bullet}[{s.start}-{s.end}] {s.text}")
            for m in finding.claims:
                if m.direction != wanted:
                    continue
                sources = "; ".join(f"{src['study_id']} ({src['design']})" for src in m.sources) or "no source"
                out.append(f"    {describe(m)}; strongest sources: {sources}")
            for f in finding.flags if wanted == "asserts" else ():
                target = f" -> {f.claim_id} ({f.verdict_label})" if f.claim_id else ""
                out.append(f"    FLAG {f.label} ('{f.phrase}'): {f.why}{target}")
    if report.candidates:
        out += ["", h(2, "Unknown claims (candidates for curation)")]
        out += [(bullet or "  ") + f"[{c.start}-{c.end}] {c.text}" for c in report.candidates]
    return "\n".join(out) + "\n"


def render_json(report: Report) -> str:
    return json.dumps({"source": report.source, "summary": report.summary(),
                       "findings": [asdict(f) for f in report.findings],
                       "candidates": [asdict(c) for c in report.candidates]}, indent=2, ensure_ascii=False) + "\n"


def render_html(report: Report) -> str:
    e = html_module.escape
    sections = []
    for title, findings, wanted in (("Sentences that repeat known claims", report.repeating, "asserts"),
                                    ("Sentences that deny known claims", report.denying, "denies")):
        rows = []
        for finding in findings:
            s = finding.sentence
            claims = "".join(f"<li>{e(describe(m))}</li>" for m in finding.claims if m.direction == wanted)
            flags = "".join(f"<li>flag <strong>{e(f.label)}</strong> (“{e(f.phrase)}”): {e(f.why)}</li>"
                            for f in (finding.flags if wanted == "asserts" else ()))
            rows.append(f"<tr><td>{s.start}-{s.end}</td><td>{e(s.text)}</td><td><ul>{claims}{flags}</ul></td></tr>")
        if rows:
            sections.append(f"<h2>{title}</h2><table><thead><tr><th>Offsets</th><th>Sentence</th><th>Claims and flags</th></tr></thead>"
                            f"<tbody>{''.join(rows)}</tbody></table>")
    candidates = "".join(f"<li>[{c.start}-{c.end}] {e(c.text)}</li>" for c in report.candidates)
    return ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>Check of " + e(report.source) + "</title></head><body>"
            f"<h1>Check of {e(report.source)}</h1><p>{e(report.summary_text())}</p>" + "".join(sections)
            + f"<h2>Unknown claims</h2><ul>{candidates}</ul></body></html>\n")


RENDERERS = {"text": render_text, "markdown": lambda r: render_text(r, markdown=True), "json": render_json, "html": render_html}
