"""The site under hostile or heavy use: bounded POSTs, CSRF, multipart, unsafe links, and the page cache."""

from __future__ import annotations

import asyncio
import re
import shutil
import sqlite3

import pytest

from kb.build import build
from kb.web.page_cache import CachingApp, PageStore
from kb.web.plugins.kb_pages import CHECK_LIMIT, CONCURRENT_CHECKS, ECHO_LIMIT, check_slots
from kb.web.request_limits import MAX_POST_BYTES
from kb.web.serve import make_datasette
from kb.validate import validate
from tests.conftest import REPO, edit_row, read_csv

CLAIM_PAGE = "/kb/claims/acne-scar-reduction"


@pytest.fixture
def datasette(built_db):
    return make_datasette(built_db, REPO / "metadata.json")


async def check_form(datasette) -> tuple[dict, str]:
    """The cookie and the form token a browser gets from the check page."""
    page = await datasette.client.get("/-/check")
    token = re.search(r'name="csrftoken" value="([^"]+)"', page.text).group(1)
    return {"ds_csrftoken": page.cookies["ds_csrftoken"]}, token


# --- /-/check: size, echo, concurrency, CSRF, multipart ----------------------------------------------------------

async def test_a_checked_text_gets_a_report(datasette):
    cookies, token = await check_form(datasette)
    response = await datasette.client.post("/-/check", data={"csrftoken": token, "text": "Microneedling boosts collagen."},
                                           cookies=cookies)
    assert response.status_code == 200
    assert 'id="kb-check-summary"' in response.text


async def test_a_post_without_the_csrf_cookie_is_refused(datasette):
    _, token = await check_form(datasette)
    response = await datasette.client.post("/-/check", data={"csrftoken": token, "text": "Microneedling boosts collagen."})
    assert response.status_code == 403
    assert "reload the page" in response.text


async def test_a_post_with_a_cookie_but_the_wrong_token_is_refused(datasette):
    cookies, _ = await check_form(datasette)
    response = await datasette.client.post("/-/check", data={"csrftoken": "forged", "text": "x"}, cookies=cookies)
    assert response.status_code == 403


async def test_an_oversized_body_is_refused_from_its_length_without_being_read(datasette):
    app = datasette.client.app
    sent = []

    async def receive():
        raise AssertionError("the body was read")

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/-/check", "raw_path": b"/-/check", "query_string": b"",
             "headers": [(b"content-length", str(MAX_POST_BYTES + 1).encode()), (b"cookie", b"ds_csrftoken=x"),
                         (b"content-type", b"application/x-www-form-urlencoded")]}
    await app(scope, receive, send)
    assert sent[0]["status"] == 413
    assert b"kb check FILE" in sent[1]["body"]


async def test_a_chunked_body_is_read_no_further_than_the_limit(datasette):
    app = datasette.client.app
    chunk = b"text=" + b"a" * 99_995
    reads, sent = 0, []

    async def receive():  # an endless chunked body: no content-length
        nonlocal reads
        reads += 1
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/-/check", "raw_path": b"/-/check", "query_string": b"",
             "headers": [(b"cookie", b"ds_csrftoken=x"), (b"content-type", b"application/x-www-form-urlencoded")]}
    await app(scope, receive, send)
    assert sent[0]["status"] == 413
    assert reads == MAX_POST_BYTES // len(chunk) + 1


