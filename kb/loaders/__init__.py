"""Readers for the export formats curators load, all mapped to one study record.

``FORMATS`` maps each format name (as given to ``kb load --format``) to its
parser; :func:`detect` recognises a format from a file's content, not its
name.
"""

from __future__ import annotations

import json
import re

from kb.loaders import bibtex, crossref_json, csl_json, csv_template, medline, pubmed_xml, retraction_watch, ris
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
CROSSREF_KEYS = {"indexed", "reference-count", "member", "deposited", "is-referenced-by-count", "content-domain"}


def detect(text: str) -> str:
    """The format of ``text``, from its content; :class:`FileRejected` when it is none we read."""
    head = text.lstrip("\ufeff \t\r\n")[:20000]
    if not head:
        raise FileRejected("the file is empty")
    if head.startswith("<"):
        if re.search(r"<Pubmed(Book)?Article", head):
            return "pubmed-xml"
        raise FileRejected("this is XML but not PubMed XML (no <PubmedArticleSet> or <PubmedArticle>)")
    if head[0] in "[{":
        return _detect_json(text)
    if WOS_TAG.search(head) and not RIS_TAG.search(head):
        raise FileRejected("this looks like a Web of Science plain-text export (tags such as 'FN', 'VR', 'PT' followed by one space), "
                           "not RIS; export the records as RIS ('TY  - ' lines) instead")
    if MEDLINE_PMID.search(head):
        return "medline"
    if RIS_TAG.search(head):
        return "ris"
    if BIBTEX_ENTRY.search(head):
        return "bibtex"
    first_line = head.splitlines()[0].lower()
    if retraction_watch.is_header(first_line):
        return "retraction-watch"
    if "," in first_line and "title" in [c.strip().strip('"') for c in first_line.split(",")]:
        return "csv"
    raise FileRejected("the format was not recognised (expected the curator CSV template, RIS, BibTeX, PubMed XML, MEDLINE, CSL-JSON, Crossref JSON or the Retraction Watch CSV)")


def _detect_json(text: str) -> str:
    try:
        data = json.loads(text.lstrip("\ufeff"))
    except json.JSONDecodeError as error:
        raise FileRejected(f"line {error.lineno}, column {error.colno}: not valid JSON ({error.msg})") from None
    if isinstance(data, dict) and ("message-type" in data or "message" in data or "items" in data):
        return "crossref-json"
    items = data if isinstance(data, list) else [data]
    first = next((i for i in items if isinstance(i, dict)), {})
    if CROSSREF_KEYS & set(first) or isinstance(first.get("title"), list):
        return "crossref-json"
    return "csl-json"
