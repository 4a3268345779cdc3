"""The life of a change request: opened from a held-back edit (or updated by its author),
approved through the page's own save path, sent back with a comment, or rejected."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import joinedload

from wiki import events
from wiki.approvals import rules
from wiki.approvals.models import (
    APPROVED,
    CHANGES_ASKED,
    CONTROLLED,
    MAX_COMMENT,
    OPEN,
    REJECTED,
    ChangeRequest,
)
from wiki.attachments import pending
from wiki.auth.models import User
from wiki.errors import DomainError, NotAllowed, NotFound, ValidationError
from wiki.extensions import db
from wiki.notifications.services import notify
from wiki.processes import pages
from wiki.processes.merge import merge_texts
from wiki.processes.models import Page, Process, Revision
from wiki.textutil import clean_text, safe_cell
from wiki.timeutil import utcnow

WAITING = (OPEN, CHANGES_ASKED)


class RequestConflict(DomainError):
    """The page changed since the request was written, on the same lines: approving it would
    undo someone's change, so it is not applied."""

    status_code = 409


def get_request(request_id: int) -> ChangeRequest:
    found = db.session.get(ChangeRequest, request_id)
    if found is None:
        raise NotFound(f"There is no change request {request_id}.")
    return found


def open_request(
    actor: User, page: Page, draft: pages.PageDraft, base_revision: int, kind: str
) -> ChangeRequest:
    """Keep a held-back edit as a request; the author's waiting request on the page is
    brought up to date instead of a second one being opened."""
    draft = pages.checked_draft(draft, page)
    request = _waiting_of(actor, page)
    is_new = request is None
    if request is None:
        request = ChangeRequest(page=page, author=actor, kind=kind)
        db.session.add(request)
    request.title, request.body = draft.title, draft.body
    request.summary, request.base_revision = draft.summary, base_revision
    request.state, request.updated_at = OPEN, utcnow()
    db.session.flush()
    events.change_request_opened.send(request, actor=actor, updated=not is_new)
    what = "updated a change" if not is_new else "asks to change"
    notify(
        rules.approvers(request),
        "change_request",
        f"{actor.name} {what} “{page.title}”: approve it?",
        request.summary,
        f"/change-requests/{request.id}",
    )
    db.session.commit()
    return request


def open_new_page_request(
    actor: User,
    process: Process,
    draft: pages.PageDraft,
    kind: str,
    resumed: int | None = None,
    question_id: int | None = None,
) -> ChangeRequest:
    """Keep a held-back new page as a request: nothing is visible until it is approved. The
    author's own waiting new-page request named by resumed is brought up to date instead.
    A page made from a question keeps the question, to credit it once approved."""
    draft = pages.checked_new_draft(draft, process)
    request = own_new_page_request(actor, process, resumed) if resumed else None
    is_new = request is None
    if request is None:
        request = ChangeRequest(new_in=process, author=actor, kind=kind, base_revision=0)
        db.session.add(request)
    request.title, request.body, request.summary = draft.title, draft.body, draft.summary
    request.state, request.updated_at = OPEN, utcnow()
    request.question_id = question_id or request.question_id
    db.session.flush()
    events.change_request_opened.send(request, actor=actor, updated=not is_new)
    notify(
        rules.approvers(request),
        "change_request",
        f"{actor.name} asks to add “{request.title}” to {process.name}: approve it?",
        request.summary,
        f"/change-requests/{request.id}",
    )
    db.session.commit()
    return request


def waiting_notice(request: ChangeRequest) -> str:
    """What the author of a new-page request is told after saving it."""
    names = [person.name for person in rules.approvers(request)]
    who = ", ".join(names) if names else "an approver of the process"
    return (
        f"Your new page waits for approval by {who}: nobody sees it until then. "
        "You find it under “Change requests”."
    )


def own_new_page_request(person: User, process: Process, request_id: int) -> ChangeRequest | None:
    """The person's waiting request for a new page in the process, to write again."""
    request = db.session.get(ChangeRequest, request_id)
    if (
        request is None
        or request.page_id is not None
        or request.process_id != process.id
        or request.author_id != person.id
        or not request.waiting
    ):
        return None
    return request


def resumed_request(person: User, page: Page) -> pages.PageDraft | None:
    """The text of the person's waiting request on the page, to edit on from the page's
    current revision: written on an older one, it carries the changes made since (merged);
    None when there is no such request, or when those changes touch the same lines (the
    editor then starts from the page, and the request page keeps the text)."""
    request = _waiting_of(person, page)
    if request is None:
        return None
    if request.base_revision == page.latest_revision:
        return pages.PageDraft(request.title, request.body, request.summary)
    return _on_latest(request, pages.latest_revision(page))


def _on_latest(request: ChangeRequest, latest: Revision) -> pages.PageDraft | None:
    """The request's change applied to the page's latest revision (both kept, as an editor's
    conflict screen merges them); None when they touch the same lines."""
    base = pages.get_revision(request.page, request.base_revision)
    body = merge_texts(base.body, latest.body, request.body)
    if body is None:
        return None
    # Their new title stays unless the request changed it too.
    title = latest.title if request.title == base.title else request.title
    return pages.PageDraft(title, body, request.summary)


