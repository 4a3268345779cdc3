"""The domains' events reach their receivers: one run of the wiki's actions, from writing a page
to a buddy assignment, leaves in the outbox the webhook of each, with the API's object and the
one-line text a chat channel shows, and tells watchers and the audit log what they keep."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests import factories
from wiki import events
from wiki.audit.models import AuditEntry
from wiki.buddies import services as buddies
from wiki.errors import ValidationError
from wiki.extensions import db
from wiki.gaps import services as gaps
from wiki.notifications.models import Notification
from wiki.processes import pages
from wiki.processes.reviews import notify_reviews_due
from wiki.questions import services as questions
from wiki.questions.periodic import remind_and_escalate
from wiki.timeutil import utcnow
from wiki.watching import services as watching
from wiki.webhooks import services as webhooks
from wiki.webhooks.models import EVENTS, WebhookDelivery

BASE = "https://wiki.example.com"


@pytest.fixture
def app_config() -> dict:
    return {"WEBHOOK_ALLOW_PRIVATE": True, "BASE_URL": BASE}


def sent() -> list[dict]:
    rows = db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id))
    return [json.loads(row.body) for row in rows]


def test_every_action_of_the_wiki_reaches_a_webhook_with_the_apis_object(people):
    webhooks.add_endpoint(
        people["admin"], webhooks.EndpointDraft("http://127.0.0.1:9/hook", list(EVENTS), "s" * 24)
    )
    member, trainer = people["member"], people["trainer"]
    page = factories.make_page("p2p", "Three-way match", "Match.", member)
    pages.save_page(trainer, page, pages.PageDraft("Three-way match", "Match all three."), 1)
    question = factories.make_question(people["newcomer"], "p2p", [member])
    questions.add_post(member, question, "See [[Three-way match]].")
    late = factories.make_question(people["newcomer"], "p2p", [member], title="Who signs?")
    late.created_at = utcnow() - timedelta(days=30)
    db.session.commit()
    remind_and_escalate(utcnow())
    forum, meeting = factories.make_forum_meeting(people, "p2p", "p2p")
    gap = meeting.gaps[0]
    gaps.change_status(trainer, gap, gaps.Change("rejected", reason="Covered by the course."))
    buddies.assign_buddy(
        people["manager"], buddies.AssignmentDraft(people["newcomer"].id, member.id)
    )
    page.last_reviewed_at = utcnow() - timedelta(days=page.review_interval_days + 1)
    db.session.commit()
    notify_reviews_due(utcnow())

    delivered = sent()
    assert [event["event"] for event in delivered] == [
        "page.created",
        "page.updated",
        "question.asked",
        "question.answered",
        "question.asked",
        "question.escalated",
        "forum.meeting_recorded",
        "gap.logged",
        "gap.status_changed",
        "buddy.assigned",
        "page.review_due",
    ]
    texts = [event["text"] for event in delivered]
    page_link = f"<{BASE}/p/p2p/three-way-match>"
    assert texts[0] == f"Priya Member wrote “Three-way match” in P2p {page_link}"
    assert texts[1] == f"Carrie Trainer edited “Three-way match” in P2p {page_link}"
    assert texts[3] == (
        f"Question answered in P2p: How do I clear a price variance? "
        f"<{BASE}/questions/{question.id}>"
    )
    assert texts[5].startswith("Question left unanswered too long in P2p: Who signs?")
    assert texts[6] == f"P2p forum met on 2026-11-20 <{BASE}/forums/{forum.id}>"
    assert texts[8] == f"Gap planned → rejected: Freight on credit notes <{BASE}/gaps/{gap.id}>"
    assert texts[9] == f"Priya Member is Jill Newcomer's integration buddy <{BASE}/buddies/>"
    assert texts[10] == f"“Three-way match” in P2p is due for review {page_link}"
    # The objects are the API's own, with the address of the thing.
    assert (
        delivered[1]["object"]["id"] == page.id
        and delivered[1]["object"]["url"] == "/p/p2p/three-way-match"
    )
    assert delivered[3]["object"]["title"] == "How do I clear a price variance?"
    assert delivered[8]["object"]["status"] == "rejected"
    assert delivered[8]["object"]["previous_status"] == "planned"
    assert delivered[9]["object"]["buddy"] == {"id": member.id, "name": "Priya Member"}


def test_watchers_and_the_audit_log_hear_of_a_page_moved_reviewed_and_given_a_file(people):
    admin, member = people["admin"], people["member"]
    page = factories.make_page("p2p", "Three-way match", "Match.", admin)
    watching.watch(member, page=page)
    target = factories.make_process("r2r")
    pages.move_page(admin, page, target)
    pages.mark_reviewed(admin, page)
    factories.attach(page, "screen.png", uploader=admin)
    titles = db.session.scalars(
        select(Notification.title)
        .where(Notification.user_id == member.id)
        .order_by(Notification.id)
    ).all()
    assert titles == [
        "Three-way match: moved to R2r",
        "Three-way match: reviewed",
        "Three-way match: file screen.png added",
    ]
    moved = db.session.scalar(select(AuditEntry).where(AuditEntry.kind == "page_moved"))
    assert (moved.actor_id, moved.detail) == (admin.id, "p2p/three-way-match → r2r/three-way-match")


def test_what_the_receivers_queued_is_rolled_back_with_the_change(people):
    webhooks.add_endpoint(
        people["admin"], webhooks.EndpointDraft("http://127.0.0.1:9/hook", list(EVENTS), "s" * 24)
    )
    member = people["member"]
    page = factories.make_page("p2p", "Three-way match", "Match.", member)
    watching.watch(people["trainer"], process=page.process)
    with pytest.raises(ValidationError):  # the same title in the same process: refused
        factories.make_page("p2p", "Three-way match", "Again.", member)
    # An edit announced and then abandoned: its webhook and its watcher's notice go with it.
    events.page_edited.send(page, actor=member)
    assert len(sent()) == 2
    db.session.rollback()
    assert [event["event"] for event in sent()] == ["page.created"]
    assert db.session.scalars(select(Notification)).all() == []
