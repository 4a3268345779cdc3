"""A per-worker cache of whole HTML pages, per session cookie, forgotten whenever anything is
written (see versioning). A repeat view is answered before Flask sees the request: no session
decoding, no user loading, no rendering; one read of the version counter."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask import Flask, Response, request, session
from flask_login import current_user
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.http import is_resource_modified, parse_cookie, unquote_etag

from wiki.extensions import db
from wiki.versioning import VERSION_ENVIRON, VERSION_QUERY

# Set by the app on a response it is willing to have repeated to the same session.
STORABLE = "wiki.page_cache.storable"
# Pages that must always be answered fresh. Search answers from the index, which is written
# just after the commit that bumps the version, and every miss must be recorded.
UNCACHED_ENDPOINTS = {
    "auth.login",
    "auth.accept_invitation",
    "static",
    "search.results",
    "search.misses",  # misses are written without bumping the content version
    # The editor offers the person's draft, which is written without bumping it too.
    "processes.edit",
    "processes.new_page",
    "questions.new_page",
    # A sign-in writes an entry without bumping the content version (see versioning.unseen).
    "audit.entries",
}


@dataclass(frozen=True)
class _Entry:
    version: int
    stored_at: float
    headers: list[tuple[str, str]]
    body: bytes


class PageCache:
    """An LRU of rendered pages, keyed by session cookie and full path, bounded in count and
    in bytes (a big diff page is megabytes; a member could otherwise fill a worker's memory)."""

    def __init__(self, size: int, seconds: float, max_bytes: int):
        self.size = size
        self.seconds = seconds
        self.max_bytes = max_bytes
        self.max_entry_bytes = max_bytes // 64
        self._bytes = 0
        self._entries: OrderedDict[tuple[str, str], _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str], version: int) -> _Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            # A page shows review due dates and "time ago": keep it only a short while.
            if entry.version != version or time.monotonic() - entry.stored_at > self.seconds:
                self._drop(key)
                return None
            self._entries.move_to_end(key)
            return entry

    def put(self, key: tuple[str, str], entry: _Entry) -> None:
        if len(entry.body) > self.max_entry_bytes:
            return
        with self._lock:
            if key in self._entries:
                self._drop(key)
            self._entries[key] = entry
            self._bytes += len(entry.body)
            while len(self._entries) > self.size or self._bytes > self.max_bytes:
                self._drop(next(iter(self._entries)))

    @property
    def stored_bytes(self) -> int:
        return self._bytes

    def _drop(self, key: tuple[str, str]) -> None:
        self._bytes -= len(self._entries.pop(key).body)


class PageCacheMiddleware:
    def __init__(self, wsgi_app: Callable, cache: PageCache, engine: Engine, cookie_name: str):
        self.wsgi_app = wsgi_app
        self.cache = cache
        self.engine = engine
        self.cookie_name = cookie_name

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        cookie = None
        if environ.get("REQUEST_METHOD") == "GET" and "HTTP_COOKIE" in environ:
            cookie = parse_cookie(environ).get(self.cookie_name)
        if not cookie:
            return self.wsgi_app(environ, start_response)
        key = (cookie, f"{environ.get('PATH_INFO', '')}?{environ.get('QUERY_STRING', '')}")
        try:
            version, shared_version = self._versions()
        except (SQLAlchemyError, self.engine.dialect.loaded_dbapi.Error):
            # The database does not answer: the app says so (503), not this layer (a bare 500).
            return self.wsgi_app(environ, start_response)
        environ[VERSION_ENVIRON] = shared_version  # the shared parts follow the same reading
        entry = self.cache.get(key, version)
        if entry is not None and _unchanged_for(environ, entry):
            kept = [(name, value) for name, value in entry.headers if name.lower() in _ON_304]
            start_response("304 Not Modified", kept)
            return [b""]
        if entry is not None:
            start_response("200 OK", entry.headers)
            return [entry.body]
        captured: dict = {}

        def capture(status: str, headers: list, exc_info=None):
            captured.update(status=status, headers=headers)
            return start_response(status, headers, exc_info)

        body = self.wsgi_app(environ, capture)
        storable = (
            environ.get(STORABLE)
            and captured.get("status", "").startswith("200")
            and not any(name.lower() == "set-cookie" for name, _ in captured["headers"])
        )
        if not storable:
            return body
        try:
            content = b"".join(body)
        finally:
            if hasattr(body, "close"):
                body.close()
        self.cache.put(key, _Entry(version, time.monotonic(), list(captured["headers"]), content))
        return [content]

    def _versions(self) -> tuple[int, int]:
        """The version (page caches follow it) and the shared version (shared parts do)."""
        # A raw pooled connection: a tenth of the cost of going through the ORM session.
        connection = self.engine.raw_connection()
        try:
            cursor = connection.cursor()
            cursor.execute(VERSION_QUERY)
            row = cursor.fetchone()
            cursor.close()
        finally:
            connection.close()
        return (row[0], row[1]) if row else (0, 0)


# Not pages, but as safe to repeat to the same session: a file at its content address never
# changes, and a removal is a write, which empties the cache.
STORABLE_FILES = {"attachments.file"}


# What a 304 repeats of the response it stands for (RFC 9110, 15.4.5), and this site's own.
_ON_304 = {
    "etag",
    "cache-control",
    "vary",
    "content-security-policy",
    "x-content-type-options",
    "x-frame-options",
    "referrer-policy",
    "cross-origin-resource-policy",
}


def _unchanged_for(environ: dict, entry: _Entry) -> bool:
    """Whether the request's If-None-Match names the stored response's ETag."""
    etag = next((value for name, value in entry.headers if name.lower() == "etag"), None)
    if etag is None or "HTTP_IF_NONE_MATCH" not in environ:
        return False
    return not is_resource_modified(environ, etag=unquote_etag(etag)[0])


def _mark_storable(response: Response) -> Response:
    if request.method != "GET":
        return response
    if response.mimetype != "text/html":
        if (
            request.endpoint in STORABLE_FILES
            and response.status_code == 200
            and current_user.is_authenticated
        ):
            request.environ[STORABLE] = True
        return response
    response.headers["Cache-Control"] = "private, no-cache"
    response.vary.add("Cookie")
    # A response that changes the session (a flash shown, a token added) sets a new cookie,
    # and is not one to repeat.
    if (
        response.status_code == 200
        and request.endpoint not in UNCACHED_ENDPOINTS
        and not session.modified
        and current_user.is_authenticated
    ):
        request.environ[STORABLE] = True
    return response


def init_app(app: Flask) -> None:
    app.after_request(_mark_storable)
    if app.config["PAGE_CACHE_SIZE"] <= 0:
        return
    with app.app_context():
        engine = db.engine
    cache = PageCache(
        app.config["PAGE_CACHE_SIZE"],
        app.config["PAGE_CACHE_SECONDS"],
        app.config["PAGE_CACHE_MAX_MB"] * 1024 * 1024,
    )
    app.wsgi_app = PageCacheMiddleware(  # type: ignore[method-assign]
        app.wsgi_app, cache, engine, app.config["SESSION_COOKIE_NAME"]
    )