def _waiting_of(person: User, page: Page) -> ChangeRequest | None:
    return db.session.scalar(
        select(ChangeRequest).where(
            ChangeRequest.page_id == page.id,
            ChangeRequest.author_id == person.id,
            ChangeRequest.state.in_(WAITING),
        )
    )


def approve(actor: User, request: ChangeRequest) -> ChangeRequest:
    """The request's text becomes the page's current revision, saved by its author and
    approved by the actor. A page saved meanwhile is merged with it when the changes touch
    different lines; when they overlap, RequestConflict and nothing changes."""
    _require_decider(actor, request)
    page = request.page
    draft = pages.PageDraft(request.title, request.body, request.summary)
    if page is None:
        return _approve_new_page(actor, request, draft)
    base_number = request.base_revision
    for _attempt in range(3):  # a save landing between two tries sends the merge round again
        try:
            changed = _apply(actor, request, draft, base_number)
            break
        except pages.PageConflict as conflict:
            merged = _on_latest(request, conflict.latest)
            if merged is None:
                raise RequestConflict(
                    f"“{page.title}” changed since this request was written "
                    f"(revision {conflict.latest.number}), on the same lines: ask its author "
                    "for changes, so that they write it again on the current text."
                ) from conflict
            draft, base_number = merged, conflict.latest.number
    else:
        raise RequestConflict(f"“{page.title}” keeps changing: try again in a moment.")
    request.revision_number = page.latest_revision if changed else None
    events.change_request_approved.send(request, actor=actor)
    _tell_author(request, f"{actor.name} approved your change of “{page.title}”")
    db.session.commit()
    return request


def _approve_new_page(actor: User, request: ChangeRequest, draft: pages.PageDraft) -> ChangeRequest:
    """Create the page by the normal path, written and owned by the author, approved by the
    actor. A page of the same title made meanwhile refuses it and the request stays open."""
    process = request.process
    _claim(actor, request)
    try:
        page = pages.create_page(request.author, process, draft, approved_by=actor)
    except ValidationError as refused:
        db.session.rollback()  # the claim goes with the refused page
        raise RequestConflict(
            f"“{request.title}” cannot be created in {process.name}: "
            f"{next(iter(refused.errors.values()))} Ask its author for changes (another "
            "title, or an edit of the existing page instead)."
        ) from refused
    except DomainError:
        db.session.rollback()
        raise
    request.page, request.revision_number = page, page.latest_revision
    events.change_request_approved.send(request, actor=actor)
    _tell_author(request, f"{actor.name} approved your new page “{page.title}”")
    db.session.commit()
    # The files the author pasted into it while writing, kept for them until now.
    pending.adopt_pending(request.author, process, page, draft.body)
    return request


