"""Marks "depends on a page that changed": a page linking to a verified page that changed, and
a course module covering its process, are marked; the page shows it with a link to what
changed and the lists name it (content health, the trainer's home); the mark goes when the
page's owner edits or verifies it, or marks it still right."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests import factories
from wiki.extensions import db
from wiki.gaps.models import Course, CourseModule
from wiki.people.declarations import ExpertiseDraft, save_expertise
from wiki.processes import pages
from wiki.verification import services
from wiki.verification.models import DependencyChange


@pytest.fixture
def app_config() -> dict:
    return {"WTF_CSRF_ENABLED": False}


@pytest.fixture
def match(people):
    """Three-way match, verified by the trainer; Hold queue (the member's) links to it."""
    page = factories.make_page("p2p", "Three-way match", "Tolerance is 2 %.", people["member"])
    save_expertise(people["trainer"], people["trainer"], ExpertiseDraft("p2p", "expert"))
    services.verify(people["trainer"], page)
    return page


@pytest.fixture
def hold(people, match):
    return factories.make_page("p2p", "Hold queue", "Check [[Three-way match]].", people["member"])


def edit(page, author, body: str) -> None:
    pages.save_page(author, page, pages.PageDraft(page.title, body), page.latest_revision)


def marks() -> list[DependencyChange]:
    return list(db.session.scalars(select(DependencyChange).order_by(DependencyChange.id)))


def test_a_linking_page_is_marked_shown_and_cleared_when_its_owner_edits_it(
    client, auth, people, match, hold
):
    edit(match, people["admin"], "Tolerance is 3 %, and quantity must match exactly.")
    edit(match, people["admin"], "Tolerance is 4 %, and quantity must match exactly.")
    (mark,) = marks()  # one mark, spanning both changes
    assert (mark.page_id, mark.changed_page_id) == (hold.id, match.id)
    assert (mark.from_revision, mark.to_revision) == (1, 3)
    auth.login("jill@example.com")
    page = client.get(f"/p/{hold.path}").text
    assert 'Depends on <a href="/p/p2p/three-way-match">Three-way match</a>, which changed on' in (
        page
    )
    assert 'href="/p/p2p/three-way-match/+diff?from=1&amp;to=3">see what changed' in page
    assert "mark it still right" not in page  # not hers to dismiss
    auth.logout()
    auth.login("priya@example.com")  # the owner: listed on her home
    home = client.get("/").text
    assert "Your pages that depend on a page that changed" in home
    assert 'Hold queue</a> <span class="muted">(owner: Priya Member)</span> depends on' in home
    auth.logout()
    edit(hold, people["admin"], "Check [[Three-way match]] first, always.")  # not the owner
    assert len(marks()) == 1
    edit(hold, people["member"], "Check [[Three-way match]] first, then the price.")
    assert marks() == []


def test_verifying_the_linking_page_or_marking_it_still_right_clears_it(
    client, auth, people, match, hold
):
    edit(match, people["admin"], "Tolerance is 3 %, and quantity must match exactly.")
    assert len(marks()) == 1
    services.verify(people["trainer"], hold)
    assert marks() == []
    edit(match, people["admin"], "Tolerance is 4 %, and quantity must match exactly.")
    (mark,) = marks()
    auth.login("jill@example.com")
    assert client.post(f"/verification/dependencies/{mark.id}/dismiss").status_code == 403
    auth.logout()
    auth.login("priya@example.com")
    assert "mark it still right" in client.get(f"/p/{hold.path}").text
    answer = client.post(f"/verification/dependencies/{mark.id}/dismiss")
    assert answer.status_code == 302 and answer.location.endswith(f"/p/{hold.path}")
    assert marks() == []
    assert "Depends on" not in client.get(f"/p/{hold.path}").text


def test_a_course_module_is_marked_and_listed_for_the_trainer(client, auth, people, match):
    course = Course(title="AP basics")
    course.modules = [CourseModule(title="Matching", processes=[match.process])]
    db.session.add(course)
    db.session.commit()
    edit(match, people["member"], "Tolerance is 3 %, and quantity must match exactly.")
    (mark,) = marks()
    assert mark.module_id == course.modules[0].id and mark.page_id is None
    auth.login("carrie@example.com")
    home = client.get("/").text
    assert "Modules that depend on a page that changed" in home
    assert "AP basics</a>: Matching depends on" in home
    health = client.get("/verification/health").text
    assert "AP basics</a>: Matching depends on" in health
    assert client.post(f"/verification/dependencies/{mark.id}/dismiss").status_code == 302
    assert marks() == []
    assert "No course module covers a page that changed" in client.get("/").text
