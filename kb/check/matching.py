"""Matching sentences to the knowledge base's claims and overstatement flags.

* A sentence matches a claim when it contains a term of every concept group curated for that claim
  (``claim_terms``); the score adds how much of the claim's own wording the sentence shares, and a sentence that
  contains a claim's exact quote scores 1.  A list item may take the groups other than the core concept (group 1)
  from its heading: under "What it treats", the item "Pitted acne scars" claims that acne scars are treated.
* Negation of the claim's core concept ("does not cause hyperpigmentation") reverses the direction: the sentence
  *denies* the claim instead of asserting it; hedges ("may", "can") are noted.
* A sentence that reports what a named person said ("says Dr. Rao", "according to Dr. Chen", or "She adds"
  after such a sentence) makes that person's claim: the match records who.
* Overstatement flags (``overstatement_flags``, curated regular expressions) mark wording that goes beyond the
  evidence, unless negated in their clause.
"""

from __future__ import annotations

import functools
import re
import sqlite3
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from kb import vocab
from kb.check.text import CLOSING, Sentence

NOT_DENYING = re.compile(r"\b(?:not|isn't|is not|aren't|are not)\s+(?:only|just|merely|simply)\b|\b(?:that|which|(?<!^)who)\s+(?:aren't|"
                         r"isn't|weren't|wasn't|haven't|hasn't|are not|is not|were not|was not|have not|has not)(?:\s+been)?\b|\bno (?:wonder|surprise|doubt)\b|\bnever (?:have|need) to\b|\bwithout\s+(?:\w+ing\s+)?(?:the\s+)?(?:proper|correct|"
                         r"adequate|appropriate|right|good|careful|strict)\b|^\W*(?:\d{1,2}[.)]\s*)?(?:don't|do not|never)\s+"
                         r"(?!expect|believe|think|assume)\w+", re.I)
"""Negations that deny nothing said after them: "not only", a condition ("without proper care, ...", "rollers
that aren't sterilised can harbour bacteria"), and advice ("Don't pick at flaking skin", "Never reuse a cartridge")."""
NEGATION = re.compile(r"\b(not|no|zero|never|cannot|without|none|neither|nor|unlikely|rarely|myth|misconception|untrue)\b|n't\b", re.I)
HEDGE = re.compile(r"\b(may|might|can|could|possibly|potentially|some|often|typically|generally|usually|suggests?|modestly)\b", re.I)
WORD = re.compile(r"[a-z0-9]+")
WORD_REST = re.compile(r"[a-z0-9]*")
STOPWORDS = set("""a an and are as at be by can for from has have how if in into is it its may more of on or so such than that the
their them there these this those to was were which while who will with your you our we it's also been being over after""".split())
NEGATED_VERB = re.compile(r"\bnot\b|n't\b", re.I)
"""A negated verb inside a matched core term ("don't recommend", "not advised"); "no risk" is a positive phrase."""
DOES_NOT_HAPPEN = re.compile(r"\w*\s+(?:simply |just |really )?(?:don't|do not|doesn't|does not|never|won't|will not|can't|cannot)\s+"
                             r"(?:happen|occur|arise|develop)\b", re.I)
"""A core concept denied after it ("infections simply don't happen")."""
NOT_EVERYONE_AFTER = re.compile(r"[^.;]{0,40}?\bnot (?:everyone|everybody|for everyone|all)\b", re.I)
"""A core concept limited after it ("a good candidate for microneedling - not everyone is")."""
BUT_CAN = re.compile(r"\bbut\s+(?:it|they|microneedling|the treatment|the procedure|this)\s+(?:can|may|might|could|will|does|do|often|usually|should)\b"
                     r"(?![^.;]*\b(?:not|never|no)\b)(?!\s+not\b)", re.I)
"""A positive clause after a denied one: the sentence limits the claim rather than denying it."""


def current_matcher(data_dir: Path, db_path: Path) -> "Matcher":
    """The matcher for ``data_dir`` as it is now: read from ``db_path`` when that was built from it, else from a
    private build in a temporary folder.

    A check never rebuilds ``db_path``: a running ``kb serve`` may be showing it.
    """
    from kb.build import build, is_up_to_date

    if is_up_to_date(data_dir, db_path):
        return Matcher.from_database(db_path)
    with tempfile.TemporaryDirectory(prefix="kb-check-") as folder:
        return Matcher.from_database(build(data_dir, Path(folder) / "kb.db").db_path)


