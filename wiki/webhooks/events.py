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

from wiki import events as wiki_events
from wiki.api.change_requests import change_request_out
from wiki.api.comments import comment_out
from wiki.api.gaps import gap_out
from wiki.api.pages import page_summary
from wiki.api.processes import process_out
from wiki.api.questions import question_summary as question_out
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


# The objects are the API's own (wiki/api), built here from the domains' events: the domains
# never import the API or this module.


def connect() -> None:
    wiki_events.page_created.connect(_page_created, weak=False)
    wiki_events.page_edited.connect(_page_edited, weak=False)
    wiki_events.page_review_due.connect(_page_review_due, weak=False)
    wiki_events.page_verification_expired.connect(_page_verification_expired, weak=False)
    wiki_events.comment_added.connect(_comment_added, weak=False)
    wiki_events.comment_resolved.connect(_comment_resolved, weak=False)
    wiki_events.change_request_opened.connect(_request_opened, weak=False)
    wiki_events.change_request_approved.connect(_request_approved, weak=False)
    wiki_events.change_request_rejected.connect(_request_rejected, weak=False)
    wiki_events.question_asked.connect(_question_asked, weak=False)
    wiki_events.question_answered.connect(_question_answered, weak=False)
    wiki_events.question_escalated.connect(_question_escalated, weak=False)
    wiki_events.gap_logged.connect(_gap_logged, weak=False)
    wiki_events.gap_changed.connect(_gap_changed, weak=False)
    wiki_events.buddy_assigned.connect(_buddy_assigned, weak=False)
    wiki_events.forum_meeting_recorded.connect(_meeting_recorded, weak=False)


def page_shape(page) -> dict:
    return page_summary(page).model_dump(mode="json") | {"url": f"/p/{page.path}"}


def question_shape(question) -> dict:
    """A private question: only that there is one, and in which process."""
    if question.private:
        place = process_out(question.process).model_dump(mode="json")
        return {"id": question.id, "private": True, "process": place}
    return question_out(question).model_dump(mode="json") | {"url": f"/questions/{question.id}"}


def question_summary(question, what: str) -> str:
    if question.private:
        return f"A private question was {what} in {question.process.name}"
    return f"Question {what} in {question.process.name}: {question.title}"


def gap_shape(gap) -> dict:
    return gap_out(gap).model_dump(mode="json") | {"url": f"/gaps/{gap.id}"}


def _page_created(page, actor) -> None:
    _announce_page("page.created", page, f"{_who(actor)} wrote")


def _page_edited(page, actor, minor: bool = False) -> None:
    _announce_page("page.updated", page, f"{_who(actor)} edited")


def _page_review_due(page) -> None:
    summary = f"“{page.title}” in {page.process.name} is due for review"
    emit("page.review_due", page_shape(page), summary, f"/p/{page.path}")


def _page_verification_expired(page) -> None:
    summary = f"“{page.title}” in {page.process.name} is no longer verified"
    emit("page.verification_expired", page_shape(page), summary, f"/p/{page.path}")


def _who(actor) -> str:
    return actor.name if actor is not None else "An import"


def _announce_page(event_name: str, page, did: str) -> None:
    summary = f"{did} “{page.title}” in {page.process.name}"
    emit(event_name, page_shape(page), summary, f"/p/{page.path}")


def comment_shape(comment) -> dict:
    """The comment as the API shows it, with the page it is on."""
    return comment_out(comment).model_dump(mode="json") | {
        "page": page_shape(comment.page),
        "url": f"/p/{comment.page.path}#comment-{comment.id}",
    }


def _comment_added(comment, actor) -> None:
    page = comment.page
    summary = f"{_who(actor)} commented on “{page.title}” in {page.process.name}"
    emit("comment.created", comment_shape(comment), summary, f"/p/{page.path}#comment-{comment.id}")


def _comment_resolved(comment, actor) -> None:
    page = comment.page
    summary = f"{_who(actor)} resolved a discussion on “{page.title}” in {page.process.name}"
    emit(
        "comment.resolved", comment_shape(comment), summary, f"/p/{page.path}#comment-{comment.id}"
    )


def _request_opened(request, actor, updated: bool = False) -> None:
    _announce_request("change_request.opened", request, f"{_who(actor)} asks to change")


def _request_approved(request, actor) -> None:
    _announce_request("change_request.approved", request, f"{_who(actor)} approved a change of")


def _request_rejected(request, actor) -> None:
    _announce_request("change_request.rejected", request, f"{_who(actor)} rejected a change of")


def _announce_request(event_name: str, request, did: str) -> None:
    page = request.page  # None: a new page not created yet
    shape = change_request_out(request).model_dump(mode="json") | {
        "page": page_shape(page) if page is not None else None,
        "url": f"/change-requests/{request.id}",
    }
    what = " (a new page)" if request.is_new_page else ""
    summary = f"{did} “{request.subject}”{what} in {request.process.name}"
    emit(event_name, shape, summary, f"/change-requests/{request.id}")


def _question_asked(question) -> None:
    _announce_question("question.asked", question, "asked")


def _question_answered(question) -> None:
    _announce_question("question.answered", question, "answered")


def _question_escalated(question) -> None:
    _announce_question("question.escalated", question, "left unanswered too long")


def _announce_question(event_name: str, question, what: str) -> None:
    path = f"/questions/{question.id}" if not question.private else "/questions/"
    emit(event_name, question_shape(question), question_summary(question, what), path)


def _gap_logged(gap) -> None:
    summary = f"Gap logged in {gap.process.name}: {gap.title}"
    emit("gap.logged", gap_shape(gap), summary, f"/gaps/{gap.id}")


def _gap_changed(gap, before: str) -> None:
    shape = gap_shape(gap) | {"previous_status": before}
    summary = f"Gap {before} → {gap.status}: {gap.title}"
    emit("gap.status_changed", shape, summary, f"/gaps/{gap.id}")


def _meeting_recorded(meeting) -> None:
    forum = meeting.forum
    shape = {
        "type": "forum_meeting",
        "id": meeting.id,
        "forum": {"id": forum.id, "process": forum.process.path, "name": forum.process.name},
        "held_on": meeting.held_on.isoformat(),
        "attendees": len(meeting.attendees),
    }
    summary = f"{forum.process.name} forum met on {meeting.held_on.isoformat()}"
    emit("forum.meeting_recorded", shape, summary, f"/forums/{forum.id}")


def _buddy_assigned(assignment) -> None:
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
