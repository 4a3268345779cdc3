"""Declaring expertise: a person for themselves, or an admin or manager for someone else."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from wiki.audit import services as audit
from wiki.auth.models import User
from wiki.errors import NotAllowed, NotFound, ValidationError
from wiki.extensions import db
from wiki.notifications.services import notify
from wiki.people.models import AVAILABILITIES, LEVEL_LABELS, LEVELS, Expertise
from wiki.processes import tree
from wiki.processes.models import Process
from wiki.textutil import clean_text
from wiki.timeutil import utcnow

MAX_ASK_ME_ABOUT = 500


@dataclass(frozen=True)
class ExpertiseDraft:
    process_path: str
    level: str
    ask_me_about: str = ""
    availability: str = "available"
    away_until: str = ""  # YYYY-MM-DD, from the form


def can_declare_for(actor: User, person: User) -> bool:
    return actor.id == person.id or actor.has_role("admin", "manager")


def expertise_of(person: User) -> list[Expertise]:
    """A person's expertise, in the order of the process tree."""
    rows = db.session.scalars(
        select(Expertise)
        .where(Expertise.user_id == person.id)
        .options(joinedload(Expertise.process))
    ).all()
    return sorted(rows, key=lambda row: row.process.path)


def get_expertise(person: User, expertise_id: int) -> Expertise:
    expertise = db.session.get(Expertise, expertise_id)
    if expertise is None or expertise.user_id != person.id:
        raise NotFound("There is no such expertise.")
    return expertise


def save_expertise(
    actor: User,
    person: User,
    draft: ExpertiseDraft,
    expertise: Expertise | None = None,
    today: date | None = None,
) -> Expertise:
    """Add expertise in a process (or update what the person has there) after checking it."""
    if not can_declare_for(actor, person):
        raise NotAllowed("Only admins and managers change someone else's expertise.")
    today = today or utcnow().date()
    process, away_until = _check(draft, today)
    # Adding never replaces what was declared for the process (it once silently overwrote the
    # level and the note); an edit changes its own process only.
    already = declared_in(person, process)
    if already is not None and (expertise is None or already.id != expertise.id):
        whose = "You already have" if actor.id == person.id else f"{person.name} already has"
        raise ValidationError({"process": f"{whose} expertise in {process.name}; edit that one."})
    if expertise is None:
        expertise = Expertise(person=person, process=process)
        db.session.add(expertise)
    expertise.process = process
    expertise.level = draft.level
    expertise.ask_me_about = clean_text(draft.ask_me_about).strip()
    expertise.availability = draft.availability
    expertise.away_until = away_until
    expertise.declared_by = actor
    expertise.updated_at = utcnow()
    if actor.id != person.id:
        _tell(person, actor, f"{actor.name} set your expertise in {process.name}", draft.level)
    db.session.commit()
    return expertise


def remove_expertise(actor: User, person: User, expertise: Expertise) -> None:
    if not can_declare_for(actor, person):
        raise NotAllowed("Only admins and managers change someone else's expertise.")
    process = expertise.process
    db.session.delete(expertise)
    if actor.id != person.id:
        _tell(person, actor, f"{actor.name} removed your expertise in {process.name}", None)
    db.session.commit()


def declared_in(person: User, process: Process) -> Expertise | None:
    """The person's expertise in exactly this process, if they declared any."""
    return db.session.scalar(
        select(Expertise).where(Expertise.user_id == person.id, Expertise.process_id == process.id)
    )


def declared_in_path(person: User, process_path: str) -> Expertise | None:
    """The person's expertise in the process at this path, if it exists and they declared any."""
    try:
        process = tree.get_process(process_path.strip("/"))
    except NotFound:
        return None
    return declared_in(person, process)


def _check(draft: ExpertiseDraft, today: date) -> tuple[Process, date | None]:
    errors: dict[str, str] = {}
    try:
        process = tree.get_process(draft.process_path.strip("/"))
    except NotFound:
        process = None
        errors["process"] = "Choose a process."
    if draft.level not in LEVELS:
        errors["level"] = "Choose a level: " + ", ".join(LEVEL_LABELS[level] for level in LEVELS)
    if len(draft.ask_me_about) > MAX_ASK_ME_ABOUT:
        errors["ask_me_about"] = (
            f"Keep it to {MAX_ASK_ME_ABOUT} characters; this is {len(draft.ask_me_about)}."
        )
    if draft.availability not in AVAILABILITIES:
        errors["availability"] = "Choose available, busy or away."
    away_until = None
    if draft.availability == "away":
        try:
            away_until = date.fromisoformat(draft.away_until)
        except ValueError:
            errors["away_until"] = "Give the date you are back, as YYYY-MM-DD."
        else:
            if away_until <= today:
                errors["away_until"] = "The date you are back must be after today."
    if errors:
        raise ValidationError(errors)
    return process, away_until


def _tell(person: User, actor: User, title: str, level: str | None) -> None:
    """Someone else changed the person's expertise: tell them, and keep it in the audit trail."""
    audit.record(
        "expertise_changed", actor, subject=f"person:{person.id}", subject_label=person.email,
        detail=title,
    )  # fmt: skip
    body = f"Level: {LEVEL_LABELS[level]}." if level else "It no longer shows on your profile."
    notify(
        [person],
        "expertise_changed",
        title,
        body + " Check it on your profile.",
        f"/people/{person.id}",
    )