CLAUSE_START = re.compile(r"[,;:(\u2013\u2014]|\s-\s|\b(but|while|although|though|whereas|however|because|since|if|unless|when|so|other than|except|apart from|"
                          r"aside from)\b|"
                          r"\band\s+(?=(?:the |your |its )?(?:results?|it|they|you|typically|usually|often|most)\b)", re.I)
CONDITIONS = {"if", "unless", "when"}
"""Clause starts after which a negation states a condition ("if the tools are not sterile"), not a denial."""

SAYS = r"(?:says|said|explains|explained|notes|noted|adds|added|warns|warned|cautions|cautioned|writes|wrote|stresses)"
"""Verbs of reporting that may come before the speaker's name ("says Dr. Rao")."""
SPEECH = rf"(?:{SAYS}|recommends|advises|believes|points out|pointed out|tells|told|agrees|insists)"
"""Verbs of reporting after the speaker's name ("Dr. Rao recommends")."""
NAME = r"[A-Z][\w'’-]+(?:\s+[A-Z]\.)?(?:\s+[A-Z][\w'’-]+){0,2}"
TITLED = rf"(?:Dr\.?|Doctor|Prof\.?|Professor|Nurse)\s+{NAME}"
ROLE = (r"(?i:(?:board[- ]certified\s+)?(?:consultant\s+)?(?:dermatologist|aesthetician|esthetician|plastic surgeon|surgeon|"
        r"nurse(?: injector)?|practitioner|skin specialist|skincare expert|expert|founder|director|clinician|therapist|"
        r"doctor|physician|client|patient|customer))")
CREDENTIALS = r"(?:M\.?D\.?|D\.?O\.?|Ph\.?D\.?|RN|NP|PA-C|FAAD|MBBS|MRCP|BSN)(?![\w])"
"""Letters after a name ("Mona Reyes, M.D., a dermatologist, says")."""
SPEAKER_PATTERNS = (
    re.compile(rf"(?P<who>{TITLED})(?:,[^,]{{0,80}},)?\s+(?:also\s+)?{SPEECH}\b"),
    re.compile(rf"\b(?i:according to)\s+(?:{ROLE}\s+)?(?P<who>{TITLED}|{NAME})"),
    re.compile(rf"\b{SAYS}\s+(?:{ROLE}\s+)?(?P<who>{TITLED}|{NAME})"),
    re.compile(rf"{ROLE}\s+(?P<who>{NAME})(?:,[^,]{{0,80}},)?\s+(?:also\s+)?{SPEECH}\b"),
    re.compile(rf"(?P<who>{NAME}),\s+(?:a|an|the)\s+[^,]{{0,60}}?{ROLE}[^,]{{0,40}},\s+(?:also\s+)?{SPEECH}\b"),
    re.compile(rf"(?P<who>{NAME}),?\s+{CREDENTIALS}(?:,\s*{CREDENTIALS})*,?(?:\s+[^,]{{0,80}},)?\s+(?:also\s+)?{SPEECH}\b"),
)
"""Where a sentence names who said it."""
ABOUT_ANOTHER_TREATMENT = re.compile(
    r"^\W*(?:\d{1,2}[.)]\s*)?(?:[^:.]{1,60}:\s*)?(?:although |while |whereas |unlike |like |compared (?:with|to) )?"
    r"(?:the |a |an |our |most |many |some )?(?:[a-z-]+ )?(?:botox|dermal fillers?|"
    r"fillers?|lasers?|laser resurfacing|fraxel|ipl|chemical peels?|peels?|retinol|retinoids?|tretinoin|hydroquinone|"
    r"minoxidil|dermabrasion|microdermabrasion|facelifts?|surgery|(?:collagen )?supplements?)\b")
