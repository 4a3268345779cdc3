"""Mail for notifications: sent by `wiki worker` (and `wiki tick`), never from a request.

A notification's mail is claimed before it is sent (wiki/outbox.py), so no two senders send it
twice. One attempt has WIKI_MAIL_TIMEOUT in all, from connecting to the server's last answer.
A send that fails leaves the notification in "failed" with the error, tried again after 1, 2,
4 ... minutes up to WIKI_MAIL_MAX_ATTEMPTS; it is never lost, and it is always in the app.
"""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from flask import current_app
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from wiki import outbox
from wiki.auth.models import User
from wiki.deadline import DeadlineSMTP, DeadlineSMTPSSL, tls_context, total_deadline
from wiki.extensions import db
from wiki.notifications.models import (
    MAIL_FAILED,
    MAIL_PENDING,
    MAIL_SENDING,
    MAIL_SENT,
    Notification,
)
from wiki.outbox import backoff, claim_one, database_now, stalled_after


@dataclass(frozen=True)
class Letter:
    """One mail to one person."""

    to_name: str
    to_address: str
    subject: str
    text: str


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


def _due(moment: datetime):
    retry = (Notification.mail_state == MAIL_FAILED) & (
        Notification.mail_attempts < current_app.config["MAIL_MAX_ATTEMPTS"]
    )
    return (
        (Notification.delivery == "immediate")
        & ((Notification.mail_state == MAIL_PENDING) | retry)
        & or_(
            Notification.mail_next_attempt_at.is_(None),
            Notification.mail_next_attempt_at <= moment,
        )
    )


def send_one(now: datetime | None = None, tried: set[int] | None = None) -> bool | None:
    """Claim the oldest immediate mail that is due and send it: True when sent, False when it
    failed, None when nothing is due. Mail in `tried` is left alone, and the one sent added."""
    with Session(db.engine) as session:
        clock = database_now(session)
        due = _due(max(clock, now) if now else clock)  # `wiki tick --now` may only look ahead
        if tried:
            due = due & Notification.id.not_in(tried)
        claim = claim_one(
            session,
            Notification,
            due,
            (Notification.mail_claimed_by, Notification.mail_claimed_at),
            {"mail_state": MAIL_SENDING, "mail_attempts": Notification.mail_attempts + 1},
        )
        if claim is None:
            return None
        if tried is not None:
            tried.add(claim.row_id)
        note, person = session.execute(
            select(Notification, User)
            .join(User, User.id == Notification.user_id)
            .where(Notification.id == claim.row_id)
        ).one()
        letter, attempts = letter_for(note, person), note.mail_attempts
        session.rollback()  # no transaction stays open while the server takes its time
        error = send_alone(letter)
        clock = database_now(session)
        values = (
            {"mail_state": MAIL_FAILED, "mail_error": error[:500]}
            | {"mail_next_attempt_at": clock + backoff(attempts)}
            if error
            else {"mail_state": MAIL_SENT, "mail_error": "", "mailed_at": clock}
        )
        session.execute(
            update(Notification)
            .where(Notification.id == claim.row_id, Notification.mail_claimed_by == claim.token)
            .values(mail_claimed_by=None, **values)
            .execution_options(synchronize_session=False)
        )
        session.commit()
    if error:
        current_app.logger.warning("Mail for notification %s failed: %s", claim.row_id, error)
    return error is None


def release_stalled() -> int:
    """A claim past any deadline belongs to a sender that died mid-send: that attempt failed."""
    with Session(db.engine) as session:
        limit = database_now(session) - stalled_after(current_app.config["MAIL_TIMEOUT"])
        return outbox.release_stalled(
            session,
            Notification,
            (Notification.delivery == "immediate")
            & (Notification.mail_state == MAIL_SENDING)
            & (Notification.mail_claimed_at <= limit),
            {
                "mail_state": MAIL_FAILED,
                "mail_claimed_by": None,
                "mail_error": "the sender stopped before finishing",
            },
        )


def send_due(now: datetime | None = None) -> tuple[int, int]:
    """Send every immediate mail that is due (never sent, or failed and its wait over, or its
    sender died mid-send), each once; return (sent, failed)."""
    release_stalled()
    sent = failed = 0
    tried: set[int] = set()
    while (outcome := send_one(now, tried)) is not None:
        sent, failed = (sent + 1, failed) if outcome else (sent, failed + 1)
    return sent, failed


def send_alone(letter: Letter) -> str | None:
    """Connect, send one letter and say goodbye, all within WIKI_MAIL_TIMEOUT; return why it
    failed, or None."""
    try:
        with total_deadline(current_app.config["MAIL_TIMEOUT"]), smtp_connection() as smtp:
            return send_letter(smtp, letter)
    except (OSError, smtplib.SMTPException) as exc:
        return describe_error(exc)


@contextmanager
def smtp_connection() -> Iterator[smtplib.SMTP]:
    """A connection to the configured server, keeping the running total_deadline()."""
    config = current_app.config
    security = config["MAIL_SECURITY"]
    if security not in ("none", "starttls", "ssl"):
        raise ValueError(f"WIKI_MAIL_SECURITY must be none, starttls or ssl, not {security!r}")
    host, port = config["MAIL_SERVER"], int(config["MAIL_PORT"])
    if security == "ssl":
        smtp: smtplib.SMTP = DeadlineSMTPSSL(host, port, context=tls_context())
    else:
        smtp = DeadlineSMTP(host, port)
    try:
        if security == "starttls":
            smtp.starttls(context=tls_context())
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
