"""Reading buddy assignments; assigning buddies is the buddies issue's."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from wiki.auth.models import User
from wiki.buddies.models import BuddyAssignment
from wiki.extensions import db


def active_buddy(newcomer: User, today: date) -> User | None:
    """The buddy whose assignment runs on `today`, if any."""
    return db.session.scalar(
        select(User)
        .join(BuddyAssignment, BuddyAssignment.buddy_id == User.id)
        .where(
            BuddyAssignment.newcomer_id == newcomer.id,
            BuddyAssignment.starts_on <= today,
            BuddyAssignment.ends_on >= today,
            User.active.is_(True),
        )
        .order_by(BuddyAssignment.starts_on.desc())
        .limit(1)
    )
