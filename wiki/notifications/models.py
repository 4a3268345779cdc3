"""Notifications, each person's delivery choice per kind, and the digests already sent."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wiki.auth.models import User
from wiki.extensions import db
from wiki.timeutil import utcnow

# How mail reaches a person for one kind of notification. In the app they always appear.
DELIVERIES = ("immediate", "digest", "off")

# The states of a notification's mail.
MAIL_NONE = "none"  # no mail: mail is not configured, or the person chose "off"
MAIL_PENDING = "pending"  # to be sent (immediate) or put in the next digest
MAIL_SENDING = "sending"  # claimed by one sender, so that no other sends it too
MAIL_SENT = "sent"
MAIL_FAILED = "failed"  # the last try failed; the periodic command tries again


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_id_read_at", "user_id", "read_at"),
        Index("ix_notifications_mail_state", "mail_state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    # Plain text, escaped when shown and sent as the text of the mail.
    body: Mapped[str] = mapped_column(Text, default="")
    # An app-relative URL ("/questions/12"); mail turns it into an absolute link.
    url: Mapped[str] = mapped_column(String(1200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    # The delivery chosen for this kind when the notification was made.
    delivery: Mapped[str] = mapped_column(String(20), default="immediate")
    mail_state: Mapped[str] = mapped_column(String(20), default=MAIL_NONE)
    mail_attempts: Mapped[int] = mapped_column(default=0)
    mail_error: Mapped[str] = mapped_column(String(500), default="")
    # The sender that has it while it is "sending", and since when (the database's clock).
    mail_claimed_by: Mapped[str | None] = mapped_column(String(32))
    mail_claimed_at: Mapped[datetime | None]
    # A failed immediate mail is tried again from then on (empty: at once).
    mail_next_attempt_at: Mapped[datetime | None]
    mailed_at: Mapped[datetime | None]
    # Periodic work names what it notifies about ("reminder:question:12:1"), so that running
    # it twice makes one notification.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)

    user: Mapped[User] = relationship()


class NotificationPreference(db.Model):
    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    delivery: Mapped[str] = mapped_column(String(20))


class NotificationDigest(db.Model):
    """One daily digest mail; the unique day makes a second run of the same day send nothing."""

    __tablename__ = "notification_digests"
    __table_args__ = (UniqueConstraint("user_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    day: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    item_count: Mapped[int] = mapped_column(default=0)
