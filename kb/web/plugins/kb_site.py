"""Datasette plugin: the site around the pages (identifier links in every table, the methods page,
the evidence map page, the vocabulary's colours) and the fact-checker's comforts in Datasette's tables.

Thin on purpose: logic lives in :mod:`kb.web.pages` and :mod:`kb.publish`, markup in kb/web/templates.
"""

from __future__ import annotations

from functools import lru_cache

from datasette import hookimpl
from datasette.utils.asgi import Response
from markupsafe import Markup

from kb.web import pages


@hookimpl
def render_cell(value, column):
    """DOI, PMID and PMCID as links to their records, and http(s) URLs as links, in every table and query."""
    return pages.linked_cell(column, value)


@hookimpl
def register_routes():
    return [
        (r"^/-/methods$", methods),
        (r"^/-/evidence-map$", evidence_map),
        (r"^/-/kb-vocabulary\.css$", vocabulary_css),
    ]


COLLAPSE_COLUMN_DESCRIPTIONS = """
document.querySelectorAll("dl.column-descriptions").forEach(function (list) {
  var details = document.createElement("details");
  var summary = document.createElement("summary");
  details.className = "kb-column-descriptions";
  summary.textContent = "What each column means (" + list.querySelectorAll("dt").length + " columns)";
  list.replaceWith(details);
  details.append(summary, list);
});
"""
"""Datasette lists every column's description above a table, which pushes the rows below the fold: fold the list."""


@hookimpl
def extra_body_script(view_name):
    if view_name == "table":
        return COLLAPSE_COLUMN_DESCRIPTIONS
    return None


@lru_cache(maxsize=1)
def _methods_html() -> Markup:
    """docs/grading.md as HTML: rendered from the same generator, so the page always matches the code."""
    import markdown

    from kb.metadata import grading_markdown

    return Markup(markdown.markdown(grading_markdown(), extensions=["tables"]))


async def methods(datasette, request):
    """How ratings are computed (docs/grading.md)."""
    return Response.html(await datasette.render_template(
        "kb_methods.html", {"kb_methods": _methods_html(), "kb_db": datasette.get_database().name}, request=request))


async def evidence_map(datasette, request):
    """The evidence map on a page of its own."""
    db = datasette.get_database()
    return Response.html(await datasette.render_template(
        "kb_map.html", {"kb_map": await pages.evidence_map(db), "kb_db": db.name}, request=request))


async def vocabulary_css(datasette, request):
    """Colours of verdicts and claim kinds, generated from kb/vocab.py."""
    return Response(pages.vocabulary_css(), content_type="text/css; charset=utf-8", headers={"Cache-Control": "max-age=60"})

