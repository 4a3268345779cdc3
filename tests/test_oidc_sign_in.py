"""Company sign-in through a real OpenID provider (oidc-provider under node, tests/oidc_server):
the code flow with PKCE, accounts and roles from the ID token's claims, every refusal with a
clear page and an audit entry, a provider that is down, and password login turned off."""

from __future__ import annotations

import socket
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from sqlalchemy import select

from tests import factories
from tests.oidc_server import OpenIdProvider
from wiki.audit.models import AuditEntry
from wiki.auth import services as accounts
from wiki.auth.models import User
from wiki.auth.views import PROVIDER_SIGN_IN
from wiki.extensions import db

INES = ("ines@example.com", "ines-company-password")
OMAR = ("omar@example.com", "omar-company-password")


@pytest.fixture
def app_config(openid_provider: OpenIdProvider) -> dict:
    return {"WTF_CSRF_ENABLED": False, **openid_provider.wiki_config()}


def start(client, next_path: str = "") -> str:
    """Press "Sign in with ..." on the login page: the wiki's redirect to the provider."""
    response = client.get("/auth/oidc/start", query_string={"next": next_path} if next_path else {})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def sign_in(client, provider: OpenIdProvider, person: tuple[str, str], next_path: str = ""):
    """The whole round trip: the wiki's redirect, the provider's login form, the callback."""
    return client.get(provider.sign_in(start(client, next_path), *person))


def last_failure() -> str:
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.kind == "login_failed").order_by(AuditEntry.id.desc())
    ).first()
    return entry.detail


def assert_refused(response, status: int, says: str) -> None:
    page = response.get_data(as_text=True)
    assert response.status_code == status, page
    assert "<h1>Company sign-in refused</h1>" in page and says in page
    assert 'href="/login">Back to sign-in</a>' in page


def test_the_first_sign_in_makes_the_account_from_the_claims_and_later_ones_follow_them(
    app, client, openid_provider
):
    assert "Sign in with Example Corp" in client.get("/login").get_data(as_text=True)
    asked = parse_qs(urlsplit(start(client)).query)
    assert asked["code_challenge_method"] == ["S256"] and asked["code_challenge"]
    assert asked["state"] and asked["nonce"] and asked["response_type"] == ["code"]

    response = sign_in(client, openid_provider, INES, next_path="/changes")
    assert response.status_code == 302 and response.headers["Location"] == "/changes"
    ines = accounts.find_user_by_email("ines@example.com")
    assert (ines.name, ines.roles, ines.password_hash) == ("Ines Oidc", {"member", "trainer"}, None)
    assert (ines.oidc_issuer, ines.oidc_subject) == (openid_provider.issuer, "ines@example.com")
    assert "Ines Oidc" in client.get("/").get_data(as_text=True)
    client.post("/logout")

    ines.name = "Ines Renamed In The Wiki"
    db.session.commit()
    app.config["OIDC_ROLE_MAP"] = {"finance": "member"}  # the trainers' group gives nothing now
    assert sign_in(client, openid_provider, INES).status_code == 302
    db.session.refresh(ines)
    assert (ines.name, ines.roles) == ("Ines Oidc", {"member"})
    changed = db.session.scalars(select(AuditEntry).where(AuditEntry.kind == "role_changed")).one()
    assert changed.detail == "member, trainer → member (OpenID Connect)"
    logins = db.session.scalars(select(AuditEntry).where(AuditEntry.kind == "login")).all()
    assert [entry.detail for entry in logins] == ["OpenID Connect", "OpenID Connect"]