"""A sentence whose subject is another treatment ("Laser resurfacing heats the skin", also after a list number or
a lead-in ending in a colon): without a name of the procedure in it, its claims are not the procedure's."""
ABOUT_A_PRODUCT = re.compile(
    r"^\W*(?:\d{1,2}[.)]\s*)?(?:[^:.]{1,60}:\s*)?(?:the |a |an |your |our |this |these )?(?:[a-z-]+ )?(?P<product>vitamin [ace]|"
    r"ascorbic acid|hyaluronic acid|niacinamide|sunscreens?|spf|serums?|creams?|prp|platelet[- ]rich plasma|pads?)\b")
"""A sentence whose subject is a product ("Vitamin C plays a crucial role in collagen synthesis"): without a name of
the procedure in it, it makes only the claims that are about products (those whose terms name the product)."""
ANAPHOR = re.compile(r"^\W*(This|These|That|Those|Such|They)\b")
"""A sentence that goes on about what the sentence before named ("Redness is common. It normally disappears" is
left alone: "It" is usually the procedure)."""
DOUBT = re.compile(r"^\W*whether\b(?!\s+(?:you|your|it's|it is|they're|they are)\b)|\b(unclear|not clear|less clear|unknown|unproven|not known) (whether|if)\b|\bwhether [^.!?]* is (unclear|not clear|less clear|unknown|unproven)\b")
"""A sentence that asks or doubts ("Whether that means better results is less clear") asserts nothing; "Whether you
have acne scars or fine lines, microneedling..." and "Whether it's deep scars or fine lines" list, not doubt."""
REPORTED_PROMISES = re.compile(r"\b(?:marketing|advertising|ads|adverts|brands|sellers|influencers|kits|companies|campaigns)\b"
                               r"[^.!?]{0,30}\b(?:claim|claims|claiming|promise|promises|promising|tout|touts|touting)\b", re.I)
"""A sentence reporting what marketing promises ("many campaigns claim it will work wonders") relays claims it
does not make."""
ANNOUNCES = re.compile(r"\b(?:in this (?:article|post|guide|blog|piece)|(?:we|i)(?:'ll| will| are going to)\s+(?:explore|discuss|"
                       r"cover|look at|explain|walk you through|break down|dive into)|this (?:article|post|guide) (?:will )?(?:explores?|"
                       r"discuss(?:es)?|covers?|looks? at|explains?|aims to|sets out to)|read on to (?:learn|find out|discover))\b", re.I)
"""A sentence that announces what the page will discuss ("In this post we'll explore the benefits and side effects")
names topics; it claims nothing about them."""
NATURAL_COURSE = re.compile(r"\b(?:as (?:we|you|people|skin) age|with age|ageing process|aging process|naturally (?:declin|decreas|slow|"
                            r"diminish|lose|loses|break)|(?:is|are) (?:caused by|due to|the result of|formed|a protein|proteins)|"
                            r"(?:occur|form|develop|appear|happen)s? when|proteins? (?:that|which)|essential (?:for|to) (?:maintaining|keeping)|puberty|growth spurt|weight gain|genetics|"
                            r"(?:fade|improve|heal)s? (?:over time|with time|on (?:their|its) own|by themselves|naturally)|is made (?:up )?of|"
                            r"consists of|makes? up \d|(?:is|are) (?:bands|streaks|lines|patches|areas|a type|a form|a kind) of|"
                            r"as collagen (?:levels |production )?(?:decreas|declin|drop|fall)|results? from|gives? (?:the |your )?skin its|beneath the skin|"
                            r"(?:is|are) constantly)\b", re.I)
"""A sentence about how a condition arises or what a protein does ("As we age, collagen production declines"):
unless it names the procedure, its words describe the condition, not a benefit of the procedure."""
CAUSE_QUESTION = re.compile(r"^\W*(?:why|how) (?:do|does|did)\b.*\b(?:form|happen|develop|occur|appear|linger|get)\b|"
                            r"^\W*what causes\b", re.I)
"""A heading that asks how a condition arises ("Why do acne scars form?"): what answers it is background."""
NAMES_THE_SUBJECT = re.compile(r"microneedl|\b(?:how well it|results?(?! from)|outcomes?)\b|^\W*(?:it|this|these(?! proteins| fibres| fibers)|they|that|our|we|you|your|"
                               r"each|the (?:treatment|procedure|device|needles?|micro[- ]?injur\w*|punctures?|channels?|process|"
                               r"session))\b", re.I)
