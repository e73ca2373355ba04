"""Studies as CSL-JSON, the citation format of Zotero, Mendeley, pandoc and citeproc.

Persons are ``{"family", "given"}``, other names ``{"literal"}``; PMID and
PMCID are CSL's own variables.
"""

from __future__ import annotations

import json

from kb.exports.citations import Bibliography, Citation


def item(entry: Citation) -> dict:
    values = {
        "id": entry.id,
        "type": "article-journal" if entry.is_article else "document",
        "title": entry.title,
        "author": [{"family": n.family, "given": n.given} if n.family else {"literal": n.literal} for n in entry.names],
        "container-title": entry.journal,
        "issued": {"date-parts": [[int(entry.year)]]} if entry.year else None,
        "volume": entry.volume,
        "issue": entry.issue,
        "page": entry.pages,
        "DOI": entry.doi,
        "PMID": entry.pmid,
        "PMCID": entry.pmcid,
        "URL": entry.url,
        "note": entry.note,
    }
    return {key: value for key, value in values.items() if value}


def dumps(bibliography: Bibliography) -> str:
    """The citations as one CSL-JSON file (a list of items)."""
    return json.dumps([item(entry) for entry in bibliography.citations], indent=2, ensure_ascii=False) + "\n"