def test_without_a_role_map_everyone_starts_as_a_member_and_keeps_the_roles_given_in_the_wiki(
    app, client, openid_provider
):
    """As with Google Workspace, whose ID tokens carry no groups: roles are the wiki's to give."""
    app.config["OIDC_ROLE_MAP"] = {}
    noah = ("noah@example.com", "noah-company-password")  # in no group the usual map knows
    assert sign_in(client, openid_provider, noah).status_code == 302
    person = accounts.find_user_by_email("noah@example.com")
    assert person.roles == {"member"}
    client.post("/logout")

    admin = factories.make_user(email="ada@example.com", name="Ada", roles=["admin"])
    given = accounts.PersonForm(person.email, person.name, roles=("member", "trainer"))
    accounts.update_user(admin, person, given)  # as on the admin's screen
    assert sign_in(client, openid_provider, noah).status_code == 302
    db.session.refresh(person)
    assert person.roles == {"member", "trainer"}


def test_an_existing_account_is_not_taken_over_by_a_verified_email_alone(client, openid_provider):
    omar = factories.make_user(email="omar@example.com", name="Omar", roles=["admin"])
    refused = sign_in(client, openid_provider, OMAR)
    assert_refused(refused, 403, "is not linked to your company account")
    assert "Sign in with its wiki password and link your company account" in refused.get_data(
        as_text=True
    )
    assert last_failure() == "OpenID: email of an unlinked wiki account"
    assert client.get("/").status_code == 302  # not signed in
    db.session.expire_all()
    assert (omar.oidc_subject, omar.name) == (None, "Omar")
    password = {"email": "omar@example.com", "password": factories.PASSWORD}
    assert client.post("/login", data=password).status_code == 302


def test_an_admin_allows_the_link_per_account_or_trusts_a_domain_for_all_but_admins(
    app, client, openid_provider
):
    app.config["OIDC_LINK_DOMAINS"] = ["example.com"]
    ines = factories.make_user(email="ines@example.com", name="Ines")
    omar = factories.make_user(email="omar@example.com", name="Omar", roles=["admin"])
    assert sign_in(client, openid_provider, INES).status_code == 302  # the domain is trusted
    client.post("/logout")
    # ...but not for an admin account, the one most worth taking.
    assert_refused(sign_in(client, openid_provider, OMAR), 403, "is not linked")

    factories.make_user(email="ada@example.com", name="Ada", roles=["admin"])
    login = {"email": "ada@example.com", "password": factories.PASSWORD}
    assert client.post("/login", data=login).status_code == 302
    fields = {"name": "Omar", "email": "omar@example.com", "roles": ["admin"]}
    allowed = {**fields, "company_link_offered": "1", "company_link_allowed": "1"}
    assert client.post(f"/admin/users/{omar.id}", data=allowed).status_code == 302
    client.post("/logout")
    assert sign_in(client, openid_provider, OMAR).status_code == 302
    db.session.expire_all()
    assert ines.oidc_subject == "ines@example.com"
    assert omar.oidc_subject == "omar@example.com" and not omar.company_link_allowed
    assert omar.roles == {"admin", "member"}
    links = db.session.scalars(
        select(AuditEntry.detail).where(AuditEntry.kind == "company_linked")
    ).all()
    assert links == ["OpenID, by email", "OpenID, by email"]
    client.post("/logout")

    omar.oidc_subject = "another-person"  # as if the email had moved to someone else
    db.session.commit()
    assert_refused(sign_in(client, openid_provider, OMAR), 403, "belongs to another wiki account")
    assert last_failure() == "OpenID: email of another account"
    db.session.expire_all()
    assert omar.oidc_subject == "another-person"


def test_a_person_signed_in_with_their_wiki_password_links_their_company_account(
    client, openid_provider
):
    omar = factories.make_user(email="omar@example.com", name="Omar", roles=["admin"])
    login = {"email": "omar@example.com", "password": factories.PASSWORD}
    assert client.post("/login", data=login).status_code == 302
    account = client.get("/account/password").get_data(as_text=True)
    assert "Link my account at Example Corp" in account

    to_provider = client.get("/auth/oidc/start", query_string={"link": "1"})
    back = client.get(openid_provider.sign_in(to_provider.headers["Location"], *OMAR))
    assert back.status_code == 302 and back.headers["Location"] == "/account/password"
    assert "Your company account is linked" in client.get("/account/password").get_data(
        as_text=True
    )
    db.session.expire_all()
    assert omar.oidc_subject == "omar@example.com"
    client.post("/logout")

    assert sign_in(client, openid_provider, OMAR).status_code == 302
    assert "Omar Oidc" in client.get("/").get_data(as_text=True)
    assert len(db.session.scalars(select(User)).all()) == 1


