"""Introductions: the buddy puts the newcomer in touch with an expert for a process; the
newcomer marks that they met, which ticks the matching "meet an expert" items."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from wiki.auth.models import User
from wiki.buddies.access import can_assign, is_buddy_of
from wiki.buddies.models import Introduction, PlanItem
from wiki.errors import NotAllowed, NotFound, ValidationError
from wiki.extensions import db
from wiki.notifications.services import notify
from wiki.people.expertise import experts_for
from wiki.processes import tree
from wiki.textutil import clean_text
from wiki.timeutil import utcnow

MAX_NOTE = 1000


def can_introduce(actor: User, newcomer: User, today: date) -> bool:
    return can_assign(actor) or is_buddy_of(actor, newcomer, today)


def introductions_of(newcomer: User) -> list[Introduction]:
    return list(
        db.session.scalars(
            select(Introduction)
            .where(Introduction.newcomer_id == newcomer.id)
            .order_by(Introduction.created_at.desc(), Introduction.id.desc())
        )
    )


def introduce(
    actor: User,
    newcomer: User,
    expert_id: int | None,
    process_path: str,
    note: str,
    today: date | None = None,
) -> Introduction:
    if not can_introduce(actor, newcomer, today or utcnow().date()):
        raise NotAllowed("Only the newcomer's buddy, admins and managers make introductions.")
    errors: dict[str, str] = {}
    expert = db.session.get(User, expert_id) if expert_id else None
    if expert is None or not expert.active:
        errors["expert"] = "Choose whom to introduce."
    elif expert.id == newcomer.id:
        errors["expert"] = "Choose someone other than the newcomer."
    try:
        process = tree.get_process(process_path)
    except NotFound:
        process = None
        errors["process"] = "Choose the process they can help with."
    note = clean_text(note).strip()
    if len(note) > MAX_NOTE:
        errors["note"] = f"Keep the note to {MAX_NOTE} characters; this is {len(note)}."
    if errors:
        raise ValidationError(errors)
    introduction = Introduction(
        newcomer=newcomer, expert=expert, process=process, introduced_by=actor, note=note
    )
    db.session.add(introduction)
    db.session.flush()
    url = f"/buddies/newcomers/{newcomer.id}#introduction-{introduction.id}"
    notify(
        [newcomer],
        "introduction",
        f"{actor.name} introduced you to {expert.name} for {process.name}",
        note or f"{expert.name} knows {process.name}: get in touch, then mark that you met.",
        url,
    )
    notify(
        [expert],
        "introduction",
        f"{actor.name} introduced {newcomer.name} to you for {process.name}",
        note or f"{newcomer.name} is new and will get in touch about {process.name}.",
        f"/people/{newcomer.id}",
    )
    db.session.commit()
    return introduction


def mark_met(actor: User, introduction_id: int, now: datetime | None = None) -> Introduction:
    """The newcomer says they met; open "meet an expert" items for the process are ticked."""
    introduction = db.session.get(Introduction, introduction_id)
    if introduction is None or introduction.newcomer_id != actor.id:
        raise NotFound("There is no such introduction of yours.")
    now = now or utcnow()
    if introduction.met_at is None:
        introduction.met_at = now
        for item in db.session.scalars(
            select(PlanItem).where(
                PlanItem.newcomer_id == actor.id,
                PlanItem.kind == "meet_expert",
                PlanItem.process_id == introduction.process_id,
                PlanItem.done_at.is_(None),
            )
        ):
            item.done_at, item.done_by = now, actor
        db.session.commit()
    return introduction


def expert_to_meet(item: PlanItem, today: date) -> User | None:
    """Whom a "meet an expert" item means: the expert the newcomer was introduced to for its
    process, or else the process's best-ranked expert (never the newcomer themselves)."""
    if item.kind != "meet_expert" or item.process is None:
        return None
    introduced = db.session.scalar(
        select(Introduction)
        .where(
            Introduction.newcomer_id == item.newcomer_id,
            Introduction.process_id == item.process_id,
        )
        .order_by(Introduction.created_at.desc(), Introduction.id.desc())
        .limit(1)
    )
    if introduced is not None:
        return introduced.expert
    for entry in experts_for(item.process, today):
        if entry.person.id != item.newcomer_id:
            return entry.person
    return None
