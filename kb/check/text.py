"""Reading an article for `kb check`: the visible text of HTML, its sentences with offsets, and what each line is.

Real pages are not only prose: they have headings ("Benefits of microneedling"), lists of fragments under them
("Reduced acne scarring"), and questions ("Is it safe?").  Each sentence records its ``kind`` and the heading it
sits under, so that matching can treat a list item as a statement about the page's subject, a heading and a
question as asserting nothing, and a list item as carrying the words of its heading ("What it treats" / "Acne
scars").  A sentence that ends with a colon ("It is most often used to target the following:") heads the list
after it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_BYTES = 10_000_000
MAX_CHARACTERS = 2_000_000

ABBREVIATIONS = {"e.g", "i.e", "dr", "vs", "etc", "approx", "fig", "mr", "mrs", "ms", "prof", "st", "al", "ca", "cf", "inc", "ltd"}
"""Words a full stop does not end a sentence after ("No." does only when no number follows: "No. 5")."""
WORD = re.compile(r"[a-z0-9]+")
HIDDEN_TAGS = ("head", "script", "style", "noscript", "nav", "header", "footer", "aside", "form", "template", "svg", "iframe", "button", "select")
BLOCK_TAGS = ("p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "td", "th", "section", "article",
              "blockquote", "main", "dd", "dt", "figcaption", "pre", "table")
BULLET = re.compile(r"^\s*(?:[-*•·▪◦‣●○■□✓✔✅►▶➤→]|\d{1,2}[.)])\s+")
"""A list item's marker at the start of a line (HTML list items get "• ")."""
HEADING_WORDS = re.compile(r"\b(benefits?|advantages?|what|why|how|who|when|which|risks?|side effects?|results?|treats?|"
                           r"faqs?|questions?|about|overview|introduction|conclusion|summary|aftercare|recovery|costs?|"
                           r"prices?|procedure|good for|used for|can (it|microneedling) (help|treat|do))\b", re.I)
"""Words that make a short line a heading rather than a list fragment."""
SHORT_ANSWER = re.compile(r"(?:yes|yep|no|nope)\W?", re.I)
"""A one-word answer under an FAQ question ("Does it hurt?" / "No."): kept, as it says what the page answers."""
SOFT_WRAP = re.compile(r"(?<=[^\n]{40}[\w,\-])\n(?=[a-z])")
"""A line break inside a sentence (text wrapped at a fixed width, as in PDFs and e-mails): a long line that does not
end a sentence, followed by a line in lower case ("... the appearance of acne scars,\nwrinkles, fine lines ...").
It is read as a space, so offsets are kept."""
RUN_TOGETHER = re.compile(r"(?<=[a-z])(?=[A-Z][a-z])")
"""Where list items lost the line breaks between them ("Acne scarsFine linesWrinkles", as text taken from a web page
often is): a word in lower case running into one with a capital."""
RUN_TOGETHER_MIN = 3
"""Joins a line needs before it is read as a list: one or two are names ("SkinPen", "DermaPen")."""
HEADING_MAX_WORDS = 10
CLOSING = "\"”’)]"


class CheckInputError(Exception):
    """The input cannot be checked (empty, binary, too large); the message says why."""


@dataclass
class Sentence:
    """A sentence with its offsets in the checked text.

    ``kind`` is ``sentence``, ``question``, ``heading`` or ``item`` (a list entry, often a fragment);
    ``heading`` is the text of the nearest heading above it ("" before the first).
    """

    text: str
    start: int
    end: int
    kind: str = "sentence"
    heading: str = ""


def looks_like_html(text: str) -> bool:
    head = text.lstrip()[:2000].lower()
    return head.startswith(("<!doctype html", "<html")) or bool(re.search(r"<(body|p|div|article|h1)[\s>]", head))


