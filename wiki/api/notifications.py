"""API: your notifications, marking them read, and a buddy's newcomers with their plan status."""

from __future__ import annotations

from datetime import date

from flask_login import current_user
from pydantic import BaseModel, Field

from wiki.api.blueprint import bp, spec
from wiki.api.pages import PersonRef
from wiki.api.schemas import (
    ListQuery,
    Moment,
    cursor_offset,
    list_of,
    listed,
    one_page,
    responses,
    window,
)
from wiki.buddies import dashboard
from wiki.notifications import services
from wiki.notifications.models import Notification
from wiki.timeutil import utcnow

NOTIFICATION = "<int(max=2147483647):notification_id>"


class NotificationOut(BaseModel):
    id: int
    kind: str
    title: str
    body: str
    url: str
    created_at: Moment
    read_at: Moment | None


class NotificationQuery(ListQuery):
    unread: bool = Field(False, description="Only those not read yet.")


class MarkedRead(BaseModel):
    marked: int


class PlanStatus(BaseModel):
    status: str = Field(description="done, on track or behind")
    total: int
    done: int
    due_by_now: int
    done_of_due: int
    overdue: list[str] = Field(description="Titles of the items past their date.")
    next_items: list[str]


class NewcomerOut(BaseModel):
    newcomer: PersonRef
    start_date: date | None
    days_since_start: int | None
    plan: PlanStatus
    open_questions: int = Field(description="Their questions waiting for an answer.")


def notification_out(notification: Notification) -> NotificationOut:
    return NotificationOut(
        id=notification.id, kind=notification.kind, title=notification.title,
        body=notification.body, url=notification.url, created_at=notification.created_at,
        read_at=notification.read_at,
    )  # fmt: skip


@bp.get("/notifications")
@spec.validate(resp=responses(HTTP_200=list_of(NotificationOut)), tags=["notifications"])
def notifications(query: NotificationQuery):
    """Your notifications, newest first."""
    start = cursor_offset(query, "notifications")
    rows = services.notifications_of(
        current_user, unread_only=query.unread, limit=query.limit + 1, offset=start
    )
    found = window(rows, query, "notifications", start)
    return listed(found, notification_out)


@bp.post(f"/notifications/{NOTIFICATION}/read")
@spec.validate(resp=responses(writes=True, HTTP_200=NotificationOut), tags=["notifications"])
def mark_read(notification_id: int):
    """Mark one of your notifications read."""
    return notification_out(services.mark_read(current_user, notification_id))


@bp.post("/notifications/read")
@spec.validate(resp=responses(writes=True, HTTP_200=MarkedRead), tags=["notifications"])
def mark_all_read():
    """Mark all your notifications read."""
    return MarkedRead(marked=services.mark_all_read(current_user))


@bp.get("/buddies/newcomers")
@spec.validate(resp=responses(HTTP_200=list_of(NewcomerOut)), tags=["buddies"])
def newcomers(query: ListQuery):
    """The newcomers you are buddy to now, with where their plan stands."""
    found = one_page(dashboard.newcomers_of(current_user, utcnow()), query, "newcomers")
    return listed(found, _newcomer_out)


def _newcomer_out(summary: dashboard.NewcomerSummary) -> NewcomerOut:
    progress = summary.progress
    return NewcomerOut(
        newcomer=PersonRef(id=summary.newcomer.id, name=summary.newcomer.name),
        start_date=summary.newcomer.start_date,
        days_since_start=summary.days_since_start,
        plan=PlanStatus(
            status=progress.status,
            total=progress.total,
            done=progress.done,
            due_by_now=progress.due_by_now,
            done_of_due=progress.done_of_due,
            overdue=[item.title for item in progress.overdue],
            next_items=[item.title for item in progress.next_items],
        ),  # fmt: skip
        open_questions=len(summary.open_questions),
    )
