"""Admin screens: create or invite people, change roles, deactivate."""

from __future__ import annotations

from wiki.auth import services, sign_in
from wiki.extensions import db


def test_admin_creates_a_person_with_roles(client, auth, people):
    auth.login("ada@example.com")
    response = client.post(
        "/admin/users/new",
        data={"name": "Tom Expert", "email": "tom@example.com", "roles": ["trainer"],
              "password": "a long passphrase", "start_date": ""},
    )  # fmt: skip
    assert response.status_code == 302
    tom = services.find_user_by_email("tom@example.com")
    assert tom.roles == {"trainer", "member"}
    client.post("/logout")
    assert auth.login("tom@example.com", "a long passphrase").status_code == 302


def test_admin_invites_a_person_and_gets_a_link(client, auth, people):
    auth.login("ada@example.com")
    response = client.post(
        "/admin/users/new",
        data={"name": "Ben New", "email": "ben@example.com", "start_date": "2026-11-30"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "/invitation/" in html
    ben = services.find_user_by_email("ben@example.com")
    assert ben.password_hash is None and ben.is_newcomer


def test_deactivating_a_person_ends_their_pending_invitation(client, auth, people):
    auth.login("ada@example.com")
    html = client.post(
        "/admin/users/new", data={"name": "Ben New", "email": "ben@example.com"}
    ).get_data(as_text=True)
    link = "/invitation/" + html.split("/invitation/", 1)[1].split('"', 1)[0].split("<", 1)[0]
    assert client.get(link).status_code == 200
    ben = services.find_user_by_email("ben@example.com")
    assert client.post(f"/admin/users/{ben.id}/active", data={"active": "0"}).status_code == 302
    auth.logout()
    chosen = {"password": "a long passphrase", "password_again": "a long passphrase"}
    assert client.post(link, data=chosen).status_code == 404
    db.session.expire_all()
    assert ben.password_hash is None


def test_bad_input_redisplays_with_the_text_and_precise_errors(client, auth, people):
    auth.login("ada@example.com")
    response = client.post(
        "/admin/users/new",
        data={"name": "Jill Again", "email": "jill@example.com", "start_date": "30/11/2026"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter the start date as YYYY-MM-DD." in html
    assert 'value="Jill Again"' in html
    response = client.post(
        "/admin/users/new", data={"name": "Jill Again", "email": "jill@example.com"}
    )
    assert "jill@example.com already has an account." in response.get_data(as_text=True)
    assert len(services.list_users()) == 5


def test_admin_changes_roles_and_deactivates(client, auth, people):
    auth.login("ada@example.com")
    priya = people["member"]
    response = client.post(
        f"/admin/users/{priya.id}",
        data={"name": "Priya Member", "email": "priya@example.com", "roles": ["manager"]},
    )
    assert response.status_code == 302
    assert services.get_user(priya.id).roles == {"manager", "member"}
    client.post(f"/admin/users/{priya.id}/active", data={"active": "0"})
    assert not services.get_user(priya.id).active


def test_admin_cannot_deactivate_themselves(client, auth, people):
    auth.login("ada@example.com")
    response = client.post(f"/admin/users/{people['admin'].id}/active", data={"active": "0"})
    assert response.status_code == 302
    assert "cannot deactivate your own account" in client.get("/admin/users").get_data(as_text=True)
    assert services.get_user(people["admin"].id).active


def test_deactivated_session_is_logged_out(client, auth, people):
    auth.login("priya@example.com")
    services.set_active(people["admin"], people["member"], False)
    assert client.get("/").status_code == 302


def test_users_cli_creates_a_person_from_stdin(app, people):
    result = app.test_cli_runner().invoke(
        args=["users", "create", "cli@example.com", "--name", "Cli Person", "--role", "trainer",
              "--password-stdin"],
        input="a long passphrase\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    user = sign_in.authenticate("cli@example.com", "a long passphrase")
    assert user is not None and user.roles == {"trainer", "member"}
    again = app.test_cli_runner().invoke(
        args=["users", "create", "cli@example.com", "--name", "X", "--password-stdin"],
        input="a long passphrase\n",
    )
    assert again.exit_code != 0 and "already has an account" in again.output


def test_admin_cannot_remove_their_own_admin_role(client, auth, people):
    auth.login("ada@example.com")
    admin = people["admin"]
    response = client.post(
        f"/admin/users/{admin.id}",
        data={"name": "Ada Admin", "email": "ada@example.com", "roles": ["manager"]},
    )
    assert response.status_code == 422
    assert "You cannot remove your own admin role." in response.get_data(as_text=True)
    assert services.get_user(admin.id).roles == {"admin", "member"}
