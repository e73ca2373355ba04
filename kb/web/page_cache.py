"""Serve repeated page views from memory: the database only changes with a new build.

``kb.db`` is opened immutable, so a page's answer depends only on the build
(``build_info.data_sha256``), the address and the request's identity.
:class:`CachingApp` wraps Datasette (through the ``asgi_wrapper`` plugin hook,
outside Datasette's own stack) and answers a repeated anonymous ``GET`` from
a bounded in-memory LRU store, with an ``ETag`` and a ``Cache-Control`` a
proxy or CDN can honour, and ``304 Not Modified`` to ``If-None-Match``.

What is never stored, so that no one ever gets another reader's answer:

* a response that sets a cookie (the check page's CSRF token does), or that
  Datasette marks private (``private``/``no-store``/``no-cache``/``max-age=0``);
* anything but a ``200`` to a ``GET`` without cookies or ``Authorization``;
* arbitrary SQL (``?sql=``), which may call ``random()`` or ``date('now')``;
* a body larger than :data:`MAX_ENTRY_BYTES`.

A stored page is served to requests without ``Authorization`` whose only
cookie, if any, is Datasette's CSRF cookie: the page was rendered for a
request with no cookie at all and did not use the token (it would have set
the cookie), so its content is the same for them.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import OrderedDict
from dataclasses import dataclass

MAX_ENTRY_BYTES = 2_000_000
"""Largest body stored: every page of the site fits; a streamed CSV export of a whole table does not."""
MAX_TOTAL_BYTES = 64_000_000
"""Bytes kept in all; the least recently used pages are dropped first."""
ENTRY_OVERHEAD = 1_000
"""Bytes counted for each page beyond its body (key, headers), so that empty bodies cannot pile up unbounded."""
MAX_AGE = 60
"""Seconds a browser, proxy or CDN may reuse a page before revalidating it with its ETag (cheap: a 304)."""
CSRF_COOKIE = "ds_csrftoken"
"""Datasette's CSRF cookie: the one cookie that does not change what a page shows (see the module docstring)."""

PRIVATE_DIRECTIVES = (b"private", b"no-store", b"no-cache", b"max-age=0")
DROPPED_HEADERS = {b"cache-control", b"content-length", b"etag", b"transfer-encoding"}


@dataclass(frozen=True)
class Entry:
    """A stored ``200``: its headers (without length and caching headers) and body."""

    etag: bytes
    headers: list[tuple[bytes, bytes]]
    body: bytes


class PageStore:
    """A least-recently-used store of :class:`Entry`, bounded by the total size of the bodies (and ENTRY_OVERHEAD each)."""

    def __init__(self, max_total_bytes: int = MAX_TOTAL_BYTES, max_entry_bytes: int = MAX_ENTRY_BYTES):
        self.max_total_bytes = max_total_bytes
        self.max_entry_bytes = max_entry_bytes
        self.total_bytes = 0
        self._entries: OrderedDict[tuple, Entry] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: tuple) -> Entry | None:
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
        return entry

    def put(self, key: tuple, entry: Entry) -> None:
        if len(entry.body) > self.max_entry_bytes:
            return
        old = self._entries.pop(key, None)
        if old is not None:
            self.total_bytes -= len(old.body) + ENTRY_OVERHEAD
        self._entries[key] = entry
        self.total_bytes += len(entry.body) + ENTRY_OVERHEAD
        while self.total_bytes > self.max_total_bytes:
            _, dropped = self._entries.popitem(last=False)
            self.total_bytes -= len(dropped.body) + ENTRY_OVERHEAD


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


def _only_csrf_cookie(cookie: bytes) -> bool:
    names = {part.split(b"=", 1)[0].strip() for part in cookie.split(b";") if part.strip()}
    return names <= {CSRF_COOKIE.encode()}


def _etag_matches(if_none_match: bytes, etag: bytes) -> bool:
    return any(tag.strip().removeprefix(b"W/") == etag for tag in if_none_match.split(b","))


