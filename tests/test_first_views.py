"""First views: what every reader sees the same is drawn once per content version and shared by
every session, so a fresh session's first view of a page runs few SQL statements; and every
change (an edit, new expertise, a new file, a rename) shows on the next view of every session."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import event, func, select

from tests import factories
from wiki import versioning
from wiki.audit.models import AuditEntry
from wiki.buddies.models import PlanItem
from wiki.extensions import db
from wiki.people.declarations import ExpertiseDraft, save_expertise
from wiki.processes import pages, tree
from wiki.processes.models import Page
from wiki.timeutil import utcnow

URL = "/p/p2p/three-way-match"
# A fresh session's first view once another reader has seen the page since the last change:
# the user with their roles and unread count (unless the session ended), the page with its
# process and the viewer's watch on it; the questions the viewer may see only in a process that
# has any. (The page cache reads the content version before these on a raw connection, which
# no engine event sees: a third.) Raise it only with a reason.
MOST_STATEMENTS = 2


def _session(app, email: str):
    client = app.test_client()
    client.post("/login", data={"email": email, "password": factories.PASSWORD})
    return client


def _statements_of(app, client, url: str) -> list[str]:
    statements: list[str] = []

    def count(_connection, _cursor, statement, *_args) -> None:
        # Only this thread's: a search index may be built beside the test.
        if threading.current_thread() is threading.main_thread():
            statements.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return statements


@pytest.fixture
def page(app, people):
    page = factories.make_page("p2p", "Three-way match", "Match [the order](/p/p2p).", tags="ap")
    factories.make_page("p2p", "Invoices", "See [[/p2p/Three-way match]].")
    factories.attach(page, "screen.png")
    save_expertise(people["admin"], people["admin"], ExpertiseDraft("p2p", "expert", "matching"))
    return page


def test_a_fresh_sessions_first_view_runs_few_statements(app, people, page):
    first = _session(app, "ada@example.com")
    assert first.get(URL).status_code == 200  # stores the page's HTML: a write
    assert first.get(URL).status_code == 200  # draws the shared parts at this version
    fresh = _session(app, "marty@example.com")  # signing in writes too (the audit log)
    _session(app, "carrie@example.com").get(URL)  # someone has seen it since
    statements = _statements_of(app, fresh, URL)
    assert len(statements) <= MOST_STATEMENTS, "\n".join(statements)


def _settled(app) -> tuple[int, int]:
    """Two sessions have seen the page since the last change; the versions then."""
    first = _session(app, "ada@example.com")
    first.get(URL), first.get(URL)  # the first stores the page's HTML: a write
    _session(app, "carrie@example.com").get(URL)
    return versioning.current_version(), versioning.current_shared_version()


def test_a_sign_in_moves_no_version_and_the_next_first_view_is_shared(app, people, page):
    before = _settled(app)
    fresh = _session(app, "marty@example.com")  # its audit entry is written all the same
    assert db.session.scalar(select(func.count()).where(AuditEntry.kind == "login")) == 3
    assert (versioning.current_version(), versioning.current_shared_version()) == before
    statements = _statements_of(app, fresh, URL)
    assert len(statements) <= MOST_STATEMENTS, "\n".join(statements)


def test_a_newcomers_first_read_keeps_the_shared_parts_but_shows_on_their_pages(app, people, page):
    db.session.add(
        PlanItem(newcomer=people["newcomer"], kind="read_page", title="Read the match",
                 due_on=utcnow().date(), page=page)
    )  # fmt: skip
    db.session.commit()
    jill = _session(app, "jill@example.com")
    home = jill.get("/").get_data(as_text=True)  # kept in her session's page cache
    version, shared_version = _settled(app)
    jill.get(URL)  # her first read of the page
    assert versioning.current_shared_version() == shared_version
    assert versioning.current_version() > version  # her own pages show it
    assert "0 of 1 plan items done" in home
    assert "1 of 1 plan items done" in jill.get("/").get_data(as_text=True)
    other = _session(app, "priya@example.com")
    statements = _statements_of(app, other, URL)
    assert len(statements) <= MOST_STATEMENTS, "\n".join(statements)


def test_a_sign_out_keeps_the_shared_parts_and_answers_no_copy_of_its_cookie(app, people, page):
    _, shared_version = _settled(app)
    marty = _session(app, "marty@example.com")
    marty.get(URL), marty.get(URL)
    copy = app.test_client()
    copy.set_cookie("session", marty.get_cookie("session").value)
    assert _statements_of(app, copy, URL) == []  # answered by the page cache
    assert marty.post("/logout").status_code == 302
    assert versioning.current_shared_version() == shared_version
    assert copy.get(URL).status_code == 302  # to sign in, not the kept page


def test_the_shared_parts_show_the_same_page_to_everyone(app, people, page):
    ada, priya = _session(app, "ada@example.com"), _session(app, "priya@example.com")
    for _ in range(2):
        for client, name in ((ada, "Ada Admin"), (priya, "Priya Member")):
            html = client.get(URL).get_data(as_text=True)
            assert name in html and "screen.png" in html and "Invoices" in html
            assert "Who knows" in html and "matching" in html and ">ap<" in html
    # Verifying is the owner's or an expert's: Ada is one, Priya is not.
    assert "Verify this page" in ada.get(URL).get_data(as_text=True)
    assert "Verify this page" not in priya.get(URL).get_data(as_text=True)


def test_an_edit_shows_on_every_sessions_next_view(app, people, page):
    ada, priya = _session(app, "ada@example.com"), _session(app, "priya@example.com")
    ada.get(URL), priya.get(URL)
    pages.save_page(people["member"], page, pages.PageDraft("Three-way match", "Edited"), 1)
    for client in (ada, priya):
        html = client.get(URL).get_data(as_text=True)
        assert "Edited" in html and "Match the order" not in html and "revision 2" in html


def test_new_expertise_shows_on_every_sessions_next_view(app, people, page):
    ada, priya = _session(app, "ada@example.com"), _session(app, "priya@example.com")
    ada.get(URL), priya.get(URL)
    draft = ExpertiseDraft("p2p", "practitioner", "credit notes")
    save_expertise(people["member"], people["member"], draft)
    for client in (ada, priya):
        assert "credit notes" in client.get(URL).get_data(as_text=True)
    assert "Verify this page" in priya.get(URL).get_data(as_text=True)


def test_a_new_file_shows_on_every_sessions_next_view(app, people, page):
    ada, priya = _session(app, "ada@example.com"), _session(app, "priya@example.com")
    ada.get(URL), priya.get(URL)
    factories.attach(page, "terms.txt", b"net 30")
    for client in (ada, priya):
        assert "terms.txt" in client.get(URL).get_data(as_text=True)


def test_a_renamed_process_shows_on_every_sessions_next_view(app, people, page):
    ada, priya = _session(app, "ada@example.com"), _session(app, "priya@example.com")
    ada.get(URL), priya.get(URL)
    process = tree.get_process("p2p")
    tree.update_process(people["admin"], process, "Paying suppliers", "p2p", "")
    for client in (ada, priya):
        html = client.get(URL).get_data(as_text=True)
        assert "Paying suppliers" in html  # the trail, the sidebar and the experts panel
        assert html.count("Paying suppliers") >= 3


def test_a_process_of_hundreds_of_pages_shows_one_screen_with_a_pager(app, client, auth, people):
    process = factories.make_process("p2p")
    db.session.add_all(
        Page(process_id=process.id, slug=f"step-{n:03}", title=f"Step {n:03}",
             path=f"p2p/step-{n:03}")
        for n in range(1, 321)
    )  # fmt: skip
    db.session.commit()
    auth.login("priya@example.com")
    html = client.get("/p/p2p").get_data(as_text=True)
    assert "Step 001" in html and "Step 050" in html and "Step 051" not in html
    assert "Pages 1–50 of 320" in html and 'rel="next" href="/p/p2p?page=2"' in html
    assert 'rel="prev"' not in html
    html = client.get("/p/p2p?page=2").get_data(as_text=True)
    assert "Step 050" not in html and "Step 051" in html and "Step 100" in html
    assert 'rel="prev" href="/p/p2p?page=1"' in html and "Screen 2 of 7" in html
    html = client.get("/p/p2p?page=99").get_data(as_text=True)  # past the end: the last
    assert (
        "Step 320" in html
        and "Step 301" in html
        and "Step 300" not in html
        and 'rel="next"' not in html
    )
    assert "Pages 301–320 of 320" in html


def test_the_sidebar_marks_the_current_process_and_those_above_it(app, client, auth, people):
    for path in ("p2p", "p2p/invoices", "p2p/invoices-old", "o2c"):
        factories.make_process(path)
    auth.login("priya@example.com")
    for url in ("/p/o2c", "/p/p2p/invoices"):  # the tree is drawn once, marked for each
        html = client.get(url).get_data(as_text=True)
    assert '<a href="/p/p2p" class="in-path">' in html
    assert '<a href="/p/p2p/invoices" class="in-path" aria-current="page">' in html
    assert '<a href="/p/p2p/invoices-old">' in html and '<a href="/p/o2c">' in html
    assert html.count('class="in-path"') == 2  # nothing else, nothing left from /p/o2c


def test_shared_parts_are_bounded_and_follow_the_newest_version(monkeypatch):
    monkeypatch.setattr(versioning, "SHARED_LIMIT", 3)
    parts = versioning.SharedParts()
    for key in "abcd":
        parts.fetch(1, key, key.upper)
    assert list(parts.parts) == ["b", "c", "d"]  # the least recently used went first
    assert parts.fetch(1, "b", lambda: "rebuilt") == "B"
    assert list(parts.parts) == ["c", "d", "b"]
    assert parts.fetch(2, "b", lambda: "new") == "new" and parts.parts == {"b": "new"}
    # A request that read an older version gets its part, but it is not kept.
    assert parts.fetch(1, "z", lambda: "old") == "old" and "z" not in parts.parts


def test_the_process_pages_experts_panel_follows_new_expertise(app, people, page):
    ada, priya = _session(app, "ada@example.com"), _session(app, "priya@example.com")
    for client in (ada, priya):
        assert "credit notes" not in client.get("/p/p2p").get_data(as_text=True)
    save_expertise(
        people["member"], people["member"], ExpertiseDraft("p2p", "owner", "credit notes")
    )
    for client in (ada, priya):
        assert "credit notes" in client.get("/p/p2p").get_data(as_text=True)


def test_a_drawn_verification_badge_turns_with_time_alone(app, people, page, monkeypatch):
    from datetime import timedelta

    from wiki.processes import page_parts
    from wiki.verification import services as verification

    ada, priya = _session(app, "ada@example.com"), _session(app, "priya@example.com")
    marty = _session(app, "marty@example.com")
    trust = verification.verify(people["admin"], page, until=utcnow().date() + timedelta(days=30))
    assert ">Verified<" in ada.get(URL).get_data(as_text=True)  # may store the page's HTML
    assert ">Verified<" in marty.get(URL).get_data(as_text=True)  # drawn at a settled version
    later = trust.verified_until - timedelta(days=1)  # inside the review window: no write
    monkeypatch.setattr(page_parts, "utcnow", lambda: later)
    monkeypatch.setattr(verification, "utcnow", lambda: later)
    assert ">Review due<" in priya.get(URL).get_data(as_text=True)


def test_a_question_shows_on_every_sessions_next_view_of_its_process(app, people, page):
    ada, priya = _session(app, "ada@example.com"), _session(app, "priya@example.com")
    marty = _session(app, "marty@example.com")
    for client in (ada, priya, marty):
        assert "Nobody has asked about" in client.get(URL).get_data(as_text=True)
    factories.make_question(
        people["member"], "p2p", [people["admin"]], title="Who signs the match?"
    )
    factories.make_question(
        people["manager"], "p2p", [people["admin"]], title="A private one", private=True
    )
    for client in (ada, priya, marty):
        html = client.get(URL).get_data(as_text=True)
        assert "Who signs the match?" in html and "Nobody has asked" not in html
        assert ("A private one" in html) == (client is not priya)  # its asker and an admin
