"""Company sign-in against a real directory (Debian's slapd with StartTLS, tests/directory_server):
accounts and roles provisioned from groups, every refusal with a clear message and an audit
entry, a directory that is down, and leavers deactivated by `wiki users sync`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from tests import factories
from tests.directory_server import SUFFIX, Directory, start_directory
from wiki.audit.models import AuditEntry
from wiki.auth import services as accounts
from wiki.auth.directory import Directory as WikiDirectory
from wiki.auth.directory import DirectoryPerson
from wiki.extensions import db

GROUPS = f"ou=groups,{SUFFIX}"
JILL_PASSWORD = "jills-directory-password"
CARRIE_PASSWORD = "carries-directory-password"


@pytest.fixture(scope="module")
def directory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Directory]:
    server = start_directory(tmp_path_factory.mktemp("slapd"))
    yield server
    server.stop()


@pytest.fixture
def app_config(directory: Directory) -> dict:
    return {
        "WTF_CSRF_ENABLED": False,
        "LDAP_URL": directory.url,
        "LDAP_BIND_DN": f"cn=wiki-search,{SUFFIX}",
        "LDAP_BIND_PASSWORD": "search-secret",
        "LDAP_BASE_DN": SUFFIX,
        "LDAP_ROLE_MAP": {f"cn=finance,{GROUPS}": "member", f"cn=training,{GROUPS}": "trainer"},
        "LDAP_CA_FILE": directory.ca_file,
        "LDAP_TIMEOUT": 3,
    }


def sign_in(client, login: str, password: str):
    return client.post("/login", data={"email": login, "password": password})


def last_failure() -> str:
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.kind == "login_failed").order_by(AuditEntry.id.desc())
    ).first()
    return entry.detail


def test_the_first_sign_in_makes_the_account_from_the_directory_and_later_ones_follow_it(
    client, directory
):
    response = sign_in(client, "carrie.dir@example.com", CARRIE_PASSWORD)
    assert response.status_code == 302
    carrie = accounts.find_user_by_email("carrie.dir@example.com")
    assert (carrie.name, carrie.roles, carrie.password_hash) == (
        "Carrie Directory",
        {"member", "trainer"},
        None,
    )
    assert carrie.directory_dn == f"uid=carrie,ou=people,{SUFFIX}"
    client.post("/logout")

    directory.remove_from_group("training", "carrie")
    try:
        assert sign_in(client, "carrie", CARRIE_PASSWORD).status_code == 302  # by user name
    finally:
        directory.add_to_group("training", "carrie")
    db.session.refresh(carrie)
    assert carrie.roles == {"member"}
    changed = db.session.scalars(select(AuditEntry).where(AuditEntry.kind == "role_changed")).one()
    assert changed.detail == "member, trainer → member (directory)"


@pytest.mark.parametrize(
    ("login", "password", "audited"),
    [
        ("jill", "not her password", "directory: unknown person or wrong password"),
        ("nobody@example.com", JILL_PASSWORD, "directory: unknown person or wrong password"),
        ("jill", "", "directory: empty password"),
        ("*", JILL_PASSWORD, "directory: unknown person or wrong password"),
    ],
)
def test_refusals_say_so_plainly_and_are_audited(client, directory, login, password, audited):
    response = sign_in(client, login, password)
    assert response.status_code == 401
    assert "do not match an active account" in response.get_data(as_text=True)
    assert last_failure() == audited
    assert accounts.find_user_by_email("jill.dir@example.com") is None


def test_an_empty_password_is_never_sent_as_a_bind(app, directory):
    """An empty password would make an unauthenticated bind, which many directories answer
    with success: the check refuses it without asking the directory."""
    jill = DirectoryPerson(f"uid=jill,ou=people,{SUFFIX}", "jill.dir@example.com", "Jill", ())
    company = WikiDirectory(app.config)
    assert not company.password_is_right(jill, "")
    assert company.password_is_right(jill, JILL_PASSWORD)


def test_a_person_in_no_mapped_group_or_deactivated_in_the_wiki_is_refused(client, directory):
    response = sign_in(client, "olaf@example.com", "olafs-directory-password")
    assert response.status_code == 403
    assert "no access to the wiki" in response.get_data(as_text=True)
    assert last_failure() == "directory: in no mapped group"

    assert sign_in(client, "jill", JILL_PASSWORD).status_code == 302
    client.post("/logout")
    jill = accounts.find_user_by_email("jill.dir@example.com")
    admin = factories.make_user(email="ada@example.com", name="Ada", roles=["admin"])
    accounts.set_active(admin, jill, False)
    assert sign_in(client, "jill", JILL_PASSWORD).status_code == 401
    assert last_failure() == "directory: account deactivated in the wiki"


@pytest.mark.parametrize("problem", ["down", "untrusted certificate"])
def test_a_directory_that_cannot_be_used_leaves_local_admins_a_way_in(
    app, client, directory, problem
):
    if problem == "down":
        app.config["LDAP_URL"] = "ldap://127.0.0.1:9"  # nothing listens on the discard port
    else:
        app.config["LDAP_CA_FILE"] = ""  # the test certificate is trusted by nobody else
    response = sign_in(client, "jill", JILL_PASSWORD)
    assert response.status_code == 503
    assert "Company sign-in is unavailable right now" in response.get_data(as_text=True)
    assert last_failure() == "directory unavailable"
    factories.make_user(email="ada@example.com", name="Ada", roles=["admin"])
    assert sign_in(client, "ada@example.com", factories.PASSWORD).status_code == 302


def test_sync_deactivates_leavers_and_ends_their_sessions(app, client, directory):
    assert sign_in(client, "jill", JILL_PASSWORD).status_code == 302
    assert client.get("/").status_code == 200
    runner = app.test_cli_runner()
    assert "0 deactivated" in runner.invoke(args=["users", "sync"]).output

    directory.remove_from_group("finance", "jill")
    try:
        result = runner.invoke(args=["users", "sync"])
    finally:
        directory.add_to_group("finance", "jill")
    assert result.exit_code == 0, result.output
    assert "deactivated: jill.dir@example.com (in no mapped group)" in result.output
    jill = accounts.find_user_by_email("jill.dir@example.com")
    assert not jill.active
    assert client.get("/").status_code == 302  # her session ended
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.kind == "deactivated")).one()
    assert entry.detail == "directory sync: in no mapped group"
    assert "directory: 0 deactivated" in runner.invoke(args=["tick"]).output


def test_sync_with_the_directory_down_changes_nobody(app, directory):
    app.config["LDAP_URL"] = "ldap://127.0.0.1:9"
    result = app.test_cli_runner().invoke(args=["users", "sync"])
    assert result.exit_code == 1 and "Company sign-in is unavailable" in result.output
    assert "directory: the directory does not answer" in (
        app.test_cli_runner().invoke(args=["tick"]).output
    )


def test_an_email_the_directory_moves_onto_another_account_is_refused_and_reported(
    app, client, directory
):
    """Emails are unique in the wiki: when the directory gives someone an email another account
    has, their sign-in says so, and the sync keeps their old email while it goes on with the
    rest (roles, leavers) instead of failing as a whole."""
    priya = factories.make_user(email="priya@example.com", name="Priya")
    for uid, password in (("jill", JILL_PASSWORD), ("carrie", CARRIE_PASSWORD)):
        assert sign_in(client, uid, password).status_code == 302
        client.post("/logout")
    directory.set_email("jill", "priya@example.com")
    directory.add_to_group("training", "jill")
    directory.remove_from_group("finance", "carrie")
    directory.remove_from_group("training", "carrie")
    try:
        refused = sign_in(client, "jill", JILL_PASSWORD)
        result = app.test_cli_runner().invoke(args=["users", "sync"])
    finally:
        directory.set_email("jill", "jill.dir@example.com")
        directory.remove_from_group("training", "jill")
        directory.add_to_group("finance", "carrie")
        directory.add_to_group("training", "carrie")
    assert refused.status_code == 403
    assert "priya@example.com already belongs to another wiki account" in refused.get_data(
        as_text=True
    )
    assert last_failure() == "directory: email of another account"

    assert result.exit_code == 0, result.output
    assert (
        "email not changed: jill.dir@example.com "
        "(the directory's priya@example.com belongs to another account)"
    ) in result.output
    assert "deactivated: carrie.dir@example.com (in no mapped group)" in result.output
    db.session.expire_all()
    jill = accounts.find_user_by_email("jill.dir@example.com")
    assert jill.active and jill.roles == {"member", "trainer"}  # her new group still counts
    assert (priya.email, priya.name) == ("priya@example.com", "Priya")


def test_a_directory_account_is_not_offered_a_wiki_password_to_change(client, directory):
    assert sign_in(client, "jill", JILL_PASSWORD).status_code == 302
    home = client.get("/").get_data(as_text=True)
    assert 'title="Your account"' in home and 'title="Change your password"' not in home
    account = client.get("/account/password").get_data(as_text=True)
    assert "You sign in with your company account" in account
    assert 'name="current_password"' not in account
    assert "Log out everywhere" in account