class CachingApp:
    """ASGI middleware: answer repeated anonymous GETs of build ``fingerprint`` from a :class:`PageStore`.

    Concurrent misses of one page wait for the first to finish instead of each
    rendering it, so a crowd arriving at once costs one render, not two hundred.
    """

    def __init__(self, app, fingerprint, store: PageStore | None = None, max_age: int = MAX_AGE):
        """``fingerprint`` is the served build's fingerprint, or a function giving it at each request (None: do not
        cache), so that a server that follows new builds never answers from an older build's pages."""
        self.app = app
        self.fingerprint = fingerprint
        self.store = store if store is not None else PageStore()
        self.cache_control = f"public, max-age={max_age}".encode()
        self._rendering: dict[tuple, asyncio.Event] = {}

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "GET":
            return await self.app(scope, receive, send)
        headers = dict(scope["headers"])  # ASGI header names are lower case
        cookie = headers.get(b"cookie")
        if b"authorization" in headers or (cookie and not _only_csrf_cookie(cookie)):
            return await self.app(scope, receive, send)
        query = scope.get("query_string", b"")
        if b"sql=" in query:
            return await self.app(scope, receive, send)
        fingerprint = self.fingerprint() if callable(self.fingerprint) else self.fingerprint
        if fingerprint is None:
            return await self.app(scope, receive, send)
        key = (fingerprint, scope.get("scheme", "http"), headers.get(b"host", b""), scope.get("raw_path") or scope["path"], query)
        entry = self.store.get(key)
        if entry is None and not cookie:
            entry = await self._render(key, scope, receive, send)
            if entry is None:
                return  # answered by Datasette, not storable
        elif entry is None:
            return await self.app(scope, receive, send)
        await self._answer(entry, headers.get(b"if-none-match"), send)

    async def _render(self, key: tuple, scope, receive, send) -> Entry | None:
        """The stored entry for ``key`` once rendered (by this request or by one already under way), or None when
        this request has been answered directly because its response cannot be stored."""
        pending = self._rendering.get(key)
        if pending is not None:
            await pending.wait()
            entry = self.store.get(key)
            if entry is None:  # not storable: each reader gets its own answer, side by side
                await self.app(scope, receive, send)
            return entry
        done = self._rendering[key] = asyncio.Event()
        try:
            return await self._render_and_store(key, scope, receive, send, done)
        finally:
            self._release(key, done)

    def _release(self, key: tuple, done: asyncio.Event) -> None:
        if self._rendering.get(key) is done:
            del self._rendering[key]
        done.set()

    async def _render_and_store(self, key: tuple, scope, receive, send, done: asyncio.Event) -> Entry | None:
        start: dict = {}
        chunks: list[bytes] = []
        size = 0
        passing_through = False

        async def pass_through() -> None:
            nonlocal passing_through
            passing_through = True
            self._release(key, done)  # readers waiting for this page need not wait for its end
            await send(start)

        async def capture(message):
            nonlocal size
            if passing_through:
                return await send(message)
            if message["type"] == "http.response.start":
                start.update(message)
                response_headers = list(message.get("headers", []))
                control = (_header(response_headers, b"cache-control") or b"").lower()
                storable = (message["status"] == 200 and _header(response_headers, b"set-cookie") is None
                            and not any(d in control for d in PRIVATE_DIRECTIVES))
                if not storable:
                    await pass_through()
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.store.max_entry_bytes:  # too large to store: send what was held, then stream on
                await pass_through()
                await send({"type": "http.response.body", "body": b"".join(chunks), "more_body": message.get("more_body", False)})
                chunks.clear()

        await self.app(scope, receive, capture)
        if passing_through or not start:
            return None
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() not in DROPPED_HEADERS]
        etag = b'"' + hashlib.sha256(repr(key).encode()).hexdigest()[:32].encode() + b'"'
        entry = Entry(etag, headers, b"".join(chunks))
        self.store.put(key, entry)
        return entry

    async def _answer(self, entry: Entry, if_none_match: bytes | None, send) -> None:
        caching = [(b"etag", entry.etag), (b"cache-control", self.cache_control)]
        if if_none_match is not None and _etag_matches(if_none_match, entry.etag):
            vary = [(b"vary", v) for v in [_header(entry.headers, b"vary")] if v is not None]
            await send({"type": "http.response.start", "status": 304, "headers": caching + vary})
            await send({"type": "http.response.body", "body": b""})
            return
        await send({"type": "http.response.start", "status": 200,
                    "headers": entry.headers + caching + [(b"content-length", str(len(entry.body)).encode())]})
        await send({"type": "http.response.body", "body": entry.body})
