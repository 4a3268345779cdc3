"""Mail for notifications: sent after the commit that made them, retried by `wiki tick`.

A notification's mail is claimed before it is sent (pending or failed → sending, in one guarded
UPDATE), so a request and the periodic command never send the same mail twice. A send that
fails leaves the notification in "failed" with the error; it is never lost, and it is always
in the app.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from flask import current_app, has_app_context
from sqlalchemy import event, or_, select, update
from sqlalchemy.orm import Session

from wiki.auth.models import User
from wiki.extensions import db
from wiki.notifications.models import (
    MAIL_FAILED,
    MAIL_PENDING,
    MAIL_SENDING,
    MAIL_SENT,
    Notification,
)
from wiki.timeutil import utcnow

# A claim older than this belongs to a sender that died mid-send; the periodic command retries.
STALLED_AFTER = timedelta(minutes=15)

# Kept in a session until it commits: the ids of the notifications to mail right after.
MAIL_AFTER_COMMIT = "wiki_mail_after_commit"


@dataclass(frozen=True)
class Letter:
    """One mail to one person."""

    to_name: str
    to_address: str
    subject: str
    text: str


@event.listens_for(Session, "after_commit")
def _send_after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint was released; the enclosing transaction still holds its locks
    ids = session.info.pop(MAIL_AFTER_COMMIT, None)
    if ids and has_app_context():
        try:
            send_immediate(sorted(ids))
        except Exception:  # a broken mail setup must not break the change just committed
            current_app.logger.exception("Mail after commit failed; `wiki tick` retries it")


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session: Session, previous_transaction) -> None:
    # Rolling back to a savepoint keeps what the enclosing transaction made before it.
    if previous_transaction.parent is None:
        session.info.pop(MAIL_AFTER_COMMIT, None)


def absolute_url(path: str) -> str:
    return current_app.config["BASE_URL"].rstrip("/") + path


def letter_for(notification: Notification, person: User) -> Letter:
    lines = [notification.title, ""]
    if notification.body:
        lines += [notification.body, ""]
    if notification.url:
        lines += [f"Open it: {absolute_url(notification.url)}", ""]
    lines += _footer()
    return Letter(person.name, person.email, notification.title, "\n".join(lines))


def _footer() -> list[str]:
    return [
        "--",
        "Onramp Wiki. Choose which notifications you get by mail: "
        + absolute_url("/notifications/preferences"),
    ]


def digest_letter(person: User, groups: list[tuple[str, list[Notification]]]) -> Letter:
    """One mail with the day's notifications, grouped under the label of their kind."""
    count = sum(len(items) for _label, items in groups)
    lines = [f"{count} notification{'s' if count != 1 else ''} since your last digest.", ""]
    for label, items in groups:
        lines += [label, "-" * len(label)]
        for item in items:
            lines.append(f"* {item.title}")
            if item.url:
                lines.append(f"  {absolute_url(item.url)}")
        lines.append("")
    lines += _footer()
    subject = f"Onramp Wiki: your daily digest ({count})"
    return Letter(person.name, person.email, subject, "\n".join(lines))


def send_immediate(ids: Iterable[int], now: datetime | None = None) -> tuple[int, int]:
    """Send the immediate mail of these notifications; return (sent, failed)."""
    now = now or utcnow()
    sent = failed = 0
    with Session(db.engine) as session:
        claimed = [nid for nid in ids if _claim(session, nid, now)]
        if not claimed:
            return 0, 0
        rows = session.execute(
            select(Notification, User)
            .join(User, User.id == Notification.user_id)
            .where(Notification.id.in_(claimed))
        ).all()
        letters = [(note.id, letter_for(note, person)) for note, person in rows]
        finished: set[int] = set()
        try:
            with smtp_connection() as smtp:
                for notification_id, letter in letters:
                    error = send_letter(smtp, letter)
                    _finish(session, [notification_id], error, now)
                    finished.add(notification_id)
                    sent, failed = (sent, failed + 1) if error else (sent + 1, failed)
        except (OSError, smtplib.SMTPException) as exc:
            # The connection failed or dropped: every claimed mail not yet sent failed.
            unsent = [note_id for note_id, _letter in letters if note_id not in finished]
            _finish(session, unsent, describe_error(exc), now)
            failed += len(unsent)
    return sent, failed


def _claim(session: Session, notification_id: int, now: datetime) -> bool:
    result = session.execute(
        update(Notification)
        .where(
            Notification.id == notification_id,
            Notification.delivery == "immediate",
            Notification.mail_state.in_((MAIL_PENDING, MAIL_FAILED)),
        )
        .values(
            mail_state=MAIL_SENDING,
            mail_claimed_at=now,
            mail_attempts=Notification.mail_attempts + 1,
        )
    )
    session.commit()
    return result.rowcount == 1


def _finish(session: Session, ids: list[int], error: str | None, now: datetime) -> None:
    if not ids:
        return
    values = (
        {"mail_state": MAIL_FAILED, "mail_error": error[:500]}
        if error
        else {"mail_state": MAIL_SENT, "mail_error": "", "mailed_at": now}
    )
    session.execute(update(Notification).where(Notification.id.in_(ids)).values(**values))
    session.commit()
    if error:
        current_app.logger.warning("Mail for notifications %s failed: %s", ids, error)


def retry_unsent(now: datetime) -> tuple[int, int]:
    """Send immediate mail that failed, was never sent, or whose sender died mid-send."""
    max_attempts = current_app.config["MAIL_MAX_ATTEMPTS"]
    with Session(db.engine) as session:
        session.execute(
            update(Notification)
            .where(
                Notification.mail_state == MAIL_SENDING,
                Notification.mail_claimed_at < now - STALLED_AFTER,
            )
            .values(mail_state=MAIL_FAILED, mail_error="the sender stopped before finishing")
        )
        session.commit()
        ids = session.scalars(
            select(Notification.id).where(
                Notification.delivery == "immediate",
                or_(
                    Notification.mail_state == MAIL_PENDING,
                    (Notification.mail_state == MAIL_FAILED)
                    & (Notification.mail_attempts < max_attempts),
                ),
            )
        ).all()
    return send_immediate(ids, now)


@contextmanager
def smtp_connection() -> Iterator[smtplib.SMTP]:
    config = current_app.config
    security = config["MAIL_SECURITY"]
    if security not in ("none", "starttls", "ssl"):
        raise ValueError(f"WIKI_MAIL_SECURITY must be none, starttls or ssl, not {security!r}")
    host, port, timeout = config["MAIL_SERVER"], int(config["MAIL_PORT"]), config["MAIL_TIMEOUT"]
    if security == "ssl":
        smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    try:
        if security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        yield smtp
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()


def send_letter(smtp: smtplib.SMTP, letter: Letter) -> str | None:
    """Send one letter; return why the server refused it, or None. A lost connection raises."""
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = formataddr((letter.to_name, letter.to_address))
    message["Subject"] = letter.subject
    message["Message-ID"] = make_msgid(domain="onramp.wiki")
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(letter.text)
    try:
        smtp.send_message(message)
    except smtplib.SMTPServerDisconnected:
        raise
    except (smtplib.SMTPException, ValueError) as exc:
        return describe_error(exc)
    return None


def describe_error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"