@pytest.mark.parametrize(
    ("client_id", "audited", "says"),
    [
        ("wiki-wrong-audience", "ID token: wrong aud", "not meant for this wiki"),
        ("wiki-wrong-issuer", "ID token: wrong iss", "not meant for this wiki"),
        ("wiki-wrong-nonce", "ID token: wrong nonce", "not meant for this wiki"),
        ("wiki-expired", "ID token expired", "had expired"),
        ("wiki-forged", "ID token: bad_signature", "could not be verified"),
    ],
)
def test_an_id_token_the_wiki_cannot_trust_is_refused(
    app, client, openid_provider, client_id, audited, says
):
    """The provider (a client of its own per case) sends an ID token with a wrong audience,
    issuer or nonce, an expired one, or one signed by a key it does not publish."""
    app.config["OIDC_CLIENT_ID"] = client_id
    assert_refused(sign_in(client, openid_provider, INES), 400, says)
    assert last_failure() == f"OpenID: {audited}"
    assert accounts.find_user_by_email("ines@example.com") is None
    assert client.get("/").status_code == 302  # not signed in


def test_a_wrong_state_or_a_replayed_code_is_refused(client, openid_provider):
    back = urlsplit(openid_provider.sign_in(start(client), *INES))
    answer = parse_qs(back.query)
    forged = {**{key: values[0] for key, values in answer.items()}, "state": "made-up"}
    assert_refused(client.get(f"{back.path}?{urlencode(forged)}"), 400, "not started from")
    assert last_failure() == "OpenID: wrong state"

    assert client.get(back.geturl()).status_code == 302  # the real answer still works
    client.post("/logout")
    assert_refused(client.get(back.geturl()), 400, "already used")  # its state is spent

    # The same code again, with the state of a new sign-in: the provider refuses it.
    fresh = parse_qs(urlsplit(start(client)).query)["state"][0]
    replayed = {**{key: values[0] for key, values in answer.items()}, "state": fresh}
    assert_refused(client.get(f"{back.path}?{urlencode(replayed)}"), 400, "refused this sign-in")
    assert last_failure() == "OpenID: the provider refused: invalid_grant"
    assert client.get("/").status_code == 302


def test_an_unverified_email_no_mapped_group_or_a_deactivated_account_is_refused(
    app, client, openid_provider
):
    ulla = ("ulla@example.com", "ulla-company-password")
    assert_refused(sign_in(client, openid_provider, ulla), 403, "no verified email address")
    assert last_failure() == "OpenID: email not verified"

    assert_refused(
        sign_in(client, openid_provider, ("noah@example.com", "noah-company-password")),
        403,
        "no access to the wiki",
    )
    assert last_failure() == "OpenID: in no mapped group"
    assert db.session.scalars(select(User)).all() == []

    erik = ("erik@example.com", "erik-company-password")  # Entra ID sends no email_verified
    assert_refused(sign_in(client, openid_provider, erik), 403, "no verified email address")
    app.config["OIDC_EMAIL_VERIFIED_CLAIM"] = "xms_edov"  # ...but this
    assert sign_in(client, openid_provider, erik).status_code == 302
    client.post("/logout")
    app.config["OIDC_EMAIL_VERIFIED_CLAIM"] = "email_verified"

    assert sign_in(client, openid_provider, INES).status_code == 302
    client.post("/logout")
    ines = accounts.find_user_by_email("ines@example.com")
    admin = factories.make_user(email="ada@example.com", name="Ada", roles=["admin"])
    accounts.set_active(admin, ines, False)
    assert_refused(sign_in(client, openid_provider, INES), 403, "deactivated")
    assert last_failure() == "OpenID: account deactivated in the wiki"