"""A sentence that names the procedure or its results, or opens with what stands for it."""
MYTH = re.compile(r"^\W*(?:myth|misconception)(?:\s*#?\d+)?\s*[:.\u2013\u2014-]", re.I)
"""A sentence or heading that labels what follows as a myth ("Myth 2: Results are immediate")."""
CURE_ONLY = re.compile(r"(?:eliminat|eras|remov|cure|rid of|disappear|vanish|banish|completely|entirely)\w*", re.I)
"""Words that promise removal: "it won't eliminate deep stretch marks" denies a cure, not an improvement."""
BENEFIT_HEADING = re.compile(r"\b(benefits?|advantages?|love|why|results?|treats?|treatments?|helps?|improves?|concerns?|"
                             r"(good|great|ideal|perfect|best|used|recommended|suited|suitable|effective) for|can do|what it does|"
                             r"expect|targets?|fix(es)?|corrects?|addresses)\b")
"""A heading that announces what the procedure does: the fragments listed under it claim that it improves them."""
SUPPORTED = (vocab.Verdict.SUPPORTED, vocab.Verdict.PARTLY_SUPPORTED)
"""Verdicts for which a denial goes against the evidence."""
PRONOUN_SPEECH = re.compile(rf"^(?:She|He|They)\s+(?:also\s+)?{SPEECH}\b")
"""A sentence that goes on reporting the person named in the sentence before."""


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
    attributed_to: str = ""

    @property
    def denies_supported(self) -> bool:
        """The sentence denies a claim the evidence supports (fully or in part): it goes against the evidence."""
        return self.direction == "denies" and self.verdict in SUPPORTED


@dataclass
class FlagHit:
    flag_id: str
    label: str
    phrase: str
    why: str
    claim_id: str
    verdict_label: str = ""


QUOTE_MIN_WORDS = 4
"""A quote shorter than this ("stretch marks", an item of the article's list) is a topic, not a claim's own words:
a sentence that contains it must still match the claim's terms."""

EXCLUDING_CONCEPT = 0
"""A claim's concept 0, when curated, lists terms that rule it out: "prevent" or "risk of" make a sentence about
pigmentation a claim about avoiding it, not about treating it."""
DENIAL_CONCEPT = -1
"""A claim's concept -1, when curated, lists terms without which a sentence cannot deny it: "not suitable for
everyone" is denied by "suitable for everyone", not by "suitable for people with oily skin"."""


OPPOSITE = "!"
"""Marks a core term that says the opposite of the bare concept ("!should avoid" beside "suitable")."""
WHOLE_WORD = "$"
"""Ends a term that matches only as a whole word or its plural ("scar$": "scar", "scars", not "scary")."""


WORD_SET = "@"
"""Starts a term that names a shared word list of :data:`kb.vocab.CHECK_WORD_SETS` ("@improves")."""


def expand_terms(terms: str) -> list[str]:
    """The alternatives of ``terms``, each ``@name`` replaced by the words of that shared set."""
    alternatives = []
    for term in (t.strip().lower() for t in terms.split("|") if t.strip()):
        if term.startswith(WORD_SET):
            alternatives += vocab.CHECK_WORD_SETS.term(term[1:]).extra["words"].split("|")
        else:
            alternatives.append(term)
    return alternatives


def _term_pattern(terms: str, only_opposites: bool = False) -> re.Pattern | None:
    """The alternatives of ``terms`` (or only those marked with "!"), each matching a word that starts with it
    (or, ending with "$", the whole word)."""
    chosen = [t for t in expand_terms(terms) if t.startswith(OPPOSITE) or not only_opposites]
    alternatives = [r"[\s-]*".join(map(re.escape, t.lstrip(OPPOSITE).rstrip(WHOLE_WORD).split()))
                    + (r"(?:s|es)?(?![a-z0-9])" if t.endswith(WHOLE_WORD) else "") for t in chosen]
    return re.compile(r"(?<![a-z0-9])(?:" + "|".join(alternatives) + ")", re.I) if alternatives else None


