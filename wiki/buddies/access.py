"""Who may see and change a newcomer's onboarding: the newcomer, their running buddy, and
admins and managers."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from wiki.auth.models import User
from wiki.buddies.models import BuddyAssignment
from wiki.extensions import db


def can_assign(actor: User) -> bool:
    return actor.has_role("admin", "manager")


def can_manage_templates(actor: User) -> bool:
    return actor.has_role("admin", "manager", "trainer")


def active_assignment(newcomer: User, today: date) -> BuddyAssignment | None:
    return db.session.scalar(
        select(BuddyAssignment)
        .where(BuddyAssignment.newcomer_id == newcomer.id, BuddyAssignment.runs_on(today))
        .order_by(BuddyAssignment.starts_on.desc())
        .limit(1)
    )


def is_buddy_of(person: User, newcomer: User, today: date) -> bool:
    assignment = active_assignment(newcomer, today)
    return assignment is not None and assignment.buddy_id == person.id


def can_follow(actor: User, newcomer: User, today: date) -> bool:
    """See the newcomer's plan and check its items: themselves, their buddy, admins, managers."""
    return actor.id == newcomer.id or can_assign(actor) or is_buddy_of(actor, newcomer, today)
