"""Security at the edge: login required by default, role checks, headers, cookies, redirects."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Request, Response, abort, current_app, g, request
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.middleware.proxy_fix import ProxyFix

from wiki.textutil import xml_text

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        # Images from the wiki only: one from elsewhere tells its server who reads what, when.
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

# Downloads and feeds, which no cache may keep (see _set_security_headers).
PRIVATE_EXPORTS = frozenset({"text/csv", "application/atom+xml"})
# Endpoints a visitor who is not logged in may reach (the watch-list feed and a search result's
# opening check their own tokens: an opening without one is refused as a forged request).
PUBLIC_ENDPOINTS = {
    "static",
    "auth.login",
    "auth.ask_for_unlock_link",
    "auth.unlock_device",
    "auth.start_company_sign_in",
    "auth.company_sign_in_callback",
    "auth.accept_invitation",
    "watching.feed",
    # Signed by Slack or Teams, and checked there (wiki/integrations/signatures.py).
    "integrations.slack_command",
    "integrations.teams_message",
    "search.opened",
}
# Blueprints that let people in themselves: the API takes tokens and answers 401 in JSON.
SELF_AUTHENTICATING_BLUEPRINTS = {"api"}
# Feeds a feed reader (which does not log in) reads with the person's feed token in the address
# (?token=...): it reads them as that person, with their permissions, and nothing else.
FEED_READERS = "feed_readers"


def register_feed_reader(app: Flask, endpoints: set[str], reader: Callable[[str], Any]) -> None:
    """Let a feed reader (which does not log in) read these endpoints with the token in its
    address: `reader(token)` gives the person whose feed it is, or raises NotFound. Registered
    by the package that keeps the tokens, so this module imports none."""
    readers = app.extensions.setdefault(FEED_READERS, {})
    readers.update(dict.fromkeys(endpoints, reader))


# Besides the API, what a program may read with a personal access token: the files whose
# addresses the API's pages list.
TOKEN_READABLE_ENDPOINTS = {"attachments.file"}


class HttpsAwareSessionInterface(SecureCookieSessionInterface):
    """Mark the session cookie Secure whenever the request came over https."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure


def init_app(app: Flask) -> None:
    if app.config["TRUSTED_PROXIES"]:
        hops = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    app.session_interface = HttpsAwareSessionInterface()
    app.request_class = NulFreeRequest
    app.before_request(_refuse_nul)
    app.before_request(_require_login)
    app.after_request(_set_security_headers)


def init_outermost(app: Flask) -> None:
    """What must stand in front of everything else in the WSGI stack, the page cache included
    (which reads the session cookie before Flask runs)."""
    app.wsgi_app = _Utf8CookieHeader(app.wsgi_app)  # type: ignore[method-assign]


class _Utf8CookieHeader:
    """Cookies are read as UTF-8 (werkzeug's parse_cookie), which fails on any other bytes a
    client sends: each such byte becomes U+FFFD instead, and the cookie is simply not ours."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        header = environ.get("HTTP_COOKIE")
        if header:
            raw = header.encode("latin-1", "replace")  # WSGI's header strings are latin-1
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                repaired = raw.decode("utf-8", "replace").encode("utf-8")
                environ["HTTP_COOKIE"] = repaired.decode("latin-1")
        return self.wsgi_app(environ, start_response)


def _refuse_nul() -> None:
    # No address of ours holds NUL; PostgreSQL refuses it, so refuse it before any query does.
    # (NUL in form fields and query arguments never gets here: see NulFreeRequest.)
    if "\x00" in request.path:
        abort(400, "Addresses may not contain NUL characters.")


class _NulFreeParameters(ImmutableMultiDict):
    """Form fields and query arguments with each NUL character replaced by U+FFFD, as an HTML
    parser does: PostgreSQL cannot store NUL, and refusing the request would throw away
    everything else the person typed."""

    def __init__(self, mapping=None):
        if mapping is not None and not isinstance(mapping, MultiDict | dict):
            mapping = [
                (_without_nul(key), _without_nul(value) if isinstance(value, str) else value)
                for key, value in mapping
            ]
        super().__init__(mapping)


def _without_nul(text: str) -> str:
    return text.replace("\x00", "\ufffd")


class NulFreeRequest(Request):
    parameter_storage_class = _NulFreeParameters


def _require_login() -> Any:
    from wiki.extensions import login_manager

    if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
        return None
    if request.blueprint in SELF_AUTHENTICATING_BLUEPRINTS:
        return None
    header = request.headers.get("Authorization")
    if header is not None and request.endpoint in TOKEN_READABLE_ENDPOINTS:
        from wiki.auth import tokens

        g._login_user = tokens.bearer_token(header).user  # flask-login's, for this request
        return None
    reader = current_app.extensions.get(FEED_READERS, {}).get(request.endpoint)
    if reader is not None and "token" in request.args:
        if not current_user.is_authenticated:
            g._login_user = reader(request.args["token"])  # 404 for a revoked one
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


def _set_security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if response.mimetype == "application/atom+xml" and not response.direct_passthrough:
        response.set_data(xml_text(response.get_data(as_text=True)))
    if response.mimetype in PRIVATE_EXPORTS and "Cache-Control" not in response.headers:
        # Exports and feeds carry people's names and what they did: no cache on the way, nor
        # the browser's, keeps a copy. (A file's own address says how it may be kept.)
        response.headers["Cache-Control"] = "private, no-store"
    return response


def roles_required(*roles: str) -> Callable:
    """Refuse (403) a logged-in user holding none of the roles."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def safe_next_path(target: str | None) -> str | None:
    """A path on this site to go to after login, or None.

    Rejects absolute URLs and protocol-relative ones ("//evil.example", and "/\\evil.example",
    which browsers read the same way).
    """
    if not target:
        return None
    target = target.strip()
    if "\\" in target or any(ord(char) < 32 for char in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target
