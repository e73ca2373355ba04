"""Datasette plugin: the knowledge base in standard formats, on the site.

- ``/-/export/studies.{ris,bib,csl.json}``: every study (with a verified title) as a bibliography;
- ``/-/export/claims/<claim id>.{ris,bib,csl.json}``: the studies linked to one claim;
- on each claim page, its schema.org ClaimReview as JSON-LD and links to those files
  (``kb/web/templates/_kb_claim_exports.html``), dated by the database's build;
- the studies table's action menu links to the study downloads.

Thin on purpose: the formats live in :mod:`kb.exports`.
"""

import re
from urllib.parse import quote

from datasette import hookimpl
from datasette.utils import urlsafe_components
from datasette.utils.asgi import NotFound, Response

from kb.exports import claimreview
from kb.exports.citations import bibliography
from kb.exports.formats import BIBLIOGRAPHY_FORMATS

EXTENSION = "|".join(re.escape(extension) for extension in BIBLIOGRAPHY_FORMATS)


@hookimpl
def register_routes():
    return [
        (rf"^/-/export/studies\.(?P<extension>{EXTENSION})$", export_studies),
        (rf"^/-/export/claims/(?P<claim_id>[^/]+)\.(?P<extension>{EXTENSION})$", export_claim),
    ]


def download(text: str, extension: str, name: str) -> Response:
    return Response(text, content_type=f"{BIBLIOGRAPHY_FORMATS[extension].media_type}; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}.{extension}"'})


async def export_studies(datasette, request):
    """Every study as RIS, BibTeX or CSL-JSON."""
    extension = request.url_vars["extension"]
    entries = await datasette.get_database().execute_fn(bibliography)
    return download(BIBLIOGRAPHY_FORMATS[extension].dumps(entries), extension, "studies")


async def export_claim(datasette, request):
    """The studies linked to one claim as RIS, BibTeX or CSL-JSON."""
    claim_id, extension = request.url_vars["claim_id"], request.url_vars["extension"]
    db = datasette.get_database()
    if (await db.execute("SELECT 1 FROM claims WHERE id = :id", {"id": claim_id})).first() is None:
        raise NotFound("No such claim")
    entries = await db.execute_fn(lambda conn: bibliography(conn, claim_id))
    return download(BIBLIOGRAPHY_FORMATS[extension].dumps(entries), extension, f"claim-{claim_id}")


@hookimpl
def extra_template_vars(view_name, table, request, datasette):
    if view_name != "row" or table != "claims" or request is None:
        return {}

    async def inner():
        claim_id = urlsafe_components(request.url_vars["pks"])[0]
        page, site = datasette.absolute_url(request, request.path), datasette.absolute_url(request, datasette.urls.instance())

        def review(conn):
            built_at = conn.execute("SELECT built_at FROM build_info").fetchone()[0]
            return claimreview.claim_reviews(conn, built_at[:10], lambda _: page, site, claim_id)

        reviews = await datasette.get_database().execute_fn(review)
        downloads = [(f.label, datasette.urls.path(f"/-/export/claims/{quote(claim_id, safe='')}.{extension}"))
                     for extension, f in BIBLIOGRAPHY_FORMATS.items()]
        return {"kb_claimreview": reviews[0] if reviews else None, "kb_claim_downloads": downloads}

    return inner


@hookimpl
def table_actions(datasette, table):
    if table == "studies":
        return [{"href": datasette.urls.path(f"/-/export/studies.{extension}"), "label": f"Download all studies as {f.label}"}
                for extension, f in BIBLIOGRAPHY_FORMATS.items()]
    return None
