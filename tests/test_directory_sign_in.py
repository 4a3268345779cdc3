"""Company sign-in against a real directory (Debian's slapd with StartTLS, tests/directory_server):
accounts and roles provisioned from groups, every refusal with a clear message and an audit
entry, a directory that is down, and leavers deactivated by `wiki users sync`."""

from __future__ import annotations

from collections.abc import Iterator

import feedparser
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
    # The name in the header leads to the profile, which offers the company account instead.
    assert "API tokens and company account" in home and "API tokens and password" not in home
    account = client.get("/account/password").get_data(as_text=True)
    assert "You sign in with your company account" in account
    assert 'name="current_password"' not in account
    assert "Log out everywhere" in account


@pytest.mark.parametrize("break_glass", [False, True], ids=["admin", "break-glass admin"])
def test_a_directory_entry_with_the_email_of_a_wiki_account_does_not_take_it_over(
    app, client, directory, break_glass
):
    """The sweep's case: with the default empty role map, an entry whose mail is an admin's
    wiki email (in any case) signed in as that admin, and her own password stopped working."""
    app.config["LDAP_ROLE_MAP"] = {}
    if break_glass:
        app.config["BREAK_GLASS_EMAIL"] = "ada@example.com"
    ada = factories.make_user(email="ada@example.com", name="Ada", roles=["admin"])
    directory.set_email("jill", "ADA@example.com")
    try:
        refused = sign_in(client, "jill", JILL_PASSWORD)
    finally:
        directory.set_email("jill", "jill.dir@example.com")
    assert refused.status_code == 403
    says = "break-glass account" if break_glass else "is not linked to your company account"
    assert says in refused.get_data(as_text=True)
    reason = "the break-glass account" if break_glass else "email of an unlinked wiki account"
    assert last_failure() == f"directory: {reason}"
    assert client.get("/admin/users").status_code == 302  # nobody is signed in
    db.session.expire_all()
    assert (ada.directory_dn, ada.name, ada.roles) == (None, "Ada", {"admin", "member"})
    assert sign_in(client, "ada@example.com", factories.PASSWORD).status_code == 302


def test_an_admin_may_let_the_next_directory_sign_in_take_over_an_account_once(
    app, client, directory
):
    app.config["LDAP_ROLE_MAP"] = {}
    priya = factories.make_user(email="priya@example.com", name="Priya", roles=["trainer"])
    factories.make_user(email="ada@example.com", name="Ada", roles=["admin"])
    assert sign_in(client, "ada@example.com", factories.PASSWORD).status_code == 302
    form = client.get(f"/admin/users/{priya.id}").get_data(as_text=True)
    assert "Let the next company sign-in with priya@example.com take over" in form
    fields = {"name": "Priya", "email": "priya@example.com", "roles": ["trainer"]}
    allowed = {**fields, "company_link_offered": "1", "company_link_allowed": "1"}
    assert client.post(f"/admin/users/{priya.id}", data=allowed).status_code == 302
    client.post("/logout")

    directory.set_email("jill", "priya@example.com")
    try:
        assert sign_in(client, "jill", JILL_PASSWORD).status_code == 302
        client.post("/logout")
        # The permission is used up: another entry with that email is refused.
        directory.set_email("carrie", "priya@example.com")
        refused = sign_in(client, "carrie", CARRIE_PASSWORD)
    finally:
        directory.set_email("jill", "jill.dir@example.com")
        directory.set_email("carrie", "carrie.dir@example.com")
    assert refused.status_code == 403
    db.session.expire_all()
    assert priya.directory_dn == f"uid=jill,ou=people,{SUFFIX}"
    assert priya.roles == {"member", "trainer"} and not priya.company_link_allowed
    kinds = db.session.scalars(select(AuditEntry.kind).order_by(AuditEntry.id)).all()
    assert kinds.index("company_link_allowed") < kinds.index("company_linked")


def test_a_person_signed_in_with_their_wiki_password_links_their_directory_entry(client, directory):
    priya = factories.make_user(email="priya@example.com", name="Priya", roles=["trainer"])
    assert sign_in(client, "priya@example.com", factories.PASSWORD).status_code == 302
    assert "Link my company account" in client.get("/account/password").get_data(as_text=True)

    wrong = client.post(
        "/account/company-link", data={"company_login": "jill", "company_password": "not hers"}
    )
    page = wrong.get_data(as_text=True)
    assert wrong.status_code == 422
    assert "That company user name and password do not match." in page
    assert 'value="jill"' in page  # what she typed is kept
    db.session.expire_all()
    assert priya.directory_dn is None

    linked = client.post(
        "/account/company-link", data={"company_login": "jill", "company_password": JILL_PASSWORD}
    )
    assert linked.status_code == 302
    db.session.expire_all()
    assert priya.directory_dn == f"uid=jill,ou=people,{SUFFIX}"
    assert priya.email == "jill.dir@example.com"  # as the directory has it from now on
    assert priya.roles == {"member"}  # the role map gives the roles of a directory account
    client.post("/logout")
    assert sign_in(client, "jill", JILL_PASSWORD).status_code == 302
    login = db.session.scalars(
        select(AuditEntry).where(AuditEntry.kind == "login").order_by(AuditEntry.id.desc())
    ).first()
    assert (login.actor_id, login.detail) == (priya.id, "directory")


def test_the_break_glass_account_is_not_offered_a_link_and_cannot_force_one(app, client, directory):
    app.config["BREAK_GLASS_EMAIL"] = "ada@example.com"
    ada = factories.make_user(email="ada@example.com", name="Ada", roles=["admin"])
    assert sign_in(client, "ada@example.com", factories.PASSWORD).status_code == 302
    assert "Link my company account" not in client.get("/account/password").get_data(as_text=True)
    assert "take over" not in client.get(f"/admin/users/{ada.id}").get_data(as_text=True)
    forced = client.post(
        "/account/company-link", data={"company_login": "jill", "company_password": JILL_PASSWORD}
    )
    assert forced.status_code == 302
    assert "never linked" in client.get("/account/password").get_data(as_text=True)
    db.session.expire_all()
    assert ada.directory_dn is None


def test_a_name_with_control_characters_is_cleaned_and_the_feed_stays_well_formed(
    client, directory
):
    directory.set_name("jill", "Jill\x1b[31m\x07 Directory\x0b")
    try:
        assert sign_in(client, "jill", JILL_PASSWORD).status_code == 302
    finally:
        directory.set_name("jill", "Jill Directory")
    jill = accounts.find_user_by_email("jill.dir@example.com")
    assert jill.name == "Jill[31m Directory"
    page = factories.make_page("p2p", "Three-way match", "Text")
    assert (
        client.post(
            f"/p/{page.path}/+edit",
            data={"title": page.title, "body": "Edited", "base_revision": "1"},
        ).status_code
        == 302
    )
    feed = feedparser.parse(client.get("/changes.atom").data)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.entries[0].author == "Jill[31m Directory"
