"""Editor drafts: private to their author, offered back with a diff, removed by save and
cancel, expired by `wiki tick`, and a draft from an older revision meets the conflict screen."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.conftest import on_postgresql
from wiki.extensions import db
from wiki.processes import drafts, pages
from wiki.processes.models import EditDraft
from wiki.search import services as search
from wiki.tick import run_jobs
from wiki.timeutil import utcnow
from wiki.versioning import current_version


def _save_draft(client, page_path: str, body: str, base_revision: int = 1, title="Three-way match"):
    return client.post(
        "/editor/draft",
        data={"page": page_path, "title": title, "body": body, "base_revision": base_revision},
        headers={"Accept": "application/json"},
    )


def test_a_draft_is_offered_back_with_its_time_and_changes(client, auth, people):
    page = factories.make_page("p2p", "Three-way match", "Check the hold queue.")
    auth.login("priya@example.com")
    response = _save_draft(client, page.path, "Check the hold queue.\n\nDRAFTLINE added.")
    assert response.status_code == 200 and response.get_json()["saved_at"].endswith("Z")
    html = client.get(f"/p/{page.path}/+edit").get_data(as_text=True)
    assert "You have unsaved text from" in html
    assert "DRAFTLINE added." in html  # in the diff against the current text
    restored = client.get(f"/p/{page.path}/+edit?draft=1").get_data(as_text=True)
    assert "You have unsaved text" not in restored
    assert "DRAFTLINE added.</textarea>" in restored


def test_drafts_are_private_to_their_author(client, auth, people):
    page = factories.make_page("p2p", "Three-way match", "Check the hold queue.")
    auth.login("priya@example.com")
    _save_draft(client, page.path, "Priya's SECRETWORD draft.")
    auth.logout()
    auth.login("jill@example.com")
    html = client.get(f"/p/{page.path}/+edit?draft=1").get_data(as_text=True)
    assert "SECRETWORD" not in html and "You have unsaved text" not in html
    # Jill's discard of "her" draft leaves Priya's alone.
    client.post("/editor/draft/discard", data={"page": page.path})
    assert drafts.get_draft(people["member"], page) is not None
    assert drafts.get_draft(people["newcomer"], page) is None


def test_drafts_are_never_searchable(client, auth, people):
    page = factories.make_page("p2p", "Three-way match", "Check the hold queue.")
    auth.login("priya@example.com")
    _save_draft(client, page.path, "Unpublished zanzibarword notes.")
    outcome = search.search(people["member"], "zanzibarword")
    assert not outcome.results or outcome.results.total == 0
    response = client.get("/search/quick?q=zanzibarword")
    assert response.get_json()["results"] == []


def test_saving_and_cancelling_remove_the_draft(client, auth, people):
    page = factories.make_page("p2p", "Three-way match", "Check the hold queue.")
    auth.login("priya@example.com")
    _save_draft(client, page.path, "Draft one.")
    response = client.post(
        f"/p/{page.path}/+edit",
        data={"title": page.title, "body": "Saved text.", "base_revision": 1, "action": "save"},
    )
    assert response.status_code == 302
    assert drafts.get_draft(people["member"], page) is None
    _save_draft(client, page.path, "Draft two.", base_revision=2)
    response = client.post(f"/p/{page.path}/+edit", data={"action": "cancel"})
    assert response.status_code == 302 and response.location == f"/p/{page.path}"
    assert drafts.get_draft(people["member"], page) is None


def test_a_new_page_draft_is_kept_per_process_and_removed_when_created(client, auth, people):
    factories.make_process("p2p")
    auth.login("priya@example.com")
    client.post(
        "/editor/draft", data={"process": "p2p", "title": "GR/IR", "body": "Clearing steps."}
    )
    html = client.get("/p/p2p/+new").get_data(as_text=True)
    assert "You have unsaved text from" in html
    restored = client.get("/p/p2p/+new?draft=1").get_data(as_text=True)
    assert "Clearing steps.</textarea>" in restored and 'value="GR/IR"' in restored
    response = client.post(
        "/p/p2p/+new", data={"title": "GR/IR", "body": "Clearing steps.", "action": "save"}
    )
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(EditDraft)) == 0


def test_a_draft_of_a_page_from_a_question_is_offered_back_there_and_only_there(
    client, auth, people
):
    question = factories.make_answered_question(
        people["newcomer"], "p2p", "Blocked vendors", "Call vendor master data."
    )
    editor = f"/questions/{question.id}/new-page"
    auth.login("noor@example.com")
    for _ in range(2):  # seen twice: the page cache must not answer it after the draft
        form = client.get(editor).get_data(as_text=True)
    assert f'data-question="{question.id}"' in form  # the editor sends it with its drafts
    # Noor types (the editor saves her draft), leaves, and opens the same link again.
    response = client.post(
        "/editor/draft",
        data={"process": "p2p", "question": question.id, "title": "Blocked vendors",
              "body": "Call vendor master data.\n\nQUESTIONDRAFT: then release the block."},
        headers={"Accept": "application/json"},
    )  # fmt: skip
    assert response.status_code == 200
    html = client.get(editor).get_data(as_text=True)
    assert "You have unsaved text from" in html
    assert "QUESTIONDRAFT" in html  # in the diff against the text pre-filled from the question
    assert f"/questions/{question.id}/new-page?draft=1" in html
    restored = client.get(f"{editor}?draft=1").get_data(as_text=True)
    assert "You have unsaved text" not in restored
    assert "QUESTIONDRAFT: then release the block.</textarea>" in restored
    assert "Pre-filled from the question" in restored  # still the question's page, its credit
    # A new page opened the usual way in the same process is another page: no offer there.
    assert "You have unsaved text" not in client.get("/p/p2p/+new").get_data(as_text=True)
    # Saving the page from the question removes its draft.
    response = client.post(
        editor, data={"title": "Blocked vendors", "body": "Release the block.", "summary": "x"}
    )
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(EditDraft)) == 0


def test_discarding_a_draft_of_a_page_from_a_question_goes_back_to_its_editor(client, auth, people):
    question = factories.make_answered_question(
        people["newcomer"], "p2p", "Blocked vendors", "Call vendor master data."
    )
    auth.login("noor@example.com")
    client.post("/editor/draft", data={"process": "p2p", "question": question.id, "body": "x"})
    client.post("/editor/draft", data={"process": "p2p", "body": "A blank new page."})
    response = client.post(
        "/editor/draft/discard", data={"process": "p2p", "question": question.id}
    )
    assert response.location == f"/questions/{question.id}/new-page"
    assert "You have unsaved text" not in client.get(response.location).get_data(as_text=True)
    # The process's own new-page draft is untouched.
    assert "You have unsaved text" in client.get("/p/p2p/+new").get_data(as_text=True)


def test_a_draft_from_an_older_revision_meets_the_conflict_screen(client, auth, people):
    page = factories.make_page("p2p", "Three-way match", "Line one.\n\nLine two.")
    auth.login("priya@example.com")
    _save_draft(client, page.path, "Line one, by Priya.\n\nLine two.", base_revision=1)
    pages.save_page(
        people["manager"], page, pages.PageDraft(page.title, "Line one.\n\nLine two, by Marty."), 1
    )
    restored = client.get(f"/p/{page.path}/+edit?draft=1").get_data(as_text=True)
    assert 'name="base_revision" value="1"' in restored
    response = client.post(
        f"/p/{page.path}/+edit",
        data={
            "title": page.title,
            "body": "Line one, by Priya.\n\nLine two.",
            "base_revision": 1,
            "action": "save",
        },
    )
    assert response.status_code == 409
    assert "saved this page while you were editing" in response.get_data(as_text=True)
    assert drafts.get_draft(people["member"], page) is not None  # nothing is lost meanwhile


def test_tick_removes_drafts_older_than_draft_days(app, people):
    page = factories.make_page("p2p", "Three-way match", "Text.")
    drafts.save_draft(people["member"], page, None, page.title, "Old draft.", 1)
    drafts.get_draft(people["member"], page).saved_at = utcnow() - timedelta(days=31)
    db.session.commit()
    drafts.save_draft(people["newcomer"], page, None, page.title, "Fresh draft.", 1)
    fresh = drafts.get_draft(people["newcomer"], page)
    outcome = dict(run_jobs(utcnow()))
    assert outcome["drafts"] == "1 editor draft(s) older than 30 days removed"
    assert drafts.get_draft(people["member"], page) is None
    assert drafts.get_draft(people["newcomer"], page).id == fresh.id


def test_a_draft_leaves_the_content_version_alone(app, people):
    """Page caches are emptied by every writing commit; typing must not empty them."""
    page = factories.make_page("p2p", "Three-way match", "Text.")
    before = current_version()
    drafts.save_draft(people["member"], page, None, page.title, "Typing.", 1)
    drafts.save_draft(people["member"], page, None, page.title, "Typing on.", 1)
    drafts.discard_draft(people["member"], page)
    assert current_version() == before


def test_one_draft_per_person_and_page(app, people):
    page = factories.make_page("p2p", "Three-way match", "Text.")
    for body in ("one", "two", "three"):
        drafts.save_draft(people["member"], page, None, page.title, body, 1)
    rows = db.session.scalars(select(EditDraft)).all()
    assert [row.body for row in rows] == ["three"]


def test_a_draft_is_offered_even_when_the_editor_was_seen_before(client, auth, people):
    """Drafts do not bump the content version, so the page cache must not answer the editor."""
    page = factories.make_page("p2p", "Three-way match", "Check the hold queue.")
    auth.login("priya@example.com")
    for _ in range(2):  # the first view puts a CSRF token in the session (a new cookie)
        assert "You have unsaved text" not in client.get(f"/p/{page.path}/+edit").get_data(True)
    _save_draft(client, page.path, "A newer text.")
    assert "You have unsaved text" in client.get(f"/p/{page.path}/+edit").get_data(True)


@pytest.mark.skipif(on_postgresql(), reason="SQLite's safety level")
def test_only_the_draft_commit_skips_waiting_for_the_disk(app):
    with db.engine.connect() as connection:
        driver = connection.connection.driver_connection
        level = "PRAGMA synchronous"
        assert driver.execute(level).fetchone()[0] == 2  # FULL, as every write
        with drafts._without_waiting_for_the_disk(connection):
            assert driver.execute(level).fetchone()[0] == 1  # NORMAL
        assert driver.execute(level).fetchone()[0] == 2
