"""Studies as BibTeX, written by bibtexparser 2 (the maintained BibTeX library).

Journal articles are ``@article``, other documents ``@misc`` with the issuing
body as ``publisher``.  Every value is LaTeX-encoded by bibtexparser's
encoding middleware with pylatexenc's default rules (``50%`` -> ``50\\%``,
``é`` -> ``\\'e``), so the file reads back as written.  Author names are
encoded the same way and joined with 'and' after the other fields, because
a corporate or unparsed name needs braces (``{U.S. FDA}``) that the middleware
would escape; a shortened list ends 'and others'.
"""

from __future__ import annotations

import bibtexparser
from bibtexparser.middlewares import LatexEncodingMiddleware
from bibtexparser.model import Entry, Field
from pylatexenc.latexencode import UnicodeToLatexEncoder

from kb.exports.citations import Bibliography, Citation

ENCODER = UnicodeToLatexEncoder(conversion_rules=["defaults"])


def entry(item: Citation) -> Entry:
    """The entry without its authors (see :func:`author_field`)."""
    start, end = item.page_range()
    values = {
        "title": item.title,
        "journal" if item.is_article else "publisher": item.journal,
        "year": item.year,
        "volume": item.volume,
        "number": item.issue,
        "pages": f"{start}--{end}" if end else start,
        "doi": item.doi,
        "pmid": item.pmid,
        "pmcid": item.pmcid,
        "url": item.url,
        "note": item.note,
    }
    return Entry("article" if item.is_article else "misc", item.id,
                 [Field(key, value) for key, value in values.items() if value])


def author_field(item: Citation) -> str:
    """'Family, A. B. and {Literal Name} and others', LaTeX-encoded."""
    names = [ENCODER.unicode_to_latex(n.inverted()) if n.family else "{" + ENCODER.unicode_to_latex(n.literal) + "}"
             for n in item.names]
    return " and ".join(names + (["others"] if item.truncated else []))


def dumps(bibliography: Bibliography) -> str:
    """The citations as one BibTeX file."""
    library = bibtexparser.Library([entry(item) for item in bibliography.citations])
    library = LatexEncodingMiddleware(encoder=ENCODER).transform(library)
    for item, block in zip(bibliography.citations, library.entries):
        if item.names:
            block.fields.insert(1, Field("author", author_field(item)))
    return bibtexparser.write_string(library)
