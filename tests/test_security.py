"""Security at the edge: CSRF on every state-changing route, headers, cookies, escaped flashes."""

from __future__ import annotations

import re

import pytest

from tests import factories


@pytest.fixture
def app_config() -> dict:
    return {}  # CSRF on, as in production


def _post_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.methods & {"POST", "PUT", "PATCH", "DELETE"}:
            yield rule


def test_every_state_changing_route_refuses_a_missing_csrf_token(app, client, auth, people):
    factories.make_page("p2p", "Three-way match", "Text")
    client.post("/login", data={"email": "ada@example.com", "password": factories.PASSWORD})
    rules = list(_post_rules(app))
    assert len(rules) >= 15
    app.config.update(SLACK_SIGNING_SECRET="slack-secret", TEAMS_SECRET="dGVhbXMtc2VjcmV0")
    for rule in rules:
        values = {arg: "1" for arg in rule.arguments}
        values["path"] = "p2p/three-way-match"
        url = rule.build(values, append_unknown=False)[1]
        method = sorted(rule.methods & {"POST", "PUT", "PATCH", "DELETE"})[0]
        response = client.open(url, method=method, data={"title": "Changed", "body": "Changed"})
        if url.startswith("/api/"):
            # The API lets no cookie in without its CSRF token either (tests/test_api_tokens.py);
            # this session never logged in, so it is refused before that, in JSON.
            assert response.status_code == 401 and response.is_json, url
            continue
        if url.startswith(("/integrations/slack/", "/integrations/teams/")):
            # Signed by Slack or Teams instead (tests/test_chat_commands.py): unsigned, refused.
            assert response.status_code == 401 and response.is_json, url
            continue
        assert response.status_code == 400, url
        assert "nothing was changed" in response.get_data(as_text=True), url


def test_login_with_csrf_token_works_and_without_is_refused(client, people):
    data = {"email": "jill@example.com", "password": factories.PASSWORD}
    assert client.post("/login", data=data).status_code == 400
    token = re.search(
        r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True)
    )
    assert client.post("/login", data={**data, "csrf_token": token.group(1)}).status_code == 302


def test_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert "img-src 'self' data:;" in csp  # no image from elsewhere: see the README
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def _login_cookie(client, base_url: str) -> str:
    login_page = client.get("/login", base_url=base_url).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', login_page).group(1)
    data = {"email": "jill@example.com", "password": factories.PASSWORD, "csrf_token": token}
    response = client.post(
        "/login", data=data, base_url=base_url, headers={"Referer": f"{base_url}/login"}
    )
    assert response.status_code == 302
    return next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))


def test_session_cookie_is_httponly_lax_and_secure_behind_https(app, people):
    plain = _login_cookie(app.test_client(), "http://localhost")
    assert "HttpOnly" in plain and "SameSite=Lax" in plain and "Secure" not in plain
    secure = _login_cookie(app.test_client(), "https://localhost")
    assert "HttpOnly" in secure and "Secure" in secure


def test_no_inline_script_in_pages(client, people):
    html = client.get("/login").get_data(as_text=True)
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []


def _csrf_token(client, path: str) -> str:
    return re.search(
        r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True)
    ).group(1)


def test_signing_in_renews_the_csrf_token(client, people):
    """A token seen before signing in (planted by someone who shared the browser, or read off a
    login page) is no good once someone has signed in."""
    before = _csrf_token(client, "/login")
    data = {"email": "jill@example.com", "password": factories.PASSWORD, "csrf_token": before}
    assert client.post("/login", data=data).status_code == 302
    refused = client.post("/account/sessions", data={"csrf_token": before})
    assert refused.status_code == 400
    assert client.get("/").status_code == 200  # still signed in
    fresh = _csrf_token(client, "/account/password")
    assert client.post("/account/sessions", data={"csrf_token": fresh}).status_code == 302


def test_logging_out_ends_the_session_for_a_copy_of_its_cookie_too(app, client, people):
    cookie = _login_cookie(client, "http://localhost").split(";")[0].split("=", 1)[1]
    copy = app.test_client()
    copy.set_cookie("session", cookie)
    assert copy.get("/account/password").status_code == 200  # the copy works while signed in
    client.post("/logout", data={"csrf_token": _csrf_token(client, "/account/password")})
    assert client.get("/account/password").status_code == 302
    ended = copy.get("/account/password")
    assert ended.status_code == 302 and ended.headers["Location"].startswith("/login")
    # Another session of the same person goes on: only the one logged out of ends.
    other = app.test_client()
    _login_cookie(other, "http://localhost")
    assert other.get("/account/password").status_code == 200


def test_exports_and_feeds_are_kept_by_no_cache(client, people):
    """They carry people's names and what they did (the audit trail, who hit which gap)."""
    token = _csrf_token(client, "/login")
    data = {"email": "ada@example.com", "password": factories.PASSWORD, "csrf_token": token}
    assert client.post("/login", data=data).status_code == 302
    for path in (
        "/gaps/report.csv",
        "/admin/audit/audit.csv",
        "/changes.atom",
        "/questions/feed.atom",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "private, no-store", path
