"""`wiki tick`'s part: a reminder before a verification expires, and an expired page taken to
its verifier and the owners of its process (and to webhooks), once each."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from wiki import events
from wiki.extensions import db
from wiki.notifications.services import notify
from wiki.people.expertise import experts_for
from wiki.verification.models import PageTrust
from wiki.verification.services import REVIEW_WINDOW, is_away, pass_to_backup, record_step


def remind_and_expire(now: datetime) -> tuple[int, int]:
    """(reminders sent, expirations announced)."""
    reminded = expired = 0
    due = db.session.scalars(
        select(PageTrust).where(
            PageTrust.verified_until <= now + REVIEW_WINDOW,
            PageTrust.verified_until > now,
            PageTrust.reminded_at.is_(None),
        )
    ).all()
    for trust in due:
        trust.reminded_at = now
        verifier = trust.verifier
        if verifier is not None and is_away(verifier, trust.page, now.date()):
            # Away while the page needs verifying: the backup verifier takes it (and the
            # reminder).
            pass_to_backup(trust, verifier, None, "is away")
            db.session.flush()
            db.session.refresh(trust)
        if trust.verifier is not None:
            until = trust.verified_until.date().isoformat()
            reminded += len(
                notify(
                    [trust.verifier],
                    "verification_due",
                    f"Verify “{trust.page.title}” by {until}",
                    f"Your verification of “{trust.page.title}” runs out on {until}: read it and "
                    "verify it again, or say what must change.",
                    f"/p/{trust.page.path}",
                )
            )
    ended = db.session.scalars(
        select(PageTrust).where(
            PageTrust.verified_until <= now, PageTrust.expiry_announced_at.is_(None)
        )
    ).all()
    for trust in ended:
        trust.expiry_announced_at = now
        page = trust.page
        record_step(page, "expired", None)
        owners = [
            entry.person
            for entry in experts_for(page.process, now.date())
            if entry.expertise.level == "owner"
        ]
        notify(
            [person for person in [trust.verifier, *owners] if person is not None],
            "verification_due",
            f"Verification expired: {page.title}",
            f"“{page.title}” in {page.process.name} is no longer verified. Its verifier or an "
            "expert of the process should read it and verify it again.",
            f"/p/{page.path}",
        )
        events.page_verification_expired.send(page)
        expired += 1
    db.session.commit()
    return reminded, expired
