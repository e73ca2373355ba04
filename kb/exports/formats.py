"""The bibliography formats by file extension (used by the release and the site)."""

from __future__ import annotations

from typing import Callable, NamedTuple

from kb.exports import bibtex, csl_json, ris
from kb.exports.citations import Bibliography


class Format(NamedTuple):
    label: str
    dumps: Callable[[Bibliography], str]
    media_type: str


BIBLIOGRAPHY_FORMATS = {
    "ris": Format("RIS", ris.dumps, "application/x-research-info-systems"),
    "bib": Format("BibTeX", bibtex.dumps, "application/x-bibtex"),
    "csl.json": Format("CSL-JSON", csl_json.dumps, "application/vnd.citationstyles.csl+json"),
}
