"""Readers for the export formats curators load, all mapped to one study record.

``FORMATS`` maps each format name (as given to ``kb load --format``) to its
parser; :func:`detect` recognises a format from a file's content, not its
name: first from its structure (a header row of the template's columns, XML,
JSON), then from the marks of the tagged formats.  The outcomes template
(``outcomes_template.FORMAT``) is recognised by its header too; it adds
outcomes to studies already known, not studies, so it has its own reader
rather than a parser in ``FORMATS``.
"""

from __future__ import annotations

import re

from kb.loaders import bibtex, crossref_json, csl_json, csv_template, medline, outcomes_template, pubmed_xml, retraction_watch, ris
from kb.loaders.records import FileRejected

FORMATS = {
    "csv": csv_template.parse,
    "ris": ris.parse,
    "bibtex": bibtex.parse,
    "pubmed-xml": pubmed_xml.parse,
    "medline": medline.parse,
    "csl-json": csl_json.parse,
    "crossref-json": crossref_json.parse,
    "retraction-watch": retraction_watch.parse,
}
NOTICE_FORMATS = {"retraction-watch"}
"""Formats whose records are notices about studies already in the knowledge base (never new studies)."""

RIS_TAG = re.compile(r"^[A-Z][A-Z0-9]  - ", re.M)
WOS_TAG = re.compile(r"^(FN|VR|PT) \S", re.M)
MEDLINE_PMID = re.compile(r"^PMID- ", re.M)
BIBTEX_ENTRY = re.compile(r"^\s*@\w+\s*[{(]", re.M)
CROSSREF_MARKS = re.compile(r'(?<!\\)"(message-type|message|items|indexed|reference-count|member|deposited|is-referenced-by-count|'
                            r'content-domain)"\s*:|(?<!\\)"title"\s*:\s*\[')


def detect(text: str) -> str:
    """The format of ``text``, from its content; :class:`FileRejected` when it is none we read."""
    head = text.lstrip("\ufeff \t\r\n")[:20000]
    if not head:
        raise FileRejected("the file is empty")
    if outcomes_template.is_outcomes_header(head):
        return outcomes_template.FORMAT
    if csv_template.is_template_header(head.splitlines()[0]):
        return "csv"
    if retraction_watch.is_header(head.splitlines()[0]):
        return "retraction-watch"
    if head.startswith("<"):
        if re.search(r"<Pubmed(Book)?Article", head):
            return "pubmed-xml"
        raise FileRejected("this is XML but not PubMed XML (no <PubmedArticleSet> or <PubmedArticle>)")
    if head[0] in "[{":
        return _detect_json(head)
    if WOS_TAG.search(head) and not RIS_TAG.search(head):
        raise FileRejected("this looks like a Web of Science plain-text export (tags such as 'FN', 'VR', 'PT' followed by one space), "
                           "not RIS; export the records as RIS ('TY  - ' lines) instead")
    if MEDLINE_PMID.search(head):
        return "medline"
    if RIS_TAG.search(head):
        return "ris"
    if BIBTEX_ENTRY.search(head):
        return "bibtex"
    raise FileRejected("the format was not recognised (expected the curator CSV template, the outcomes template, RIS, BibTeX, PubMed XML, MEDLINE, CSL-JSON, Crossref JSON or the Retraction Watch CSV)")


def _detect_json(head: str) -> str:
    """Crossref or CSL-JSON, from the keys in the head of the file.

    Only Crossref has these keys, or a title that is a list.  The head may
    end anywhere in a long file, so it is not parsed; the parser reports
    invalid JSON.
    """
    return "crossref-json" if CROSSREF_MARKS.search(head) else "csl-json"
