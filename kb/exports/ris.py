"""Studies as RIS (EndNote, Zotero, Mendeley...), written by rispy, the maintained RIS library.

Journal articles are ``JOUR``, other documents ``GEN``; the journal or
issuing body goes in ``T2``, the study id in ``ID``.  RIS has no PubMed or
PMC field: those identifiers are in the BibTeX and CSL-JSON exports.
"""

from __future__ import annotations

import rispy

from kb.exports.citations import Bibliography, Citation


def entry(item: Citation) -> dict:
    start, end = item.page_range()
    values = {
        "type_of_reference": "JOUR" if item.is_article else "GEN",
        "id": item.id,
        "title": item.title,
        "authors": [name.inverted() + ("," if name.literal else "") for name in item.names],
        "year": item.year,
        "secondary_title": item.journal,
        "volume": item.volume,
        "number": item.issue,
        "start_page": start,
        "end_page": end,
        "doi": item.doi,
        "urls": [item.url] if item.url else [],
        "notes": [item.note] if item.note else [],
    }
    return {key: value for key, value in values.items() if value}


def dumps(bibliography: Bibliography) -> str:
    """The citations as one RIS file."""
    return rispy.dumps([entry(item) for item in bibliography.citations])