@functools.lru_cache(maxsize=None)
def _overlapping(pattern: re.Pattern) -> re.Pattern:
    """``pattern`` found at every position, overlapping matches included ("and surgical" and "surgical scars")."""
    return re.compile(f"(?=({pattern.pattern}))", pattern.flags)


def _word_spans(pattern: re.Pattern, text: str) -> list[tuple[int, int]]:
    """Where ``pattern`` occurs in ``text`` (overlaps included), each occurrence stretched to the end of its last word."""
    return [(m.start(), m.end(1) + len(WORD_REST.match(text, m.end(1)).group(0))) for m in _overlapping(pattern).finditer(text)]


def _uncovered(spans: list[tuple[int, int]], covering: list[tuple[int, int]]) -> bool:
    """Whether a core term found at ``spans`` occurs other than inside a longer core term of another claim (among
    ``covering``): "scar" in "surgical scars" is the surgical-scar claim's word, not a bare scar."""
    return any(not any(a <= start and end <= b and b - a > end - start for a, b in covering) for start, end in spans)


def _procedure_names(names: str) -> re.Pattern:
    """Any name of the procedure (longest first, plural allowed), as a whole word."""
    alternatives = sorted({r"[\s-]*".join(map(re.escape, n.lower().split())) for n in names.split("|")}, key=len, reverse=True)
    return re.compile(r"(?<![a-z0-9])(?:" + "|".join(alternatives) + r")s?(?![a-z0-9])")


PROCEDURE_NAMES = _procedure_names(vocab.PROCEDURE.extra["synonyms"])


CURLY_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201b": "'", "\u2032": "'", "\u201c": '"', "\u201d": '"'})


def straight_quotes(text: str) -> str:
    """``text`` with typographic apostrophes and quotes made plain ("isn\u2019t" reads as "isn't"); offsets are kept."""
    return text.translate(CURLY_QUOTES)


def matching_text(text: str) -> str:
    """``text`` lowered, "&" read as "and", every name of the procedure read as "microneedling": a name such as
    "collagen induction therapy" says nothing about collagen, and "dermapen" or "derma rollers" name the procedure a
    claim is about."""
    return PROCEDURE_NAMES.sub("microneedling", straight_quotes(text).lower().replace("&", " and "))


SCAR_KINDS = r"(?:acne|surgical|surgery|post[\s-]?surgical|trauma|traumatic|injury|burn|c[\s-]?section|caesarean|cesarean|chicken[\s-]?pox)"
AND_OR = re.compile(r"\s*(?:,\s*(?:and\b|or\b)?|\band\b|\bor\b|/)\s*")
KINDS_BEFORE = re.compile(rf"\b({SCAR_KINDS}(?:{AND_OR.pattern}{SCAR_KINDS})+)\s+(scars?|scarring)\b")
KINDS_AFTER = re.compile(rf"\b(scars?|scarring),?\s+(?:(?:whether |which |that )?(?:they |it )?(?:are |is |were |was )?caused by|"
                         rf"from|left by|due to|after|\()\s*((?:\w+\s)?{SCAR_KINDS}(?:{AND_OR.pattern}{SCAR_KINDS})*)\b")
CLAIMED_KINDS = re.compile(r"acne|surg|c[\s-]?section|caesarean|cesarean")
"""Kinds of scar a claim is about (acne; surgery, c-section): "trauma scars" or "burn scars" are no claim's."""
MAINTAINS = re.compile(r"\b(?:collagen|elastin|proteins?|fibres?|fibers?|components?)\b(?:(?!\bto\b)[^.;!?\u2014]){0,30}?"
                       r"(?P<role>\b(?:keeps?|maintains?|helps? (?:to )?(?:keep|maintain)|gives? (?:the |your )?skin its|supports?|provides?|"
                       r"responsible for|(?:(?:essential|vital|key|important) (?:for|to)|contributes? to)(?! (?:smoother|firmer|younger|plumper|tighter|more)\b)|"
                       r"for (?:firmness|elasticity|structure)))\b"
                       r"(?:(?!,\s*(?:and\s+)?(?:\w+ing|also|but|so|while|which|leaves|makes|gives)\b)[^.;!?\u2014])*")
"""What collagen and elastin do ("..., the proteins that keep skin firm", "which help maintain elasticity"): a
description of the proteins, which claims no more than the boost in collagen the sentence names."""