async def test_an_overlong_text_is_refused_and_echoed_only_in_part(datasette):
    cookies, token = await check_form(datasette)
    text = "Microneedling boosts collagen. " * (CHECK_LIMIT // 30)
    assert CHECK_LIMIT < len(text)
    response = await datasette.client.post("/-/check", data={"csrftoken": token, "text": text}, cookies=cookies)
    assert response.status_code == 200
    assert f"paste at most {CHECK_LIMIT:,}" in response.text
    echoed = re.search(r"<textarea[^>]*>(.*)</textarea>", response.text, re.S).group(1)
    assert len(echoed) == ECHO_LIMIT
    assert len(response.content) < 2 * ECHO_LIMIT


async def test_checks_beyond_the_limit_are_answered_503_with_retry_after(datasette):
    cookies, token = await check_form(datasette)
    slots = check_slots(datasette)
    for _ in range(CONCURRENT_CHECKS):
        await slots.acquire()
    try:
        response = await datasette.client.post("/-/check", data={"csrftoken": token, "text": "x"}, cookies=cookies)
    finally:
        for _ in range(CONCURRENT_CHECKS):
            slots.release()
    assert response.status_code == 503
    assert int(response.headers["retry-after"]) > 0


@pytest.mark.parametrize("with_cookie", [True, False])
async def test_a_multipart_post_gets_a_clean_answer(datasette, with_cookie):
    cookies, token = await check_form(datasette)
    response = await datasette.client.post("/-/check", data={"csrftoken": token, "text": "Microneedling boosts collagen."},
                                           files={"upload": ("article.txt", b"Microneedling boosts collagen.")},
                                           cookies=cookies if with_cookie else None)
    assert response.status_code == 415
    assert "kb check FILE" in response.text


# --- unsafe links ------------------------------------------------------------------------------------------------

def test_validation_allows_only_http_and_https_addresses(data_copy):
    edit_row(data_copy, "studies.csv", 0, url="javascript:alert(1)")
    verifications = read_csv(data_copy / "study_verifications.csv")
    urls = verifications[1]["verified_urls"]
    edit_row(data_copy, "study_verifications.csv", 1, verified_urls=f"{urls} | data:text/html,<script>alert(1)</script>")
    problems = [str(p) for p in validate(data_copy)]
    assert "data/studies.csv:2: column 'url': 'javascript:alert(1)' is not an http or https address; only those are linked" in problems
    assert any(p.startswith("data/study_verifications.csv:3: column 'verified_urls': 'data:text/html") for p in problems)


def test_validation_accepts_the_curated_addresses():
    from tests.conftest import DATA

    assert not [p for p in validate(DATA) if p.column in ("url", "verified_urls")]


async def test_pages_never_link_another_scheme(built_db, tmp_path):
    """A database built before the rule (or edited by hand) still renders a javascript: address as text."""
    db = tmp_path / "kb.db"
    shutil.copy(built_db, db)
    conn = sqlite3.connect(db)
    study_id, url = conn.execute(
        "SELECT s.id, s.url FROM studies s JOIN claim_evidence ce ON ce.study_id = s.id "
        "WHERE ce.claim_id = 'acne-scar-reduction' AND s.url != '' LIMIT 1").fetchone()
    with conn:
        conn.execute("UPDATE studies SET url = 'javascript:alert(1)' WHERE id = ?", (study_id,))
        conn.execute("UPDATE study_verifications SET verified_urls = ' JavaScript:alert(2) | ' || verified_urls WHERE study_id = ?", (study_id,))
    conn.close()
    datasette = make_datasette(db, REPO / "metadata.json")
    for path in (CLAIM_PAGE, f"/kb/studies/{study_id}"):
        html = (await datasette.client.get(path)).text
        assert not re.search(r"href=\"\s*javascript:", html, re.I), path
        assert 'href="https://' in html, path  # the other links are still links
    study = (await datasette.client.get(f"/kb/studies/{study_id}")).text
    assert "JavaScript:alert(2)" in study  # shown as text


# --- the page cache ----------------------------------------------------------------------------------------------

async def test_a_cache_hit_returns_the_identical_page_without_rendering_it(datasette):
    cache = datasette.client.app
    assert isinstance(cache, CachingApp)
    first = await datasette.client.get(CLAIM_PAGE)
    assert first.status_code == 200

    async def must_not_render(scope, receive, send):
        raise AssertionError("rendered again")

    rendering, cache.app = cache.app, must_not_render
    try:
        second = await datasette.client.get(CLAIM_PAGE)
    finally:
        cache.app = rendering
    assert second.content == first.content
    assert second.headers["etag"] == first.headers["etag"]
    assert "public" in second.headers["cache-control"]


async def test_etag_and_if_none_match_answer_304(datasette):
    first = await datasette.client.get("/")
    etag = first.headers["etag"]
    again = await datasette.client.get("/", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    other = await datasette.client.get("/", headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200 and other.content == first.content
    assert (await datasette.client.get(CLAIM_PAGE)).headers["etag"] != etag


async def test_a_rebuilt_database_is_not_served_stale(data_copy, tmp_path):
    db = tmp_path / "kb.db"
    build(data_copy, db)
    before = await make_datasette(db, REPO / "metadata.json").client.get(CLAIM_PAGE)
    edit_row(data_copy, "claims.csv", 0, statement="A statement changed by the curator.")
    build(data_copy, db)
    datasette = make_datasette(db, REPO / "metadata.json")
    after = await datasette.client.get(CLAIM_PAGE, headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200
    assert "A statement changed by the curator." in after.text
    assert after.headers["etag"] != before.headers["etag"]


async def test_a_response_that_sets_a_cookie_is_never_cached(datasette):
    first = await datasette.client.get("/-/check")
    second = await datasette.client.get("/-/check")
    assert "set-cookie" in first.headers and "set-cookie" in second.headers
    assert first.cookies["ds_csrftoken"] != second.cookies["ds_csrftoken"]
    assert "etag" not in second.headers
    assert not [key for key in datasette.client.app.store._entries if key[3] == b"/-/check"]


async def test_requests_with_cookies_are_neither_stored_nor_answered_from_the_cache(datasette):
    personal = await datasette.client.get(CLAIM_PAGE, cookies={"ds_actor": "someone"})
    assert "etag" not in personal.headers and "private" in personal.headers["cache-control"]
    assert len(datasette.client.app.store) == 0
    await datasette.client.get(CLAIM_PAGE)
    again = await datasette.client.get(CLAIM_PAGE, cookies={"ds_actor": "someone"})
    assert "etag" not in again.headers


async def test_only_200s_to_anonymous_gets_are_stored(datasette):
    assert (await datasette.client.get("/kb/claims/no-such-claim")).status_code == 404
    assert (await datasette.client.get("/kb.json?sql=select+random()")).status_code == 200
    assert len(datasette.client.app.store) == 0


def test_the_store_drops_the_least_recently_used_pages_beyond_its_size():
    from kb.web.page_cache import ENTRY_OVERHEAD, Entry

    store = PageStore(max_total_bytes=2 * (100 + ENTRY_OVERHEAD) + 50, max_entry_bytes=200)
    for name in "abc":
        store.put((name,), Entry(b'"x"', [], b"x" * 100))
        store.get(("a",))
    store.put(("huge",), Entry(b'"x"', [], b"x" * 201))
    assert store.get(("a",)) is not None and store.get(("c",)) is not None
    assert store.get(("b",)) is None and store.get(("huge",)) is None
    assert store.total_bytes == 2 * (100 + ENTRY_OVERHEAD)


async def test_concurrent_misses_of_one_page_render_it_once():
    renders = 0

    async def page(scope, receive, send):
        nonlocal renders
        renders += 1
        await asyncio.sleep(0.01)
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"the page"})

    cache = CachingApp(page, "build-1")
    scope = {"type": "http", "method": "GET", "path": "/", "raw_path": b"/", "query_string": b"", "headers": [(b"host", b"x")]}
    bodies = []

    async def reader():
        sent = []

        async def send(message):
            sent.append(message)
        await cache(scope, None, send)
        bodies.append(sent[-1]["body"])

    await asyncio.gather(*(reader() for _ in range(20)))
    assert renders == 1 and bodies == [b"the page"] * 20


async def test_readers_of_a_page_that_cannot_be_stored_do_not_wait_for_each_other():
    """The second reader starts while the first one's answer (with a cookie) is still being sent."""
    started, both_started = 0, asyncio.Event()

    async def page_with_cookie(scope, receive, send):
        nonlocal started
        started += 1
        if started == 2:
            both_started.set()
        await send({"type": "http.response.start", "status": 200, "headers": [(b"set-cookie", b"a=b")]})
        await asyncio.wait_for(both_started.wait(), 30)
        await send({"type": "http.response.body", "body": b"yours"})

    cache = CachingApp(page_with_cookie, "build-1")
    scope = {"type": "http", "method": "GET", "path": "/", "raw_path": b"/", "query_string": b"", "headers": [(b"host", b"x")]}
    sent = []

    async def send(message):
        sent.append(message)

    await asyncio.gather(cache(scope, None, send), cache(scope, None, send))
    assert started == 2 and len(cache.store) == 0
    assert [m["body"] for m in sent if m["type"] == "http.response.body"] == [b"yours", b"yours"]
