"""The bibliography formats by file extension: writer and media type (used by the release and the site)."""

from __future__ import annotations

from kb.exports import bibtex, csl_json, ris

BIBLIOGRAPHY_FORMATS = {
    "ris": (ris.dumps, "application/x-research-info-systems"),
    "bib": (bibtex.dumps, "application/x-bibtex"),
    "csl.json": (csl_json.dumps, "application/vnd.citationstyles.csl+json"),
}