@pytest.mark.parametrize("problem", ["down", "silent"])
def test_a_provider_that_is_down_leaves_local_admins_a_way_in(app, client, problem):
    with socket.socket() as silent:  # takes connections (the kernel does) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        if problem == "down":
            app.config["OIDC_ISSUER"] = "http://127.0.0.1:9"  # nothing listens on that port
        else:
            app.config["OIDC_ISSUER"] = f"http://127.0.0.1:{silent.getsockname()[1]}"
            app.config["OIDC_TIMEOUT"] = 0.5
        response = client.get("/auth/oidc/start")
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert "<h1>Company sign-in unavailable</h1>" in page
    assert "Company sign-in is unavailable right now" in page
    assert last_failure() == "OpenID: provider unavailable"
    factories.make_user(email="ada@example.com", name="Ada", roles=["admin"])
    assert (
        client.post(
            "/login", data={"email": "ada@example.com", "password": factories.PASSWORD}
        ).headers["Location"]
        == "/"
    )


def test_with_password_login_off_only_the_break_glass_admin_uses_a_password(
    app, client, openid_provider
):
    app.config.update(PASSWORD_LOGIN=False, BREAK_GLASS_EMAIL="Omar@example.com")
    factories.make_user(email="omar@example.com", name="Omar Break-Glass", roles=["admin"])
    factories.make_user(email="priya@example.com", name="Priya")
    page = client.get("/login").get_data(as_text=True)
    assert "Sign in with Example Corp" in page
    assert "<summary>Wiki administrator sign-in</summary>" in page

    refused = client.post("/login", data={"email": "priya@example.com", "password": "x" * 12})
    assert refused.status_code == 403
    assert "Sign-in with a password is turned off" in refused.get_data(as_text=True)
    assert last_failure() == "password login is off"
    assert client.get("/").status_code == 302

    # The break-glass account stays the wiki's own: never taken over by the provider's groups.
    assert_refused(sign_in(client, openid_provider, OMAR), 403, "break-glass account")
    assert last_failure() == "OpenID: the break-glass account"
    assert accounts.find_user_by_email("omar@example.com").oidc_subject is None

    password = {"email": "omar@example.com", "password": factories.PASSWORD}
    assert client.post("/login", data=password).headers["Location"] == "/"


def test_a_provider_session_ends_after_its_hours_and_the_provider_is_asked_again(
    client, openid_provider
):
    """The wiki never hears that the company removed someone: their sessions run out."""
    assert sign_in(client, openid_provider, INES).status_code == 302
    with client.session_transaction() as session:
        session[PROVIDER_SIGN_IN] -= 11 * 3600  # WIKI_OIDC_SESSION_HOURS is 12
    assert client.get("/").status_code == 200
    with client.session_transaction() as session:
        session[PROVIDER_SIGN_IN] -= 2 * 3600
    ended = client.get("/")
    assert ended.status_code == 302 and ended.headers["Location"].startswith("/login")
    assert sign_in(client, openid_provider, INES).status_code == 302  # the provider says yes
    assert client.get("/").status_code == 200

    client.post("/logout")  # a password session afterwards has no such limit
    factories.make_user(email="ada@example.com", name="Ada", roles=["admin"])
    login = {"email": "ada@example.com", "password": factories.PASSWORD}
    assert client.post("/login", data=login).status_code == 302
    with client.session_transaction() as session:
        assert PROVIDER_SIGN_IN not in session


def test_an_answer_with_its_state_but_no_code_is_refused(client, openid_provider):
    state = parse_qs(urlsplit(start(client)).query)["state"][0]
    assert_refused(client.get(f"/auth/oidc/callback?state={state}"), 400, "no code")
    assert last_failure() == "OpenID: no code"
    assert client.get("/").status_code == 302
