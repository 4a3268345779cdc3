"""Making notifications: one call for every domain; mail follows after the commit."""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from wiki.auth.models import User
from wiki.extensions import db
from wiki.notifications.kinds import DEFAULT_DELIVERY, KINDS
from wiki.notifications.models import (
    MAIL_NONE,
    MAIL_PENDING,
    Notification,
    NotificationPreference,
)
from wiki.textutil import clean_line, clean_text

# Kept in the session until commit: the ids whose immediate mail is to be sent then.
MAIL_AFTER_COMMIT = "wiki_mail_after_commit"


def notify(
    recipients: Iterable[User],
    kind: str,
    title: str,
    body: str,
    url: str,
    *,
    dedupe_key: str | None = None,
) -> list[Notification]:
    """Add a notification for each distinct active recipient to the session, uncommitted.

    The caller commits it with the change it speaks of, so a notification exists exactly when
    its subject does. With `dedupe_key`, a recipient who already has a notification for that
    key gets no second one: periodic work may run more than once.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    people = {person.id: person for person in recipients if person is not None and person.active}
    if not people:
        return []
    deliveries = dict(
        db.session.execute(
            select(NotificationPreference.user_id, NotificationPreference.delivery).where(
                NotificationPreference.kind == kind,
                NotificationPreference.user_id.in_(list(people)),
            )
        ).all()
    )
    mail_enabled = bool(current_app.config["MAIL_ENABLED"])
    made: list[Notification] = []
    for person_id in people:
        delivery = deliveries.get(person_id, DEFAULT_DELIVERY)
        notification = Notification(
            user_id=person_id,
            kind=kind,
            title=clean_line(title)[:300],
            body=clean_text(body),
            url=url,
            delivery=delivery,
            mail_state=MAIL_PENDING if mail_enabled and delivery != "off" else MAIL_NONE,
            dedupe_key=f"{dedupe_key}:u{person_id}" if dedupe_key else None,
        )
        if dedupe_key and not _add_once(notification):
            continue
        if not dedupe_key:
            db.session.add(notification)
        made.append(notification)
    db.session.flush()
    if mail_enabled:
        pending = db.session.info.setdefault(MAIL_AFTER_COMMIT, set())
        pending.update(
            n.id for n in made if n.mail_state == MAIL_PENDING and n.delivery == "immediate"
        )
    return made


def _add_once(notification: Notification) -> bool:
    """Insert unless the key exists; a concurrent insert of the same key loses quietly."""
    exists = db.session.scalar(
        select(Notification.id).where(Notification.dedupe_key == notification.dedupe_key)
    )
    if exists is not None:
        return False
    try:
        with db.session.begin_nested():
            db.session.add(notification)
    except IntegrityError:
        return False
    return True
