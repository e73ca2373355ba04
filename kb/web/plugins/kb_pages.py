"""Datasette plugin: the reviewer's pages (claim, study, article, home, search) and the evidence map.

Thin on purpose: data comes from :mod:`kb.web.pages`, markup from kb/web/templates.
"""

import asyncio

from datasette import __version__ as datasette_version, hookimpl
from datasette.utils import urlsafe_components
from datasette.utils.asgi import NotFound, Response

from kb.web import pages
from kb.web.serve import follow_latest_build
from kb.validate import is_web_url

ROW_PAGES = {
    "claims": ("kb_claim", pages.claim_page),
    "studies": ("kb_study", pages.study_page),
    "articles": ("kb_article", pages.article_page),
}


@hookimpl
def prepare_jinja2_environment(env):
    """``url is web_url`` in templates: the validation rule for addresses, so that only http(s) ones become links."""
    env.tests["web_url"] = is_web_url


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
def asgi_wrapper(datasette):
    return follow_latest_build(datasette)


@hookimpl
def register_routes():
    return [
        (r"^/$", home),
        (r"^/-/figures/(?P<name>[A-Za-z0-9_.-]+)$", figure),
        (r"^/-/search$", search),
        (r"^/-/check$", check),
    ]


async def home(datasette, request):
    """The home page, rendered as Datasette's index view renders it, but without that view's listing of every table.

    Our template shows its own summary instead, and building the listing checks a permission per table, each
    deep-copying the metadata (Datasette 0.65): most of the page's cost. ``/.json`` stays Datasette's.
    """
    await datasette.ensure_permissions(request.actor, ["view-instance"])
    alternate = datasette.absolute_url(request, datasette.urls.path("/.json"))
    context = {"metadata": datasette.metadata(), "datasette_version": datasette_version, "alternate_url_json": alternate,
               "database_color": lambda database: "ff0000", "select_templates": ["*index.html"]}
    return Response.html(await datasette.render_template("index.html", context, request=request, view_name="index"),
                         headers={"Link": f'{alternate}; rel="alternate"; type="application/json+datasette"'})


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


CHECK_LIMIT = 500_000
"""Characters a pasted article may have on the check page (kb check on the command line takes more)."""
ECHO_LIMIT = 50_000
"""Characters of the pasted text shown again in the form: a long article whole, never a flood."""
CONCURRENT_CHECKS = 2
"""Checks run at once; one more is answered 503 (a 500,000-character check takes seconds of CPU)."""
RETRY_AFTER_SECONDS = 5


def check_slots(datasette) -> asyncio.Semaphore:
    """The semaphore bounding concurrent checks of this Datasette instance."""
    if not hasattr(datasette, "_kb_check_slots"):
        datasette._kb_check_slots = asyncio.Semaphore(CONCURRENT_CHECKS)
    return datasette._kb_check_slots


async def check(datasette, request):
    """Paste an article, get the kb check report (POST, protected by Datasette's CSRF token; see kb.web.request_limits)."""
    from kb.check import CheckInputError, Matcher, check_bytes

    db = datasette.get_database()
    context = {"kb_db": db.name, "kb_text": "", "kb_report": None, "kb_error": "", "kb_limit": CHECK_LIMIT}
    if request.method == "POST":
        slots = check_slots(datasette)
        if slots.locked():  # never wait: a queue of checks would hold their texts in memory
            return Response.text(f"{CONCURRENT_CHECKS} articles are being checked; try again in a few seconds.",
                                 status=503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
        async with slots:
            text = (await request.post_vars()).get("text", "")
            context["kb_text"] = text[:ECHO_LIMIT]
            if len(text) > ECHO_LIMIT:
                context["kb_error"] = f"Only the first {ECHO_LIMIT:,} of its {len(text):,} characters are shown again below. "
            if len(text) > CHECK_LIMIT:
                context["kb_error"] = f"The text has {len(text):,} characters; paste at most {CHECK_LIMIT:,} here, or use kb check."
            else:
                matcher = getattr(db, "kb_matcher", None) or await db.execute_fn(Matcher.from_connection)
                db.kb_matcher = matcher  # the build is immutable: load once (a new build is a new database object)
                try:  # in a thread, so that other readers are answered while a long text is checked
                    context["kb_report"] = await asyncio.to_thread(check_bytes, text.encode("utf-8"), matcher, source="pasted text")
                except CheckInputError as error:
                    context["kb_error"] += str(error)
    return Response.html(await datasette.render_template("kb_check.html", context, request=request))
