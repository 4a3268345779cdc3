"""Making notifications: one call for every domain; `wiki worker` mails them once committed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from flask import current_app
from sqlalchemy import bindparam, event, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from wiki.auth.models import User
from wiki.errors import NotFound, ValidationError
from wiki.extensions import db
from wiki.notifications.kinds import KINDS, default_delivery, kinds_for
from wiki.notifications.models import (
    DELIVERIES,
    MAIL_NONE,
    MAIL_PENDING,
    Notification,
    NotificationPreference,
)
from wiki.outbox import wake_worker
from wiki.textutil import clean_line, clean_text
from wiki.timeutil import utcnow


def notify(
    recipients: Iterable[User],
    kind: str,
    title: str,
    body: str,
    url: str,
    *,
    dedupe_key: str | None = None,
    session: Session | None = None,
) -> list[Notification]:
    """Add a notification for each distinct active recipient to the session, uncommitted.

    The caller commits it with the change it speaks of, so a notification exists exactly when
    its subject does. With `dedupe_key`, a recipient who already has a notification for that
    key gets no second one: periodic work may run more than once. `session` is for work done in
    a session of its own (the worker's); the app's session by default.
    """
    session = session or db.session
    deliveries = _deliveries(session, kind, recipients)
    if not deliveries:
        return []
    made: list[Notification] = []
    for person_id, (delivery, mail_state) in deliveries.items():
        notification = Notification(
            user_id=person_id,
            kind=kind,
            title=clean_line(title)[:300],
            body=clean_text(body),
            url=url,
            delivery=delivery,
            mail_state=mail_state,
            dedupe_key=f"{dedupe_key}:u{person_id}" if dedupe_key else None,
        )
        if dedupe_key and not _add_once(session, notification):
            continue
        if not dedupe_key:
            session.add(notification)
        made.append(notification)
    session.flush()
    if any(n.mail_state == MAIL_PENDING and n.delivery == "immediate" for n in made):
        wake_worker(session)
    return made


def notify_many(recipients: Iterable[User], kind: str, title: str, body: str, url: str) -> int:
    """notify() for many people at once (a page a thousand newcomers read): the same rows,
    written in one statement instead of as objects; returns how many were made."""
    now, title, body = utcnow(), clean_line(title)[:300], clean_text(body)
    rows = [
        {"user_id": person_id, "kind": kind, "title": title, "body": body, "url": url,
         "delivery": delivery, "mail_state": mail_state, "created_at": now}
        for person_id, (delivery, mail_state) in _deliveries(db.session, kind, recipients).items()
    ]  # fmt: skip
    if not rows:
        return 0
    db.session.execute(insert(Notification), rows)
    if any(row["mail_state"] == MAIL_PENDING and row["delivery"] == "immediate" for row in rows):
        wake_worker(db.session)
    return len(rows)


def _deliveries(
    session: Session, kind: str, recipients: Iterable[User]
) -> dict[int, tuple[str, str]]:
    """Each distinct active recipient's (delivery, mail state) for this kind: their own choice,
    else the kind's default; mail pending only when mail is on and they did not turn it off."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    people = [person.id for person in recipients if person is not None and person.active]
    if not people:
        return {}
    chosen = dict(
        session.execute(
            select(NotificationPreference.user_id, NotificationPreference.delivery).where(
                NotificationPreference.kind == kind, NotificationPreference.user_id.in_(people)
            )
        ).all()
    )
    mail_enabled = bool(current_app.config["MAIL_ENABLED"])
    deliveries = {}
    for person_id in dict.fromkeys(people):
        delivery = chosen.get(person_id) or default_delivery(kind)
        mail_state = MAIL_PENDING if mail_enabled and delivery != "off" else MAIL_NONE
        deliveries[person_id] = (delivery, mail_state)
    return deliveries


def _add_once(session: Session, notification: Notification) -> bool:
    """Insert unless the key exists; a concurrent insert of the same key loses quietly."""
    exists = session.scalar(
        select(Notification.id).where(Notification.dedupe_key == notification.dedupe_key)
    )
    if exists is not None:
        return False
    try:
        with session.begin_nested():
            session.add(notification)
    except IntegrityError:
        return False
    return True


# Built once: every screen shows the count, and building it cost about as much as running it.
_UNREAD_COUNT = select(func.count(Notification.id)).where(
    Notification.user_id == bindparam("person"), Notification.read_at.is_(None)
)


# The same count for the signed-in person, as a column of their own statement
# (auth.services.signed_in_user): every screen's bell shows it, and a statement of its own cost
# about as much as the user's.
UNREAD_OF_USER = (
    select(func.count(Notification.id))
    .where(Notification.user_id == User.id, Notification.read_at.is_(None))
    .scalar_subquery()
)
READ_WITH_USER = "wiki_unread_read_with_user"  # in session.info: (person's id, count)


def remember_unread(person: User, count: int) -> None:
    """The count as the person's own statement read it: good until the session writes."""
    db.session.info[READ_WITH_USER] = (person.id, count)


def unread_count(person: User) -> int:
    known = db.session.info.get(READ_WITH_USER)
    if known is not None and known[0] == person.id:
        return known[1]
    return db.session.scalar(_UNREAD_COUNT, {"person": person.id})


# Whatever the session writes or ends may mark a notification read (or make one): the count
# read with the user no longer holds, and the next one is read afresh.
@event.listens_for(Session, "after_flush")
def _forget_after_flush(session: Session, _context) -> None:
    session.info.pop(READ_WITH_USER, None)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_after_transaction(session: Session) -> None:
    session.info.pop(READ_WITH_USER, None)


@event.listens_for(Session, "do_orm_execute")
def _forget_on_bulk_write(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info.pop(READ_WITH_USER, None)


def notifications_of(
    person: User, *, unread_only: bool = False, limit: int = 50, offset: int = 0
) -> list[Notification]:
    """A person's notifications, newest first."""
    query = select(Notification).where(Notification.user_id == person.id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return list(
        db.session.scalars(
            query.order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
            .offset(offset)
        )
    )


def own_notification(person: User, notification_id: int) -> Notification:
    """The person's notification; someone else's is as absent as one that does not exist."""
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != person.id:
        raise NotFound("There is no such notification.")
    return notification


def mark_read(person: User, notification_id: int) -> Notification:
    notification = own_notification(person, notification_id)
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.commit()
    return notification


def mark_read_about(person: User, url: str) -> int:
    """Mark read the person's unread notifications that link to `url` (or into it, "#...").

    Looks before it writes: most views have nothing to mark, and a write would empty every
    worker's page cache.
    """
    about = or_(Notification.url == url, Notification.url.startswith(url + "#", autoescape=True))
    unread = db.session.scalars(
        select(Notification.id).where(
            Notification.user_id == person.id, Notification.read_at.is_(None), about
        )
    ).all()
    if not unread:
        return 0
    db.session.execute(
        update(Notification).where(Notification.id.in_(unread)).values(read_at=utcnow())
    )
    db.session.commit()
    return len(unread)


def mark_all_read(person: User) -> int:
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == person.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    db.session.commit()
    return result.rowcount


def deliveries_of(person: User) -> dict[str, str]:
    """The person's delivery for every kind, the default where they have not chosen."""
    chosen = dict(
        db.session.execute(
            select(NotificationPreference.kind, NotificationPreference.delivery).where(
                NotificationPreference.user_id == person.id
            )
        ).all()
    )
    return {kind: chosen.get(kind) or default_delivery(kind) for kind in kinds_for(person.roles)}


def save_deliveries(person: User, choices: Mapping[str, str]) -> None:
    """Save a delivery per kind the person can receive; nothing is saved if one choice is not a
    known delivery. Only choices that differ from the default are kept, so that a better default
    later reaches everyone who never chose."""
    kinds = kinds_for(person.roles)
    errors = {
        kind: f"Choose one of: {', '.join(DELIVERIES)}."
        for kind in kinds
        if choices.get(kind, default_delivery(kind)) not in DELIVERIES
    }
    if errors:
        raise ValidationError(errors)
    for kind in kinds:
        delivery = choices.get(kind, default_delivery(kind))
        kept = db.session.get(NotificationPreference, (person.id, kind))
        if delivery == default_delivery(kind):
            if kept is not None:
                db.session.delete(kept)
        elif kept is None:
            db.session.add(NotificationPreference(user_id=person.id, kind=kind, delivery=delivery))
        else:
            kept.delivery = delivery
    db.session.commit()
