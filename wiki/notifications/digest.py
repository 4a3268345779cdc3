"""The daily digest: one mail per person per day with what they chose to receive that way."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from flask import current_app
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from wiki.auth.models import User
from wiki.extensions import db
from wiki.notifications.kinds import KINDS
from wiki.notifications.mail import digest_letter, send_alone
from wiki.notifications.models import (
    MAIL_PENDING,
    MAIL_SENDING,
    MAIL_SENT,
    Notification,
    NotificationDigest,
)


def group_by_kind(items: list[Notification]) -> list[tuple[str, list[Notification]]]:
    """Group under each kind's label, kinds in their listed order, oldest item first."""
    groups: dict[str, list[Notification]] = defaultdict(list)
    for item in sorted(items, key=lambda n: (n.created_at, n.id)):
        groups[item.kind].append(item)
    return [(KINDS[kind], groups[kind]) for kind in KINDS if kind in groups]


def send_digests(now: datetime) -> tuple[int, int]:
    """Send today's digest to everyone with digest notifications waiting; return (sent, failed).

    Nothing is sent before the configured hour. The (person, day) row is claimed first, so a
    second run the same day sends nothing; a digest that fails gives its claim back and its
    notifications stay pending for the next run.
    """
    if now.hour < current_app.config["DIGEST_HOUR"]:
        return 0, 0
    with Session(db.engine) as session:
        waiting = session.scalars(
            select(Notification.user_id)
            .where(
                Notification.delivery == "digest",
                Notification.mail_state == MAIL_PENDING,
                Notification.mail_attempts < current_app.config["MAIL_MAX_ATTEMPTS"],
                Notification.created_at <= now,
            )
            .distinct()
        ).all()
    sent = failed = 0
    for user_id in sorted(waiting):
        outcome = _send_one_digest(user_id, now)
        if outcome is True:
            sent += 1
        elif outcome is False:
            failed += 1
    return sent, failed


def _send_one_digest(user_id: int, now: datetime) -> bool | None:
    """True when sent, False when it failed, None when another run has it or nothing is left."""
    with Session(db.engine) as session:
        digest = NotificationDigest(user_id=user_id, day=now.date())
        session.add(digest)
        try:
            session.commit()
        except IntegrityError:
            return None
        session.execute(
            update(Notification)
            .where(
                Notification.user_id == user_id,
                Notification.delivery == "digest",
                Notification.mail_state == MAIL_PENDING,
                Notification.mail_attempts < current_app.config["MAIL_MAX_ATTEMPTS"],
                Notification.created_at <= now,
            )
            .values(mail_state=MAIL_SENDING, mail_claimed_at=now)
        )
        session.commit()
        items = session.scalars(
            select(Notification).where(
                Notification.user_id == user_id,
                Notification.delivery == "digest",
                Notification.mail_state == MAIL_SENDING,
                Notification.mail_claimed_at == now,
            )
        ).all()
        person = session.get(User, user_id)
        ids = [item.id for item in items]
        if not items or person is None or not person.active:
            _release(session, digest, ids, None)
            return None
        letter = digest_letter(person, group_by_kind(list(items)))
        session.commit()  # no transaction stays open while the server takes its time
        error = send_alone(letter)
        if error:
            current_app.logger.warning("Digest for user %s failed: %s", user_id, error)
            _release(session, digest, ids, error)
            return False
        session.execute(
            update(Notification)
            .where(Notification.id.in_(ids))
            .values(
                mail_state=MAIL_SENT, mailed_at=now, mail_attempts=Notification.mail_attempts + 1
            )
        )
        digest.sent_at = now
        digest.item_count = len(ids)
        session.commit()
        return True


def _release(
    session: Session, digest: NotificationDigest, ids: list[int], error: str | None
) -> None:
    """Give back the day's claim; the notifications wait, pending, for the next run."""
    if ids:
        values = {"mail_state": MAIL_PENDING, "mail_claimed_at": None}
        if error:
            values |= {"mail_error": error[:500], "mail_attempts": Notification.mail_attempts + 1}
        session.execute(update(Notification).where(Notification.id.in_(ids)).values(**values))
    session.execute(delete(NotificationDigest).where(NotificationDigest.id == digest.id))
    session.commit()
