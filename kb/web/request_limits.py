"""Limits on what a POST can make the server do: its size, its content type, its CSRF cookie.

Datasette's CSRF middleware (asgi-csrf 0.11) reads a form's whole body into
memory before any page sees it, lets through a POST that carries no cookie at
all (it has nothing to compare the form's token with), and fails with a 500
on ``multipart/form-data`` with the python-multipart releases that fix that
parser's denial-of-service advisories.  :class:`PostGuard` runs in front of
it (``asgi_wrapper`` plugin hook) and answers such requests itself, cleanly:

* a body larger than :data:`MAX_POST_BYTES`: ``413``, refused from its
  ``Content-Length`` before anything is read, or as soon as a body sent without
  one (chunked) passes the limit;
* ``multipart/form-data``: ``415`` (no page of this site takes uploads);
* a browser POST (no ``Authorization``) without Datasette's CSRF cookie: ``403``.
  With the cookie, asgi-csrf then checks that the form's token matches it.

Requests with ``Authorization`` are API clients, which a cross-site form cannot
imitate; they keep the size limit but need no cookie.
"""

from __future__ import annotations

from kb.web.page_cache import CSRF_COOKIE

MAX_POST_BYTES = 2_000_000
"""Largest POST body read: the check page's form with its largest text (kb_pages.CHECK_LIMIT characters) fits."""
SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}


async def plain_answer(send, status: int, message: str) -> None:
    body = message.encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode()),
                            (b"cache-control", b"no-store")]})
    await send({"type": "http.response.body", "body": body})


def too_large_message(max_bytes: int) -> str:
    return (f"The request body is larger than {max_bytes:,} bytes, the most this site reads. "
            "To check a longer article, run `kb check FILE` on your own machine.\n")


def has_cookie(cookie_header: bytes | None, name: str) -> bool:
    if not cookie_header:
        return False
    return any(part.split(b"=", 1)[0].strip() == name.encode() for part in cookie_header.split(b";"))


class PostGuard:
    """ASGI middleware: refuse oversized, multipart and cookieless browser POSTs before Datasette reads them."""

    def __init__(self, app, max_bytes: int = MAX_POST_BYTES):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            return await self.app(scope, receive, send)
        headers = dict(scope["headers"])
        length = headers.get(b"content-length", b"")
        if length and (not length.isdigit() or int(length) > self.max_bytes):
            return await plain_answer(send, 413, too_large_message(self.max_bytes))
        if headers.get(b"content-type", b"").split(b";", 1)[0].strip().lower() == b"multipart/form-data":
            return await plain_answer(send, 415, "This site takes forms as application/x-www-form-urlencoded, as its "
                                                 "pages send them; it takes no uploads. To check a file, run `kb check FILE`.\n")
        if b"authorization" not in headers and not has_cookie(headers.get(b"cookie"), CSRF_COOKIE):
            return await plain_answer(send, 403, "This form needs the cookie its page sets when it is shown: reload the "
                                                 "page (with cookies allowed for this site) and submit the form again.\n")
        messages, size = [], 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                return await plain_answer(send, 413, too_large_message(self.max_bytes))
            if not message.get("more_body", False):
                break

        async def replay():
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)