def _kinds_of_scar(kinds: str, head: str) -> str:
    """"acne and surgery", "scars" -> "acne scars, surgical scars" (a sentence opening "Surgery ..." is about surgery)."""
    return ", ".join(f"{kind.replace('surgery', 'surgical')} {head}" for kind in AND_OR.split(kinds)
                     if CLAIMED_KINDS.search(kind))


def claim_text(text: str) -> str:
    """The matching text of ``text`` as claims read it: modifiers shared by one noun given to it each ("acne and
    surgical scars" is acne scars and surgical scars; "scars caused by acne, surgery or burns" likewise), and
    descriptions of what collagen does set aside."""
    lowered = matching_text(text)
    lowered = KINDS_BEFORE.sub(lambda m: _kinds_of_scar(m.group(1), m.group(2)), lowered)
    lowered = KINDS_AFTER.sub(lambda m: _kinds_of_scar(m.group(2), m.group(1)), lowered)
    return MAINTAINS.sub(lambda m: m.group(0)[:m.start("role") - m.start()], lowered)


def _stems(text: str) -> set[str]:
    return {w[:6] for w in WORD.findall(text.lower()) if w not in STOPWORDS and len(w) > 2}


@dataclass
class ClaimProfile:
    claim_id: str
    kind: str
    quote: str
    statement: str
    groups: list[re.Pattern]
    stems: set[str]
    quote_negated: bool
    match: ClaimMatch
    excluding: re.Pattern | None = None
    opposite: re.Pattern | None = None
    denial_needs: re.Pattern | None = None


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
        exclusions: dict[str, re.Pattern] = {}
        denial_needs: dict[str, re.Pattern] = {}
        opposites: dict[str, re.Pattern | None] = {}
        for row in query("SELECT claim_id, concept, terms FROM claim_terms ORDER BY claim_id, concept"):
            if row["concept"] == EXCLUDING_CONCEPT:
                exclusions[row["claim_id"]] = _term_pattern(row["terms"])
            elif row["concept"] == DENIAL_CONCEPT:
                denial_needs[row["claim_id"]] = _term_pattern(row["terms"])
            else:
                if row["claim_id"] not in groups:
                    opposites[row["claim_id"]] = _term_pattern(row["terms"], only_opposites=True)
                groups.setdefault(row["claim_id"], []).append(_term_pattern(row["terms"]))
        summaries = [r for r in query("SELECT c.id, c.kind, c.quote, c.statement, s.verdict, s.certainty, s.key_sources "
                                      "FROM claims c JOIN claim_summary s ON s.claim_id = c.id ORDER BY c.id") if r["id"] in groups]
        wanted = {s for r in summaries for s in (r["key_sources"] or "").split(", ")[:2] if s}
        titles = {r["id"]: (r["title"] or r["id"], r["design"]) for r in query("SELECT id, title, design FROM studies")
                  if r["id"] in wanted}
        profiles = []
        for row in summaries:
            sources = [s for s in (row["key_sources"] or "").split(", ") if s][:2]
            match = ClaimMatch(row["id"], row["statement"], 0.0, "asserts", False, row["verdict"],
                               vocab.VERDICTS.term(row["verdict"]).label, row["certainty"],
                               vocab.CERTAINTY_LEVELS.term(row["certainty"]).label if row["certainty"] else "not graded",
                               [{"study_id": s, "title": titles[s][0], "design": vocab.STUDY_DESIGNS.term(titles[s][1]).label} for s in sources])
            quote_negated = _core_negated(straight_quotes(row["quote"]), groups[row["id"]][0], opposites[row["id"]])
            profiles.append(ClaimProfile(row["id"], row["kind"], row["quote"], row["statement"], groups[row["id"]],
                                         _stems(row["quote"] + " " + row["statement"]), quote_negated, match,
                                         exclusions.get(row["id"]), opposites[row["id"]], denial_needs.get(row["id"])))
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

    def match_sentence(self, sentence: Sentence, min_score: float, speaker: str = "", previous: str = "") -> list[ClaimMatch]:
        """The claims ``sentence`` makes, best first: a list item with the help of its heading, and a sentence that
        opens with "This" or "They" with the help of the sentence before it (``previous``, given for those)."""
        matches = []
        text = straight_quotes(sentence.text)
        lowered = claim_text(text)
        if ABOUT_ANOTHER_TREATMENT.search(lowered) and "microneedl" not in lowered or DOUBT.search(lowered) or \
                ANNOUNCES.search(lowered) or REPORTED_PROMISES.search(lowered):
            return []
        own = lowered
        if previous:
            lowered += " " + claim_text(previous)
        context = matching_text(sentence.heading) if sentence.kind == "item" else ""
        denied_list = in_a_denied_list(sentence)  # "What you may not see" / "- Results on deep scars"
        benefit_list = bool(context and BENEFIT_HEADING.search(context) and not denied_list)
        product = ABOUT_A_PRODUCT.search(own)
        product = product.group("product") if product and "microneedl" not in own else ""
        stems = None
        background = (sentence.kind != "item" or text.rstrip(CLOSING).endswith(".")) and bool(NATURAL_COURSE.search(own) or CAUSE_QUESTION.search(sentence.heading)) \
            and not NAMES_THE_SUBJECT.search(own)
        core_spans = {p.claim_id: _word_spans(p.groups[0], lowered) for p in self.profiles}  # found once, used by every claim
        cores = [span for spans in core_spans.values() for span in spans]
        for profile in self.profiles:
            said_in = text  # where the claim's core is, for telling assertion from denial
            if len(profile.quote.split()) >= QUOTE_MIN_WORDS and profile.quote in text or \
                    (len(text) >= 40 and text.rstrip(".!?") in profile.quote):
                score = 1.0  # the claim's own words, or a sentence of a quote that spans several
            else:
                core, *others = profile.groups
                if product and not any(g.search(product) for g in profile.groups):
                    continue
                if not _uncovered(core_spans[profile.claim_id], cores):
                    if not (context and core.search(context) and any(g.search(own) for g in others)):
                        continue
                    said_in = straight_quotes(sentence.heading)  # "Who should avoid it?" / "- Anyone with active acne"
                heading_counts = core.search(context) or profile.kind != vocab.ClaimKind.BENEFIT
                about = (own if core.search(own) else lowered) + (" " + context if heading_counts else "")
                if profile.excluding and profile.excluding.search(about):
                    continue  # a heading rules a benefit out only when it names it ("Can it cause dark spots?")
                if own != lowered and not core.search(own) and not any(g.search(own) for g in others):
                    continue  # a sentence going on from the one before must add something of its own to the claim
                if not (benefit_list and profile.kind == vocab.ClaimKind.BENEFIT) and \
                        not all(g.search(lowered) or (context and g.search(context)) for g in others):
                    continue
                stems = stems if stems is not None else _stems(text + " " + context)
                overlap = len(stems & profile.stems) / max(len(profile.stems), 1)
                score = round(0.6 + 0.4 * min(1.0, 2 * overlap), 2)
            if score < min_score:
                continue
            if score < 1.0 and (background or denied_list and profile.kind == vocab.ClaimKind.BENEFIT):
                continue
            negated = _core_negated(said_in, profile.groups[0], profile.opposite, profile.quote_negated)
            if negated and profile.kind == vocab.ClaimKind.BENEFIT and score < 1.0 and _only_removal(own, profile.groups[1:]):
                continue  # "it might never eliminate deeper stretch marks": no cure, and nothing said of improvement
            direction = "asserts" if negated == profile.quote_negated else "denies"
            if direction == "denies" and profile.denial_needs and not profile.denial_needs.search(lowered):
                continue  # "suitable for people with oily skin" neither says nor denies that it is not for everyone
            matches.append(ClaimMatch(**{**asdict(profile.match), "score": score, "direction": direction,
                                         "hedged": bool(HEDGE.search(text)), "attributed_to": speaker}))
        return sorted(matches, key=lambda m: (-m.score, m.claim_id))

    def flag_sentence(self, sentence: Sentence) -> list[FlagHit]:
        hits = []
        text = straight_quotes(sentence.text)
        lowered = matching_text(text)
        if ABOUT_ANOTHER_TREATMENT.search(lowered) and "microneedl" not in lowered:
            return hits  # "Fillers fade away": another treatment's wording is not an overstatement about this one
        if MYTH.match(text) or REPORTED_PROMISES.search(lowered):
            return hits  # "Myth 2: Results are immediate" names the overstatement to refute it; "kits promising ..." relay one
        if in_a_denied_list(sentence):
            return hits  # "What you may not see" / "- Guaranteed results": the list says what it will not do
        found = [(flag, match) for flag in self.flags if (match := flag[2].search(text))]
        blanked = text
        for _, match in found:  # "zero downtime and safe for all skin types": one absolute does not negate the next
            blanked = blanked[:match.start()] + " " * (match.end() - match.start()) + blanked[match.end():]
        for (flag_id, label, _, why, claim_id), match in found:
            if not _negated_before(blanked, match.start()):
                hits.append(FlagHit(flag_id, label, match.group(0), why, claim_id, self.verdicts.get(claim_id, "")))
        return hits


