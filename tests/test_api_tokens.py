"""Personal access tokens: made on the profile page or the command line, shown once, kept as a
hash, revoked, and checked on every API request (bearer without CSRF, cookies with it)."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from tests.factories import bearer, make_token
from wiki.auth import services as accounts
from wiki.auth.models import ApiToken
from wiki.extensions import db
from wiki.timeutil import utcnow


def _csrf_token(client, path: str = "/account/tokens") -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)


def test_a_person_makes_a_token_on_their_profile_and_sees_it_once(app, client, auth, people):
    auth.login("priya@example.com")
    profile = client.get(f"/people/{people['member'].id}").text
    assert "API tokens" in profile and 'action="/account/tokens"' in profile
    assert 'action="/account/tokens"' not in client.get(f"/people/{people['admin'].id}").text

    made = client.post(
        "/account/tokens", data={"name": "ERP import", "access": "write", "days": "30"}
    )
    assert made.status_code == 200 and made.headers["Cache-Control"] == "no-store"
    secret = re.search(r'value="(onr_[^"]+)"', made.text).group(1)
    # A copy button beside it (hidden until the script, which copies, shows it).
    assert '<button type="button" class="button" data-copy="new-token" hidden>' in made.text
    stored = db.session.scalar(select(ApiToken))
    assert stored.name == "ERP import" and stored.can_write
    assert secret not in stored.token_hash and len(stored.token_hash) == 64
    assert timedelta(days=29) < stored.expires_at - utcnow() <= timedelta(days=30)

    listing = client.get("/account/tokens").text
    assert "ERP import" in listing and "Never" in listing and secret not in listing
    assert client.get("/api/v1/processes", headers=bearer(secret)).status_code == 200
    db.session.refresh(stored)
    assert stored.last_used_at is not None
    assert "Never" not in client.get("/account/tokens").text


def test_a_token_form_with_bad_input_is_shown_again_with_the_reason(app, client, auth, people):
    auth.login("priya@example.com")
    refused = client.post("/account/tokens", data={"name": "Bot", "access": "read", "days": "400"})
    assert refused.status_code == 422
    assert "A token lasts from 1 to 365 days." in refused.text and 'value="Bot"' in refused.text
    unnamed = client.post("/account/tokens", data={"name": " ", "access": "read", "days": "9"})
    assert unnamed.status_code == 422 and "Give the token a name" in unnamed.text
    assert db.session.scalar(select(ApiToken)) is None


def test_a_token_acts_as_its_person_and_never_more(app, client, people):
    member_write = make_token(people["member"], write=True)
    manager_read = make_token(people["manager"])
    manager_write = make_token(people["manager"], write=True)
    body = {"name": "Treasury"}
    member_try = client.post("/api/v1/processes", json=body, headers=bearer(member_write))
    assert member_try.status_code == 403
    assert member_try.json["error"] == "forbidden"
    assert "managers and admins" in member_try.json["message"]
    read_only = client.post("/api/v1/processes", json=body, headers=bearer(manager_read))
    assert read_only.status_code == 403 and "read-only" in read_only.json["message"]
    made = client.post("/api/v1/processes", json=body, headers=bearer(manager_write))
    assert made.status_code == 201 and made.json["path"] == "treasury"


def test_refused_tokens_answer_401_in_json(app, client, people):
    revoked = make_token(people["member"])
    expired = make_token(people["member"])
    first, second = db.session.scalars(select(ApiToken).order_by(ApiToken.id)).all()
    first.revoked_at = utcnow()
    second.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    cases = {
        revoked: "revoked",
        expired: "expired",
        "onr_not-a-token": "not known",
    }
    for secret, reason in cases.items():
        answer = client.get("/api/v1/processes", headers=bearer(secret))
        assert answer.status_code == 401, secret
        assert answer.json["error"] == "unauthorized" and reason in answer.json["message"]
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    for header in ("Basic dXNlcjpwYXNz", "Bearer", "Bearer   ", "token"):
        answer = client.get("/api/v1/processes", headers={"Authorization": header})
        assert answer.status_code == 401 and "Authorization: Bearer" in answer.json["message"]
    anonymous = client.get("/api/v1/processes")
    assert anonymous.status_code == 401 and anonymous.is_json


def test_deactivating_a_person_revokes_their_tokens(app, client, people):
    secret = make_token(people["member"], write=True)
    accounts.set_active(people["admin"], people["member"], False)
    answer = client.get("/api/v1/processes", headers=bearer(secret))
    assert answer.status_code == 401 and "revoked" in answer.json["message"]
    accounts.set_active(people["admin"], people["member"], True)
    again = client.get("/api/v1/processes", headers=bearer(secret))
    assert again.status_code == 401  # reactivation does not bring old tokens back


def test_admins_see_and_revoke_everyones_tokens(app, client, auth, people):
    make_token(people["member"])
    other = db.session.scalar(select(ApiToken))
    auth.login("jill@example.com")
    assert client.get("/admin/tokens").status_code == 403
    assert client.post(f"/account/tokens/{other.id}/revoke").status_code == 404
    auth.logout()
    auth.login("ada@example.com")
    listing = client.get("/admin/tokens").text
    assert "Priya Member" in listing and "test script" in listing
    revoked = client.post(f"/account/tokens/{other.id}/revoke", data={"next": "/admin/tokens"})
    assert revoked.status_code == 302 and revoked.headers["Location"] == "/admin/tokens"
    db.session.refresh(other)
    assert other.state == "revoked"
    assert "Revoked" in client.get("/admin/tokens").text


def test_the_command_line_makes_and_revokes_tokens(app, client, people):
    runner = app.test_cli_runner()
    made = runner.invoke(
        args=["tokens", "create", "marty@example.com", "--name", "cron", "--write", "--days", "7"]
    )
    assert made.exit_code == 0, made.output
    secret = made.output.strip()
    created = client.post("/api/v1/processes", json={"name": "Cron"}, headers=bearer(secret))
    assert created.status_code == 201
    token = db.session.scalar(select(ApiToken))
    assert runner.invoke(args=["tokens", "create", "x@example.com", "--name", "a"]).exit_code == 1
    too_long = runner.invoke(args=["tokens", "create", "marty@example.com", "--name", "a",
                                   "--days", "366"])  # fmt: skip
    assert too_long.exit_code == 2
    revoked = runner.invoke(args=["tokens", "revoke", str(token.id)])
    assert revoked.exit_code == 0 and "Revoked token" in revoked.output
    assert client.get("/api/v1/processes", headers=bearer(secret)).status_code == 401


def test_bearer_requests_need_no_csrf_but_cookie_requests_do(app, client, auth, people):
    app.config["WTF_CSRF_ENABLED"] = True
    secret = make_token(people["manager"], write=True)
    by_token = client.post("/api/v1/processes", json={"name": "Tax"}, headers=bearer(secret))
    assert by_token.status_code == 201
    auth_response = client.post(
        "/login",
        data={
            "email": "marty@example.com",
            "password": "correct horse battery",
            "csrf_token": _csrf_token(client, "/login"),
        },  # fmt: skip
    )
    assert auth_response.status_code == 302
    assert client.get("/api/v1/processes").status_code == 200
    forged = client.post("/api/v1/processes", json={"name": "Forged"})
    assert forged.status_code == 400 and "CSRF" in forged.json["message"]
    with_token = client.post(
        "/api/v1/processes", json={"name": "Audit"}, headers={"X-CSRFToken": _csrf_token(client)}
    )
    assert with_token.status_code == 201
