"""Datasette plugin: the reviewer's pages (claim, study, article, home, search) and the evidence map.

Thin on purpose: data comes from :mod:`kb.pages`, markup from kb/templates.
"""

from datasette import hookimpl
from datasette.utils import urlsafe_components
from datasette.utils.asgi import NotFound, Response

from kb import pages

ROW_PAGES = {
    "claims": ("kb_claim", pages.claim_page),
    "studies": ("kb_study", pages.study_page),
    "articles": ("kb_article", pages.article_page),
}


@hookimpl
def extra_template_vars(view_name, table, request, datasette):
    async def inner():
        db = datasette.get_database()
        extra = {"kb_db": db.name}
        if view_name == "index":
            extra["kb_home"] = await pages.home_page(db)
        elif view_name == "row" and table in ROW_PAGES and request is not None:
            name, load = ROW_PAGES[table]
            extra[name] = await load(db, urlsafe_components(request.url_vars["pks"])[0])
        return extra

    return inner


@hookimpl
def register_routes():
    return [
        (r"^/-/figures/(?P<name>[A-Za-z0-9_.-]+)$", figure),
        (r"^/-/search$", search),
    ]


async def figure(datasette, request):
    """A figure generated with the build (the evidence map)."""
    result = await datasette.get_database().execute(
        "SELECT media_type, content FROM figures WHERE name = :name", {"name": request.url_vars["name"]})
    row = result.first()
    if row is None:
        raise NotFound("No such figure")
    return Response(row["content"], content_type=row["media_type"], headers={"Cache-Control": "max-age=60"})


async def search(datasette, request):
    """Search claims and studies at once."""
    db = datasette.get_database()
    results = await pages.search(db, request.args.get("q", ""))
    return Response.html(await datasette.render_template(
        "kb_search.html", {"kb_search": results, "kb_db": db.name}, request=request))