def in_a_denied_list(sentence: Sentence) -> bool:
    """Whether ``sentence`` is an item under a heading that says what the treatment will not do ("What you may not
    see"): its benefits and promises are denied, not made."""
    return sentence.kind == "item" and bool(NEGATION.search(matching_text(sentence.heading)))


def _only_removal(text: str, groups: list[re.Pattern]) -> bool:
    """Whether every word that gives a benefit claim its verb promises removal ("eliminate", "erase", "disappear")."""
    words = [m.group(0) for g in groups for m in g.finditer(text)]
    return bool(words) and all(CURE_ONLY.match(w) for w in words)


def speaker_of(sentence: str, previous_speaker: str = "") -> str:
    """The named person whose words ``sentence`` reports ("" when none): named in it, or by "She adds" after one."""
    for pattern in SPEAKER_PATTERNS:
        found = pattern.search(sentence)
        if found:
            return found.group("who").strip()
    return previous_speaker if previous_speaker and PRONOUN_SPEECH.search(sentence) else ""


def _core_negated(text: str, core: re.Pattern, opposite: re.Pattern | None = None, negative_claim: bool = True) -> bool:
    """Whether the claim's core concept is negated in ``text`` ('does not cause hyperpigmentation', 'infections don't
    happen'), unless the core term itself says the opposite ('!should avoid', or for a claim worded in the negative,
    'we don't recommend it'), which a negation turns back.  For a claim worded positively, a negation inside a core
    term is the concept's own wording ('not seen as invasive' is non-invasive).

    A sentence says the claim when any mention says it in the claim's own polarity: 'don't expect it to get rid of
    deep wrinkles; it works best on fine lines' asserts wrinkle reduction, and 'suitable for most skin types, but
    people prone to keloids should avoid it' asserts that it is not for everyone."""
    said = [_mention_negated(text, found, opposite, negative_claim) for found in core.finditer(text.lower())]
    if not said:
        return False
    return any(said) if negative_claim else all(said)


def _mention_negated(text: str, found: re.Match, opposite: re.Pattern | None, negative_claim: bool) -> bool:
    inverted = (negative_claim and bool(NEGATED_VERB.search(found.group(0)))) or bool(opposite and opposite.fullmatch(found.group(0)))
    negated = _negated_before(text, found.start()) or bool(DOES_NOT_HAPPEN.match(text[found.end():])) or \
        bool(NOT_EVERYONE_AFTER.match(text[found.end():]))
    if negated and not inverted and BUT_CAN.search(text[found.end():]):
        negated = False  # "it won't make deep scars disappear, but it can make them less noticeable" still claims a gain
    return negated != inverted


def _negated_before(text: str, position: int) -> bool:
    """A negation word between the start of the clause and ``position``, other than one that does not deny:
    "not only", a missing condition ("without proper sterilisation, ..."), or advice ("Don't pick at flaking skin")."""
    before = text[:position]
    starts = list(CLAUSE_START.finditer(before))
    if starts and starts[-1].group(0).lower() in CONDITIONS:
        return False  # "if they're not cleaned properly, ...": the negation is the condition's, not the claim's
    clause = NOT_DENYING.sub(" ", before[starts[-1].end() if starts else 0:])
    return bool(NEGATION.search(clause))