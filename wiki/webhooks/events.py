"""What the wiki tells webhooks: an event's JSON (its name, an id, when, the object as the API
shows it, and a one-line `text` with a link that chat tools show as is), queued in the
transaction of the change and sent by `wiki worker` once it is committed. Confidential things
never leave: no coaching, peer group or FeedForward event exists, and a private question's
event carries none of its words."""

from __future__ import annotations

import json
import uuid

from flask import current_app
from sqlalchemy import select

from wiki.extensions import db
from wiki.outbox import wake_worker
from wiki.timeutil import utcnow
from wiki.webhooks.models import EVENTS, WebhookDelivery, WebhookEndpoint


def emit(event_name: str, subject: dict, summary: str, path: str) -> None:
    """Queue the event for every endpoint that wants it, uncommitted: it is sent once the
    change it speaks of is committed, and never if that is rolled back."""
    if event_name not in EVENTS:
        raise ValueError(f"unknown webhook event {event_name!r}")
    wanting = [
        endpoint
        for endpoint in db.session.scalars(select(WebhookEndpoint))
        if event_name in endpoint.event_names
    ]
    queue(wanting, event_name, subject, summary, path)


def queue(
    endpoints: list[WebhookEndpoint], event_name: str, subject: dict, summary: str, path: str
) -> list[WebhookDelivery]:
    """One delivery of the event per endpoint (a paused one keeps it until it is resumed)."""
    if not endpoints:
        return []
    link = current_app.config["BASE_URL"].rstrip("/") + path
    body = json.dumps(
        {
            "event": event_name,
            "id": str(uuid.uuid4()),
            "occurred_at": utcnow().isoformat(timespec="seconds") + "Z",
            "object": subject,
            "text": f"{summary} <{link}>",
        },
        ensure_ascii=False,
    )
    deliveries = [WebhookDelivery(endpoint=e, event=event_name, body=body) for e in endpoints]
    db.session.add_all(deliveries)
    db.session.flush()
    if any(not endpoint.paused for endpoint in endpoints):
        wake_worker(db.session)
    return deliveries


# The objects are the API's own (wiki/api), imported when an event is made: the API's modules
# import the services that make events.


def page_shape(page) -> dict:
    from wiki.api.pages import page_summary

    return page_summary(page).model_dump(mode="json") | {"url": f"/p/{page.path}"}


def question_shape(question) -> dict:
    """A private question: only that there is one, and in which process."""
    from wiki.api.processes import process_out
    from wiki.api.questions import question_summary as summary

    if question.private:
        place = process_out(question.process).model_dump(mode="json")
        return {"id": question.id, "private": True, "process": place}
    return summary(question).model_dump(mode="json") | {"url": f"/questions/{question.id}"}


def question_summary(question, what: str) -> str:
    if question.private:
        return f"A private question was {what} in {question.process.name}"
    return f"Question {what} in {question.process.name}: {question.title}"


def gap_shape(gap) -> dict:
    from wiki.api.gaps import gap_out

    return gap_out(gap).model_dump(mode="json") | {"url": f"/gaps/{gap.id}"}


def announce_page(event_name: str, page, actor) -> None:
    who = actor.name if actor is not None else "An import"
    verb = {"page.created": "wrote", "page.updated": "edited"}.get(event_name, "")
    summary = f"{who} {verb} “{page.title}” in {page.process.name}"
    if event_name == "page.review_due":
        summary = f"“{page.title}” in {page.process.name} is due for review"
    emit(event_name, page_shape(page), summary, f"/p/{page.path}")


def announce_question(event_name: str, question) -> None:
    what = {"question.asked": "asked", "question.answered": "answered"}.get(
        event_name, "left unanswered too long"
    )
    path = f"/questions/{question.id}" if not question.private else "/questions/"
    emit(event_name, question_shape(question), question_summary(question, what), path)


def announce_gap(event_name: str, gap, before: str = "") -> None:
    shape = gap_shape(gap) | ({"previous_status": before} if before else {})
    if event_name == "gap.logged":
        summary = f"Gap logged in {gap.process.name}: {gap.title}"
    else:
        summary = f"Gap {before} → {gap.status}: {gap.title}"
    emit(event_name, shape, summary, f"/gaps/{gap.id}")


def announce_meeting(forum, meeting) -> None:
    shape = {
        "type": "forum_meeting",
        "id": meeting.id,
        "forum": {"id": forum.id, "process": forum.process.path, "name": forum.process.name},
        "held_on": meeting.held_on.isoformat(),
        "attendees": len(meeting.attendees),
    }
    summary = f"{forum.process.name} forum met on {meeting.held_on.isoformat()}"
    emit("forum.meeting_recorded", shape, summary, f"/forums/{forum.id}")


def announce_assignment(assignment) -> None:
    shape = {
        "type": "buddy_assignment",
        "id": assignment.id,
        "newcomer": {"id": assignment.newcomer.id, "name": assignment.newcomer.name},
        "buddy": {"id": assignment.buddy.id, "name": assignment.buddy.name},
        "starts_on": assignment.starts_on.isoformat(),
        "ends_on": assignment.ends_on.isoformat(),
    }
    summary = f"{assignment.buddy.name} is {assignment.newcomer.name}'s integration buddy"
    emit("buddy.assigned", shape, summary, "/buddies/")
