"""Login, logout, invitations, password hashing and safe redirects after login."""

from __future__ import annotations

import pytest

from tests import factories
from wiki.auth import services, sign_in
from wiki.extensions import db


def test_login_with_email_and_password_lands_home(client, auth, people):
    response = auth.login("JILL@example.com ")
    assert response.status_code == 302 and response.location == "/"
    assert "Welcome, Jill Newcomer" in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize(
    "email, password",
    [("jill@example.com", "wrong password!"), ("nobody@example.com", factories.PASSWORD)],
)
def test_wrong_email_and_wrong_password_get_the_same_answer(client, people, email, password):
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 401
    html = response.get_data(as_text=True)
    assert "That email and password do not match an active account." in html
    assert f'value="{email}"' in html  # the email is kept in the form


def test_deactivated_person_cannot_log_in(client, auth, people):
    services.set_active(people["admin"], people["member"], False)
    assert auth.login("priya@example.com").status_code == 401


def test_passwords_are_hashed_with_scrypt_at_full_strength(client, auth):
    # Not the people fixture: its shared password is hashed cheaply for speed (factories).
    user = factories.make_user(email="sam@example.com", password="a long passphrase of Sam")
    assert user.password_hash.startswith("scrypt:32768:8:1$")
    assert "a long passphrase of Sam" not in user.password_hash
    assert auth.login("sam@example.com", "a long passphrase of Sam").status_code == 302


@pytest.mark.parametrize(
    "next_url, expected",
    [
        ("/p/finance", "/p/finance"),
        ("/changes?process=finance", "/changes?process=finance"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example/", "/"),
        ("http:evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("/\t/evil.example", "/"),
    ],
)
def test_next_redirects_only_to_paths_of_this_site(client, people, next_url, expected):
    response = client.post(
        "/login",
        data={"email": "jill@example.com", "password": factories.PASSWORD, "next": next_url},
    )
    assert response.status_code == 302
    assert response.location == expected


def test_pages_need_login_and_come_back_after_it(client, people):
    response = client.get("/changes")
    assert response.status_code == 302
    assert response.location.startswith("/login?next=")
    login_page = client.get(response.location).get_data(as_text=True)
    assert 'name="next" value="/changes"' in login_page


def test_logout_is_a_post_and_ends_the_session(client, auth, people):
    auth.login("jill@example.com")
    assert client.get("/logout").status_code == 405  # GET never changes state
    assert client.get("/").status_code == 200
    assert auth.logout().status_code == 302
    assert client.get("/").status_code == 302


def test_invitation_sets_a_password_once(client, people):
    invited = factories.make_user(email="new@example.com", name="New Person", password=None)
    token = services.invite(invited)
    assert (
        client.post("/login", data={"email": "new@example.com", "password": ""}).status_code == 401
    )
    page = client.get(f"/invitation/{token}")
    assert "Welcome to Onramp, New Person" in page.get_data(as_text=True)
    short = client.post(
        f"/invitation/{token}", data={"password": "short", "password_again": "short"}
    )
    assert short.status_code == 422
    assert "at least 10 characters" in short.get_data(as_text=True)
    done = client.post(
        f"/invitation/{token}",
        data={"password": "a long passphrase", "password_again": "a long passphrase"},
    )
    assert done.status_code == 302
    assert client.get(f"/invitation/{token}").status_code == 404  # used up
    db.session.refresh(invited)
    assert invited.invitation_hash is None and invited.password_hash.startswith("scrypt:")


def test_unknown_invitation_is_refused(client):
    response = client.get("/invitation/not-a-token")
    assert response.status_code == 404
    assert "not valid" in response.get_data(as_text=True)


def test_keep_me_logged_in_makes_a_lasting_cookie(client, people):
    data = {"email": "jill@example.com", "password": factories.PASSWORD}
    plain = client.post("/login", data=data).headers["Set-Cookie"]
    assert "Expires" not in plain
    client.post("/logout")
    lasting = client.post("/login", data={**data, "remember": "1"}).headers["Set-Cookie"]
    assert "Expires" in lasting and "HttpOnly" in lasting


def test_change_own_password(client, auth, people):
    auth.login("jill@example.com")
    wrong = client.post(
        "/account/password",
        data={"current_password": "nope", "password": "a new passphrase",
              "password_again": "a new passphrase"},
    )  # fmt: skip
    assert wrong.status_code == 422
    assert "That is not your current password." in wrong.get_data(as_text=True)
    done = client.post(
        "/account/password",
        data={"current_password": factories.PASSWORD, "password": "a new passphrase",
              "password_again": "a new passphrase"},
    )  # fmt: skip
    assert done.status_code == 302
    assert sign_in.authenticate("jill@example.com", "a new passphrase") is not None
    assert sign_in.authenticate("jill@example.com", factories.PASSWORD) is None


def test_password_change_and_log_out_everywhere_end_other_sessions(app, people):
    laptop, phone = app.test_client(), app.test_client()
    for device in (laptop, phone):
        device.post("/login", data={"email": "jill@example.com", "password": factories.PASSWORD})
        assert device.get("/").status_code == 200
    laptop.post(
        "/account/password",
        data={"current_password": factories.PASSWORD, "password": "a new passphrase",
              "password_again": "a new passphrase"},
    )  # fmt: skip
    assert laptop.get("/").status_code == 200  # the session that changed it carries on
    assert phone.get("/").status_code == 302  # the other one is logged out
    stolen = laptop.get_cookie("session").value
    assert laptop.post("/account/sessions").status_code == 302
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    assert replay.get("/").status_code == 302  # a copied cookie stops working too


def test_a_new_password_typed_differently_twice_is_refused(client, auth, people):
    auth.login("jill@example.com")
    response = client.post(
        "/account/password",
        data={"current_password": factories.PASSWORD, "password": "a new passphrase",
              "password_again": "a new passphrasf"},
    )  # fmt: skip
    assert response.status_code == 422
    assert "The two new passwords differ." in response.get_data(as_text=True)
    assert sign_in.authenticate("jill@example.com", factories.PASSWORD) is not None