def _claim(actor: User, request: ChangeRequest) -> None:
    """Mark the request approved unless someone decided it meanwhile: of two approvers at
    once only one claims it. The save that follows commits the claim with it."""
    claimed = db.session.execute(
        update(ChangeRequest)
        .where(ChangeRequest.id == request.id, ChangeRequest.state == OPEN)
        .values(state=APPROVED, decided_by_id=actor.id, decided_at=utcnow(), comment="")
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        db.session.rollback()
        raise RequestConflict("This request was decided meanwhile.")


def _apply(actor: User, request: ChangeRequest, draft: pages.PageDraft, base: int) -> bool:
    """Claim the request and save the page in one transaction (save_page commits both)."""
    _claim(actor, request)
    try:
        changed = pages.save_page(request.author, request.page, draft, base, approved_by=actor)
    except DomainError:
        db.session.rollback()  # the claim goes with the refused save
        raise
    db.session.refresh(request)
    return changed


def ask_for_changes(actor: User, request: ChangeRequest, comment: str) -> ChangeRequest:
    """Send the request back to its author, who brings it up to date by editing again."""
    if not clean_text(comment).strip():
        raise ValidationError({"comment": "Say what should change."})
    return _close(actor, request, CHANGES_ASKED, comment)


def reject(actor: User, request: ChangeRequest, comment: str = "") -> ChangeRequest:
    """The request is closed; its text never becomes the page's."""
    return _close(actor, request, REJECTED, comment)


_CLOSED = {
    CHANGES_ASKED: (events.change_request_changes_asked, "asks for changes to"),
    REJECTED: (events.change_request_rejected, "rejected"),
}


def _close(actor: User, request: ChangeRequest, state: str, comment: str) -> ChangeRequest:
    comment = clean_text(comment).strip()
    if len(comment) > MAX_COMMENT:
        raise ValidationError({"comment": f"Keep the comment under {MAX_COMMENT:,} characters."})
    _require_decider(actor, request)
    request.state, request.comment = state, comment
    request.decided_by, request.decided_at = actor, utcnow()
    request.updated_at = request.decided_at
    signal, did = _CLOSED[state]
    signal.send(request, actor=actor)
    what = "new page" if request.page is None else "change of"
    _tell_author(request, f"{actor.name} {did} your {what} “{request.subject}”")
    db.session.commit()
    return request


def _require_decider(actor: User, request: ChangeRequest) -> None:
    if request.state != OPEN:
        raise DomainError("This request is not waiting for a decision.")
    if actor.id == request.author_id:
        raise NotAllowed("Someone else must approve your own change: that is the point of it.")
    if not rules.may_decide(actor, request):
        raise NotAllowed("You are not an approver of this page.")


def _tell_author(request: ChangeRequest, title: str) -> None:
    if request.author is not None:
        notify(
            [request.author],
            "change_request_decided",
            title,
            request.comment,
            f"/change-requests/{request.id}",
        )


def waiting_on(page: Page) -> list[ChangeRequest]:
    """The page's requests waiting for a decision or for their author, oldest first."""
    return list(
        db.session.scalars(
            select(ChangeRequest)
            .where(ChangeRequest.page_id == page.id, ChangeRequest.state.in_(WAITING))
            .options(joinedload(ChangeRequest.author))
            .order_by(ChangeRequest.opened_at, ChangeRequest.id)
        )
    )


def requests_of_page(page: Page) -> list[ChangeRequest]:
    """Every request on the page, newest first: the steps its history shows."""
    return list(
        db.session.scalars(
            select(ChangeRequest)
            .where(ChangeRequest.page_id == page.id)
            .options(joinedload(ChangeRequest.author), joinedload(ChangeRequest.decided_by))
            .order_by(ChangeRequest.opened_at.desc(), ChangeRequest.id.desc())
        )
    )


def inbox(person: User) -> tuple[list[ChangeRequest], list[ChangeRequest]]:
    """Open requests the person may decide, and their own waiting requests."""
    waiting = db.session.scalars(
        select(ChangeRequest)
        .where(ChangeRequest.state.in_(WAITING))
        .options(
            joinedload(ChangeRequest.author),
            joinedload(ChangeRequest.page),
            joinedload(ChangeRequest.new_in),
        )
        .order_by(ChangeRequest.opened_at, ChangeRequest.id)
    )
    to_decide, own = [], []
    for request in waiting:
        if request.author_id == person.id:
            own.append(request)
        elif request.state == OPEN and rules.may_decide(person, request):
            to_decide.append(request)
    return to_decide, own


@dataclass(frozen=True)
class AuditRow:
    page: str
    request: int
    revision: int | None
    author: str
    approver: str
    opened_at: datetime
    decided_at: datetime | None
    outcome: str


def audit_rows(actor: User, since: date, until: date) -> list[AuditRow]:
    """Each change request on a controlled page, or for a new page in a controlled process,
    opened or decided in the period (both days included), for an auditor: who wrote it, who
    decided, when, and how."""
    if not actor.has_role("admin", "manager"):
        raise NotAllowed("Only managers and admins can export the approvals.")
    if until < since:
        raise ValidationError({"to": "The period ends before it starts."})
    start = datetime.combine(since, time())
    end = datetime.combine(until + timedelta(days=1), time())
    found = db.session.scalars(
        select(ChangeRequest)
        .where(
            ChangeRequest.kind == CONTROLLED,
            or_(
                ChangeRequest.opened_at.between(start, end),
                ChangeRequest.decided_at.between(start, end),
            ),
        )
        .options(
            joinedload(ChangeRequest.author),
            joinedload(ChangeRequest.decided_by),
            joinedload(ChangeRequest.page),
            joinedload(ChangeRequest.new_in),
        )
        .order_by(ChangeRequest.opened_at, ChangeRequest.id)
    )
    rows = [
        AuditRow(
            page=request.subject_path,
            request=request.id,
            revision=request.revision_number,
            author=request.author.email if request.author else "",
            approver=request.decided_by.email if request.decided_by else "",
            opened_at=request.opened_at,
            decided_at=request.decided_at,
            outcome=request.state,
        )
        for request in found
    ]
    # By page (a new page by where it would be), each page's requests in order.
    return sorted(rows, key=lambda row: row.page)


AUDIT_COLUMNS = ("page", "request", "revision", "author", "approver", "opened_at",
                 "decided_at", "outcome")  # fmt: skip


def audit_csv(actor: User, since: date, until: date) -> str:
    """audit_rows as CSV that no spreadsheet runs as formulas; times in UTC."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(AUDIT_COLUMNS)
    for row in audit_rows(actor, since, until):
        writer.writerow([
            safe_cell(row.page), row.request, row.revision or "", row.author, row.approver,
            _moment(row.opened_at), _moment(row.decided_at), row.outcome,
        ])  # fmt: skip
    return out.getvalue()


def _moment(moment: datetime | None) -> str:
    return moment.isoformat(timespec="seconds") + "Z" if moment else ""
