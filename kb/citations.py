"""Cite studies as people do: author and year (an agency and year for documents), not internal ids.

The in-text form comes from citeproc-py with the Harvard "Cite Them Right"
CSL style that ships with it, so the wording follows a published style
rather than string formatting by hand.  Only what the verified record holds
goes in: an unconfirmed year reads "no date", a study without a confirmed
author is cited by its title, and one with neither by "Unconfirmed source"
and its identifier.  Nothing is guessed.

``cite`` is the one entry point: the grading code and the pages call it with
study rows (mappings with ``id``, ``first_author``, ``authors``, ``year``,
``title`` and optionally ``pmid``/``doi``) and get one :class:`Citation` each.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from markupsafe import Markup, escape

STYLE = "harvard-cite-them-right"
"""The CSL style, one that citeproc-py ships (author-date)."""

SHORT_TITLE_WORDS = 8
"""A study without a confirmed author is cited by this many words of its title."""

ET_AL_PLACEHOLDERS = 4
"""Unnamed co-authors added where the record says "et al.", so the style abbreviates as it would with their names.

Each is named "et al." itself: should a style ever print them, it prints nothing that was not in the record."""

UNCONFIRMED = "Unconfirmed source"

CACHED_CITATIONS = 20_000
"""Rendered citations kept in memory (a few hundred bytes each): every study of a large knowledge base's busiest pages."""


@dataclass(frozen=True)
class Citation:
    """One study's in-text citation, without the style's surrounding parentheses."""

    study_id: str
    text: str
    html: Markup
    confirmed: bool
    """True when both the author (or agency) and the year are confirmed."""

    def link(self, href: str) -> Markup:
        """The citation as a link to ``href`` (the study page), with the id as its tooltip."""
        return Markup('<a class="kb-cite" href="{}" title="{}">{}</a>').format(href, self.study_id, self.html)


def _strip_notes(name: str) -> str:
    """A name without the verifier's notes in brackets: 'FDA (consumer update)' -> 'FDA'."""
    return re.sub(r"\s*[(\[][^)\]]*[)\]]", "", name).strip(" ,")


def _is_personal(name: str) -> bool:
    """'Alam M', 'Al Qarqaz F', 'He Simin', 'Cohen' are people; 'FDA', 'U.S. Food and Drug Administration' are not."""
    tokens = name.split()
    if not tokens or "." in name or (len(tokens) == 1 and name.isupper()):
        return False
    return all(re.fullmatch(r"[A-Z][\w'’-]*", token) for token in tokens)


def _person(name: str) -> dict:
    """'Surname AB' (the bibliography's form) as a CSL name."""
    family, _, given = name.rpartition(" ")
    return {"family": family, "given": given} if family else {"family": given}


def _authors(study: Mapping) -> list[dict]:
    """CSL names from the verified first author and author list; empty when no author is confirmed."""
    first = _strip_notes(study.get("first_author") or "")
    if not first:
        return []
    if not _is_personal(first):
        return [{"literal": first}]  # an agency or other body: cited as one author
    listed = [_strip_notes(n) for n in (study.get("authors") or "").split(",")]
    others = [n for n in listed[1:] if n and _is_personal(n)]
    names = [_person(first)] + [_person(n) for n in others]
    if re.search(r"\bet al\b", study.get("authors") or ""):
        names += [{"family": "et al."}] * ET_AL_PLACEHOLDERS
    return names


def _identifier(study: Mapping) -> str:
    """The first public identifier confirmed for a study, else its id."""
    for key, label in (("pmid", "PMID"), ("doi", "DOI"), ("pmcid", "PMCID")):
        if study.get(key):
            return f"{label} {study[key]}"
    return str(study["id"])


def csl_item(study: Mapping) -> dict:
    """The CSL-JSON item for a study row: only confirmed fields, nothing guessed."""
    item: dict = {"id": str(study["id"]), "type": "article"}  # not a journal article: the style replaces a missing author by the title
    authors = _authors(study)
    if authors:
        item["author"] = authors
    if study.get("year"):
        item["issued"] = {"date-parts": [[int(study["year"])]]}
    title = (study.get("title") or "").strip()
    if not authors and title:
        words = title.split()  # the style cites an authorless item by its full title: give it the short form
        item["title"] = " ".join(words[:SHORT_TITLE_WORDS]) + (" …" if len(words) > SHORT_TITLE_WORDS else "")
    elif not authors:
        item["author"] = [{"literal": f"{UNCONFIRMED} ({_identifier(study)})"}]
    return item


@lru_cache(maxsize=1)
def _style():
    from citeproc import CitationStylesStyle

    return CitationStylesStyle(STYLE, validate=False)


def _render(item: dict, output) -> str:
    from citeproc import Citation as CslCitation, CitationItem, CitationStylesBibliography
    from citeproc.source.json import CiteProcJSON

    bibliography = CitationStylesBibliography(_style(), CiteProcJSON([item]), output)
    citation = CslCitation([CitationItem(item["id"])])
    bibliography.register(citation)
    text = str(bibliography.cite(citation, lambda item: None))
    return text[1:-1] if text.startswith("(") and text.endswith(")") else text


def _escaped(item: dict) -> dict:
    """The item with its text HTML-escaped: citeproc-py's HTML formatter does not escape the data."""
    escaped = dict(item, **{k: str(escape(item[k])) for k in ("title", "title-short") if k in item})
    if "author" in item:
        escaped["author"] = [{k: str(escape(v)) for k, v in name.items()} for name in item["author"]]
    return escaped


@lru_cache(maxsize=CACHED_CITATIONS)
def _rendered(item_json: str) -> tuple[str, str]:
    """A CSL item's citation as plain text and as HTML, rendered once per distinct item (citeproc-py takes about a
    millisecond per item and format, so a claim page with a hundred sources would otherwise spend most of its time here)."""
    from citeproc import formatter

    item = json.loads(item_json)
    return _render(item, formatter.plain), _render(_escaped(item), formatter.html)


def cite(studies: Iterable[Mapping]) -> list[Citation]:
    """In-text citations for study rows, in the order given (one per row).

    Each study is cited on its own, so it reads the same on every page whatever it is cited beside; the style
    adds no year letters ("2014a"), and studies whose author and year coincide are told apart by their links.
    """
    citations = []
    for study in studies:
        item = csl_item(study)
        text, html = _rendered(json.dumps(item, sort_keys=True))
        citations.append(Citation(str(study["id"]), text, Markup(html), bool(_authors(study)) and "issued" in item))
    return citations


def link_cited(text: str, citations: list[Citation], href: Callable[[str], str]) -> Markup:
    """``text`` (escaped) with each cited study's id or citation replaced by the linked citation.

    Sentences stored in the database (a claim's rationale) name their sources by id or by citation;
    either way the page shows a linked citation.
    ``citations`` come from one :func:`cite` call per page: citeproc renders every study each time
    it is called, so a page with several sentences must not cite its studies once per sentence.
    """
    if not citations:
        return escape(text)
    targets: dict[str, Citation] = {}
    for c in citations:
        targets.setdefault(str(escape(c.text)), c)
        targets[c.study_id] = c
    pattern = re.compile("|".join(rf"(?<![\w-]){re.escape(t)}(?![\w-])" for t in sorted(targets, key=len, reverse=True)))
    escaped = str(escape(text))
    return Markup(pattern.sub(lambda m: str(targets[m.group(0)].link(href(targets[m.group(0)].study_id))), escaped))
