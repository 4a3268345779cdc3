"""Buddy assignments: one running buddy per newcomer, history kept, both people told."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from wiki import events
from wiki.auth.models import User
from wiki.buddies.access import active_assignment, can_assign
from wiki.buddies.models import DEFAULT_ASSIGNMENT_DAYS, BuddyAssignment, PlanTemplate
from wiki.buddies.plans import apply_template
from wiki.errors import NotAllowed, ValidationError
from wiki.extensions import db
from wiki.forms import date_field
from wiki.notifications.services import notify
from wiki.timeutil import utcnow


@dataclass(frozen=True)
class AssignmentDraft:
    newcomer_id: int | None
    buddy_id: int | None
    starts_on: str = ""  # YYYY-MM-DD from the form; empty: today
    ends_on: str = ""  # empty: DEFAULT_ASSIGNMENT_DAYS after the start
    template_id: int | None = None


def active_buddy(newcomer: User, today: date) -> User | None:
    """The buddy whose assignment runs on `today`, if any."""
    assignment = active_assignment(newcomer, today)
    return assignment.buddy if assignment and assignment.buddy.active else None


def assignments_of(newcomer: User) -> list[BuddyAssignment]:
    """Every assignment of the newcomer, newest first: the history."""
    return list(
        db.session.scalars(
            select(BuddyAssignment)
            .where(BuddyAssignment.newcomer_id == newcomer.id)
            .order_by(BuddyAssignment.starts_on.desc(), BuddyAssignment.id.desc())
        )
    )


def assign_buddy(actor: User, draft: AssignmentDraft, today: date | None = None) -> BuddyAssignment:
    """Assign a buddy; the newcomer's running assignment ends the day before this one starts.

    An assignment that has not begun yet by then is replaced. With a template, its items are
    added to the newcomer's plan (once: applying it again adds nothing twice).
    """
    if not can_assign(actor):
        raise NotAllowed("Only admins and managers assign buddies.")
    today = today or utcnow().date()
    newcomer, buddy, starts_on, ends_on, template = _check(draft, today)
    for earlier in db.session.scalars(
        select(BuddyAssignment).where(
            BuddyAssignment.newcomer_id == newcomer.id, BuddyAssignment.ends_on >= starts_on
        )
    ):
        if earlier.starts_on < starts_on:
            earlier.ends_on = starts_on - timedelta(days=1)
        else:
            db.session.delete(earlier)
    assignment = BuddyAssignment(
        newcomer=newcomer, buddy=buddy, starts_on=starts_on, ends_on=ends_on, assigned_by=actor
    )
    db.session.add(assignment)
    if template is not None:
        apply_template(template, newcomer, newcomer.start_date or starts_on)
    span = f"from {starts_on.isoformat()} to {ends_on.isoformat()}"
    notify(
        [buddy],
        "buddy_assigned",
        f"You are {newcomer.name}'s buddy",
        f"{actor.name} made you {newcomer.name}'s integration buddy {span}. Your dashboard "
        "shows their plan, their questions and what is overdue.",
        "/buddies/",
    )
    notify(
        [newcomer],
        "buddy_assigned",
        f"{buddy.name} is your buddy",
        f"{buddy.name} is your integration buddy {span}: ask them anything, and whom to ask.",
        "/",
    )
    db.session.flush()
    events.buddy_assigned.send(assignment)
    db.session.commit()
    return assignment


def _check(
    draft: AssignmentDraft, today: date
) -> tuple[User, User, date, date, PlanTemplate | None]:
    errors: dict[str, str] = {}
    newcomer = db.session.get(User, draft.newcomer_id) if draft.newcomer_id else None
    buddy = db.session.get(User, draft.buddy_id) if draft.buddy_id else None
    if newcomer is None or not newcomer.active:
        errors["newcomer"] = "Choose the newcomer."
    if buddy is None or not buddy.active:
        errors["buddy"] = "Choose the buddy."
    elif newcomer is not None and buddy.id == newcomer.id:
        errors["buddy"] = "A newcomer cannot be their own buddy."
    starts_on = (
        date_field(draft.starts_on, errors, "starts_on") if draft.starts_on.strip() else today
    )
    default_end = starts_on + timedelta(days=DEFAULT_ASSIGNMENT_DAYS) if starts_on else today
    ends_on = date_field(draft.ends_on, errors, "ends_on") if draft.ends_on.strip() else default_end
    if starts_on and ends_on and ends_on <= starts_on:
        errors["ends_on"] = "The end date must be after the start date."
    template = db.session.get(PlanTemplate, draft.template_id) if draft.template_id else None
    if draft.template_id and template is None:
        errors["template"] = "That plan template no longer exists; choose another."
    if errors:
        raise ValidationError(errors)
    return newcomer, buddy, starts_on, ends_on, template
