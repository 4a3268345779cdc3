"""Who must wait for approval and who may give it: the controlled processes (the nearest
controlled ancestor governs a page), their approvers, and suggested edits from newcomers."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from wiki.approvals.models import (
    CONTROLLED,
    SUGGESTION,
    ChangeRequest,
    ProcessControl,
)
from wiki.audit.services import record
from wiki.auth.models import User, UserRole
from wiki.errors import ValidationError
from wiki.extensions import db
from wiki.people.models import LEVELS, Expertise
from wiki.processes import pages, tree
from wiki.processes.models import Page, Process
from wiki.processes.paths import is_within
from wiki.timeutil import utcnow

# Suggestions are approved by the page's owner or by whoever knows its process this well.
SUGGESTION_LEVEL = "expert"
APPROVER_LEVELS = ("practitioner", "expert", "owner")
# Who decides a request that the rules leave to nobody.
FALLBACK_ROLES = ("manager", "admin")


def _lineage(process: Process) -> list[str]:
    """The paths of the process and of its ancestors, nearest first."""
    parts = process.path.split("/")
    return ["/".join(parts[:end]) for end in range(len(parts), 0, -1)]


def governing_control(process: Process) -> ProcessControl | None:
    """The control of the process or of its nearest controlled ancestor."""
    return db.session.scalar(
        select(ProcessControl)
        .join(Process, Process.id == ProcessControl.process_id)
        .where(Process.path.in_(_lineage(process)))
        .order_by(func.length(Process.path).desc())
        .limit(1)
    )


def suggests_only(person: User) -> bool:
    """A newcomer in their first WIKI_SUGGEST_EDITS_DAYS days suggests edits (0: off)."""
    days = current_app.config["SUGGEST_EDITS_DAYS"]
    if not days or person.start_date is None:
        return False
    return utcnow().date() < person.start_date + timedelta(days=days)


def _held(actor: User, process: Process, page: Page | None) -> pages.NeedsApproval | None:
    if governing_control(process) is not None:
        return pages.NeedsApproval(
            CONTROLLED,
            "This page is controlled: a change needs a second person's approval."
            if page is not None
            else "This process is controlled: a new page needs a second person's approval.",
        )
    if suggests_only(actor):
        return pages.NeedsApproval(
            SUGGESTION, "In your first days your edits are suggestions, approved by the page's "
            "owner or an expert of its process.",
        )  # fmt: skip
    return None


pages.approval_rules.append(_held)


def _experts(process_ids: list[int], level: str) -> set[int]:
    levels = LEVELS[LEVELS.index(level) :]
    return set(
        db.session.scalars(
            select(Expertise.user_id).where(
                Expertise.process_id.in_(process_ids), Expertise.level.in_(levels)
            )
        )
    )


def approver_ids(request: ChangeRequest) -> set[int]:
    """Who may decide the request: for a controlled page the named approvers and the experts
    at the control's level of its process (or of one between it and the governing one); for a
    suggestion the page's owner (a new page has none yet) and its process's experts; when
    these are nobody, the managers and admins. Never the author."""
    page, home = request.page, request.process
    control = governing_control(home) if request.kind == CONTROLLED else None
    if control is not None:
        ids = {person.id for person in control.approvers}
        if control.expert_level:
            between = [
                process.id
                for process in [*home.ancestors(), home]
                if is_within(process.path, control.process.path)
            ]
            ids |= _experts(between, control.expert_level)
    else:
        ids = _experts([home.id], SUGGESTION_LEVEL)
        if page is not None and page.owner_id is not None:
            ids.add(page.owner_id)
    ids.discard(request.author_id)
    if not ids:
        # Nobody the rules name can decide (no expert at that level yet, no owner): the
        # managers and admins do, so that no request waits for ever. Still a second person.
        ids = set(
            db.session.scalars(
                select(UserRole.user_id)
                .join(User, User.id == UserRole.user_id)
                .where(UserRole.role.in_(FALLBACK_ROLES), User.active.is_(True))
            )
        )
        ids.discard(request.author_id)
    return ids


def approvers(request: ChangeRequest) -> list[User]:
    ids = approver_ids(request)
    if not ids:
        return []
    found = select(User).where(User.id.in_(ids), User.active.is_(True)).order_by(User.name)
    return list(db.session.scalars(found))


def may_decide(person: User, request: ChangeRequest) -> bool:
    return person.id != request.author_id and person.id in approver_ids(request)


def set_control(
    actor: User, process: Process, approver_people: list[User], expert_level: str | None
) -> ProcessControl:
    """Put the process and its subtree under control, naming who approves."""
    tree.require_process_manager(actor)
    if expert_level is not None and expert_level not in APPROVER_LEVELS:
        raise ValidationError({"expert_level": "Choose one of the levels offered."})
    if not approver_people and expert_level is None:
        raise ValidationError(
            {"approvers": "Name at least one approver, or let the process's experts approve."}
        )
    control = db.session.get(ProcessControl, process.id) or ProcessControl(process=process)
    control.approvers = approver_people
    control.expert_level = expert_level
    control.set_by_id, control.set_at = actor.id, utcnow()
    db.session.add(control)
    named = ", ".join(person.name for person in approver_people) or "nobody by name"
    level = f"; experts at level {expert_level} or higher" if expert_level else ""
    record(
        "process_controlled",
        actor,
        subject=f"process:{process.id}",
        subject_label=process.path,
        detail=f"approvers: {named}{level}",
    )
    db.session.commit()
    return control


def remove_control(actor: User, process: Process) -> None:
    tree.require_process_manager(actor)
    control = db.session.get(ProcessControl, process.id)
    if control is None:
        return
    db.session.delete(control)  # and its approver rows with it
    subject = f"process:{process.id}"
    record("process_uncontrolled", actor, subject=subject, subject_label=process.path)
    db.session.commit()
