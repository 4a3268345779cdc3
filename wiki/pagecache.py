"""A per-worker cache of whole HTML pages, per session cookie, forgotten whenever anything is
written (see versioning). It answers repeat views without loading the user or the page."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from flask import Flask, Response, g, request, session
from flask_login import current_user

from wiki.versioning import current_version

# Pages that must always be answered fresh.
UNCACHED_ENDPOINTS = {"auth.login", "auth.accept_invitation", "static"}


@dataclass(frozen=True)
class _Entry:
    version: int
    stored_at: float
    body: bytes
    content_type: str


class PageCache:
    """An LRU of rendered pages, keyed by session cookie and full path."""

    def __init__(self, size: int, seconds: float):
        self.size = size
        self.seconds = seconds
        self._entries: OrderedDict[tuple[str, str], _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str], version: int) -> _Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            # A page holds CSRF tokens and review due dates: keep it only a short while.
            if entry.version != version or time.monotonic() - entry.stored_at > self.seconds:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return entry

    def put(self, key: tuple[str, str], entry: _Entry) -> None:
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)


def init_app(app: Flask) -> None:
    """Register first, so a hit is answered before the user is loaded."""
    if app.config["PAGE_CACHE_SIZE"] <= 0:
        return
    cache = PageCache(app.config["PAGE_CACHE_SIZE"], app.config["PAGE_CACHE_SECONDS"])
    cookie_name = app.config["SESSION_COOKIE_NAME"]

    def answer_from_cache() -> Response | None:
        cookie = request.cookies.get(cookie_name)
        if request.method != "GET" or not cookie or request.endpoint in UNCACHED_ENDPOINTS:
            return None
        g.page_cache_key = (cookie, request.full_path)
        g.page_cache_version = current_version()
        entry = cache.get(g.page_cache_key, g.page_cache_version)
        if entry is None:
            return None
        g.page_cache_hit = True
        return Response(entry.body, content_type=entry.content_type)

    def remember(response: Response) -> Response:
        key = g.get("page_cache_key")
        if key is None or response.mimetype != "text/html":
            return response
        response.headers["Cache-Control"] = "private, no-cache"
        response.vary.add("Cookie")
        # A response that changes the session (a flash shown, a token added) sets a new
        # cookie, and is not one to repeat.
        cacheable = (
            not g.get("page_cache_hit")
            and response.status_code == 200
            and not session.modified
            and "Set-Cookie" not in response.headers
            and current_user.is_authenticated
        )
        if cacheable:
            entry = _Entry(
                g.page_cache_version, time.monotonic(), response.get_data(), response.content_type
            )
            cache.put(key, entry)
        return response

    app.before_request_funcs.setdefault(None, []).insert(0, answer_from_cache)
    app.after_request(remember)