def visible_text(markup: str) -> str:
    """The text a reader sees, in order: hidden and navigation elements dropped, blocks on their own lines,
    list items marked with "• ".

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
    for item in soup.find_all("li"):
        item.insert(0, "• ")
    lines = [" ".join(line.split()) for line in soup.get_text().splitlines()]
    return "\n".join(line for line in lines if line and line != "•")


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
    """Sentences with offsets, kinds and headings.

    Lines are boundaries, and so are . ! ? before a capital (not after abbreviations or list numbers).
    """
    sentences: list[Sentence] = []
    position = 0
    heading, previous = "", ""
    for line, length in _lines(SOFT_WRAP.sub(" ", text)):
        first, line_start = len(sentences), position
        start = 0
        for match in re.finditer(r"(?:[.!?]+[\"”’)\]]*(?:\[\d{1,3}\])*|\s[\U0001F300-\U0001FAFF\u2600-\u27BF\uFE0F]+)\s+(?=[\"“(\[]?[A-Z0-9])", line):
            before = line[start:match.start()].split()
            last = before[-1].lower().rstrip(".") if before else ""
            if last in ABBREVIATIONS or (last == "no" and line[match.end():match.end() + 1].isdigit()) or \
                    (len(before) == 1 and last.isdigit()) or (len(last) == 1 and last.isalpha()):
                continue
            _add(sentences, line, start, match.end(), position)
            start = match.end()
        _add(sentences, line, start, len(line), position)
        position += length
        if len(sentences) == first and one_word_item(line, previous, heading):  # "Acne scars" / "Melasma"
            start = line_start + len(line) - len(line.lstrip())
            sentences.append(Sentence(line.strip(), start, start + len(line.strip())))
        if len(sentences) == first:
            if line.strip() and not BULLET.match(line):  # a one-word heading ("Risks") still heads what follows
                heading, previous = line.strip(), "heading"
            continue
        kind = line_kind(line, len(sentences) - first, previous)
        for sentence in sentences[first:]:
            sentence.heading = heading
            sentence.kind = kind if kind != "sentence" else ("question" if sentence.text.rstrip(CLOSING).endswith("?") else "sentence")
            if sentence.kind == "sentence" and previous in ("heading", "item") and is_bare_list(sentence.text.rstrip(CLOSING)):
                sentence.kind = "item"  # "Pregnancy, breastfeeding, open wounds, active acne." under "Contraindications"
        if kind == "heading" or (len(sentences) - first == 1 and sentences[first].kind == "question"):
            heading, kind = line.strip(), "heading"  # a question on its own line heads what answers it (FAQ pages)
        elif kind == "sentence" and sentences[-1].text.endswith(":"):
            heading, kind = sentences[-1].text, "heading"  # "It is used to treat the following:" heads its list
        previous = kind
    return sentences


def _lines(text: str):
    """Each line of ``text`` with the number of characters it takes up (its newline included); a line whose list
    items ran together ("Acne scarsFine linesWrinkles") comes as one line per item."""
    for line in text.split("\n"):
        joins = [m.start() for m in RUN_TOGETHER.finditer(line)]
        if len(joins) < RUN_TOGETHER_MIN:
            yield line, len(line) + 1
            continue
        cuts = [0, *joins, len(line)]
        for start, end in zip(cuts, cuts[1:]):
            yield line[start:end], end - start + (1 if end == len(line) else 0)


def line_kind(line: str, n_sentences: int, previous: str) -> str:
    """``item`` for a list entry, ``heading`` for a title, else ``sentence`` (questions are told per sentence).

    A line is an item when it starts with a bullet, or when it is a short fragment (no closing punctuation, not in
    title case, no heading words) right after a heading or another item; other short fragments are headings.
    """
    if BULLET.match(line):
        return "item"
    stripped = line.strip().rstrip(CLOSING)
    if n_sentences > 1 or stripped.endswith((".", "!", "?")) or len(stripped.split()) >= HEADING_MAX_WORDS:
        return "sentence"
    if stripped.endswith(":") or is_title_case(stripped) or HEADING_WORDS.search(stripped):
        return "heading"
    return "item" if previous in ("heading", "item") else "heading"


LIST_SEPARATOR = re.compile(r"\s*(?:[,;]\s*(?:and\s+|or\s+)?|\s(?:and|or)\s)\s*")
"""What separates the entries of a list written on one line: a comma or semicolon, "and", "or"."""


def is_bare_list(text: str) -> bool:
    """Whether ``text`` is a run of three or more short names and nothing else ("Acne scars, fine lines, enlarged pores
    and dark spots."): a list written on one line."""
    parts = [p for p in LIST_SEPARATOR.split(text.rstrip(". ")) if p]
    return len(parts) >= 3 and all(len(p.split()) <= 4 for p in parts)


def one_word_item(line: str, previous: str, heading: str) -> bool:
    """Whether ``line``, a single word, is an entry of the list above it ("Stretch marks" / "Hyperpigmentation") or
    the first under a heading that announces one ("What it treats" / "Melasma"), rather than a heading ("Risks")."""
    words = WORD.findall(line.lower())
    opens_a_list = previous == "heading" and (heading.endswith(":") or bool(HEADING_WORDS.search(heading)))
    return (previous == "item" or opens_a_list) and len(words) == 1 and len(words[0]) >= 4 \
        and not line.strip().endswith(":") and not HEADING_WORDS.search(line)


def is_title_case(text: str) -> bool:
    """Most words of four letters or more start with a capital ("Collagen Induction Therapy")."""
    long_words = [w for w in re.findall(r"[^\W\d_][\w'’-]*", text) if len(w) >= 4]
    return len(long_words) >= 2 and sum(w[0].isupper() for w in long_words) >= 0.75 * len(long_words)


def _add(sentences: list[Sentence], line: str, start: int, end: int, offset: int) -> None:
    piece = line[start:end]
    stripped = piece.strip()
    if len(WORD.findall(stripped.lower())) >= 2 or (BULLET.match(stripped) and len(stripped) >= 6) or SHORT_ANSWER.fullmatch(stripped):
        lead = len(piece) - len(piece.lstrip())
        sentences.append(Sentence(stripped, offset + start + lead, offset + start + lead + len(stripped)))
