"""Webhook endpoints an admin registered, and each delivery of an event to one of them."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wiki.auth.models import User
from wiki.extensions import db
from wiki.timeutil import utcnow

EVENTS = {
    "page.created": "A page is written",
    "page.updated": "A page is edited",
    "page.review_due": "A page is due for review",
    "page.verification_expired": "A page's verification expired",
    "comment.created": "A comment is written on a page",
    "comment.resolved": "A discussion on a page is resolved",
    "change_request.opened": "A change of a page waits for approval",
    "change_request.approved": "A change request is approved (the page changed)",
    "change_request.rejected": "A change request is rejected",
    "question.asked": "A question is asked",
    "question.answered": "A question is answered",
    "question.escalated": "A question went unanswered too long",
    "gap.logged": "A gap is logged",
    "gap.status_changed": "A gap moves on",
    "forum.meeting_recorded": "A forum meeting is recorded",
    "buddy.assigned": "A buddy is assigned",
}
TEST_EVENT = "webhook.test"
# A delivery: waiting to be sent (again), being sent, delivered, or given up after its last try.
PENDING, SENDING, DELIVERED, GIVEN_UP = "pending", "sending", "delivered", "given_up"
MAX_ATTEMPTS = 8
# An endpoint is paused after MAX_ATTEMPTS failures in a row only if they span this long.
PAUSE_AFTER = timedelta(minutes=30)


class WebhookEndpoint(db.Model):
    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[str] = mapped_column(String(1000))  # comma-separated names from EVENTS
    # Kept as given: signing needs the secret itself (it is never shown again).
    secret: Mapped[str] = mapped_column(String(200))
    paused: Mapped[bool] = mapped_column(default=False)
    # Counted in the database (failures_in_a_row + 1), so that senders at once lose no count;
    # an endpoint is paused after MAX_ATTEMPTS failures in a row spread over PAUSE_AFTER at
    # least, not after a burst of failures from one short outage.
    failures_in_a_row: Mapped[int] = mapped_column(default=0)
    failing_since: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    created_by: Mapped[User | None] = relationship()

    @property
    def event_names(self) -> list[str]:
        return [name for name in self.events.split(",") if name]


class WebhookDelivery(db.Model):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_state_next", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), index=True
    )
    event: Mapped[str] = mapped_column(String(60))
    body: Mapped[str] = mapped_column(Text)  # the JSON sent, the same bytes on every try
    state: Mapped[str] = mapped_column(String(20), default=PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The sender that has it while it is "sending", and since when (the database's clock).
    claimed_by: Mapped[str | None] = mapped_column(String(32))
    claimed_at: Mapped[datetime | None]
    last_status: Mapped[int | None]
    last_error: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]

    endpoint: Mapped[WebhookEndpoint] = relationship()
