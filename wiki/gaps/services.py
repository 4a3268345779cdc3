"""Logging gaps, finding similar open ones first, "me too", and moving a gap through its
lifecycle with every change kept in its history. Members log and read gaps; trainers and
admins change their status."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from wiki import events
from wiki.audit import services as audit
from wiki.auth.models import User
from wiki.errors import NotAllowed, NotFound, ValidationError
from wiki.extensions import db
from wiki.forms import date_field
from wiki.gaps import subscriptions
from wiki.gaps.models import (
    SOURCES,
    STATUSES,
    TRANSITIONS,
    CourseModule,
    Gap,
    GapEvent,
)
from wiki.notifications.services import notify
from wiki.processes import tree
from wiki.processes.models import Page, Process
from wiki.questions.models import Question, QuestionEscalation
from wiki.textutil import clean_line, clean_text
from wiki.timeutil import utcnow

MAX_DESCRIPTION = 20_000
# Words too common to make two titles alike.
STOP_WORDS = frozenset(
    re.findall(
        r"\w+",
        """a an and are as at be by can do does for from how i in is it my no not nothing of on or
        the there this to what when where which who why with documented about""",
    )
)


@dataclass(frozen=True)
class GapDraft:
    title: str
    description: str = ""
    process_path: str = ""
    source: str = "manual"
    source_page_id: int | None = None
    search_query: str = ""
    forum_meeting_id: int | None = None
    # A forum meeting's plan: who will update the wiki, and by when (YYYY-MM-DD).
    owner_id: int | None = None
    due_on: str = ""


@dataclass(frozen=True)
class Change:
    """A status change asked for: what it needs depends on where it goes."""

    status: str
    owner_id: int | None = None  # planned
    due_on: str = ""  # planned, YYYY-MM-DD
    page_path: str = ""  # documented
    module_id: int | None = None  # folded into a course module
    reason: str = ""  # rejected, and any note


def can_change_status(actor: User) -> bool:
    return actor.has_role("admin", "trainer")


def get_gap(gap_id: int) -> Gap:
    gap = db.session.get(Gap, gap_id)
    if gap is None:
        raise NotFound("There is no such gap.")
    return gap


def list_gaps(
    status: str | None = None, process: Process | None = None, limit: int = 50, offset: int = 0
) -> list[Gap]:
    query = (
        select(Gap)
        .where(Gap.merged_into_id.is_(None))
        .options(selectinload(Gap.affected), selectinload(Gap.process))
    )
    if status:
        query = query.where(Gap.status == status)
    if process is not None:
        subtree = select(Process.id).where(tree.in_subtree(process.path))
        query = query.where(Gap.process_id.in_(subtree))
    return list(
        db.session.scalars(
            query.order_by(Gap.created_at.desc(), Gap.id.desc()).limit(limit).offset(offset)
        )
    )


def similar_open_gaps(title: str, process: Process | None, limit: int = 5) -> list[Gap]:
    """Open or planned gaps whose titles share words with this one, most alike first; in the
    same process subtree when one is given."""
    words = _words(title)
    if not words:
        return []
    query = select(Gap).where(Gap.status.in_(("open", "planned")), Gap.merged_into_id.is_(None))
    if process is not None:
        top = process.path.split("/")[0]
        query = query.join(Process, Process.id == Gap.process_id).where(tree.in_subtree(top))
    scored = []
    for gap in db.session.scalars(query):
        shared = words & _words(gap.title)
        if shared:
            scored.append((len(shared) / len(words | _words(gap.title)), gap))
    scored.sort(key=lambda pair: (-pair[0], pair[1].id))
    return [gap for score, gap in scored if score >= 0.25][:limit]


def _words(text: str) -> set[str]:
    return {word for word in re.findall(r"\w+", text.lower()) if word not in STOP_WORDS}


def log_gap(reporter: User, draft: GapDraft, now: datetime | None = None) -> Gap:
    errors: dict[str, str] = {}
    title = clean_line(draft.title)
    description = clean_text(draft.description).strip()
    if not title:
        errors["title"] = "Say in one line what you could not find."
    elif len(title) > 200:
        errors["title"] = "Keep the title to 200 characters."
    if len(description) > MAX_DESCRIPTION:
        errors["description"] = f"Keep it to {MAX_DESCRIPTION:,} characters."
    try:
        process = tree.get_process(draft.process_path)
    except NotFound:
        process = None
        errors["process"] = "Choose the process it belongs to."
    if draft.source not in SOURCES:
        errors["source"] = "Unknown source."
    planned = draft.source == "forum_meeting"
    owner, due = _checked_plan(draft.owner_id, draft.due_on, errors) if planned else (None, None)
    if errors:
        raise ValidationError(errors)
    now = now or utcnow()
    page = db.session.get(Page, draft.source_page_id) if draft.source_page_id else None
    gap = Gap(
        title=title,
        description=description,
        process=process,
        source=draft.source,
        reporter=reporter,
        source_page=page,
        search_query=clean_line(draft.search_query)[:500],
        forum_meeting_id=draft.forum_meeting_id,
        created_at=now,
        updated_at=now,
        events=[GapEvent(actor=reporter, what="logged", created_at=now)],
    )
    gap.add_affected(reporter.id, now)
    db.session.add(gap)
    db.session.flush()
    if planned:
        _plan(reporter, gap, owner, due, now)
    subscriptions.announce(gap)
    events.gap_logged.send(gap)
    db.session.commit()
    return gap


def _checked_plan(owner_id: int | None, due_on: str, errors: dict[str, str]):
    """The owner and due date of a plan, or errors saying what is missing."""
    owner = db.session.get(User, owner_id) if owner_id else None
    if owner is None or not owner.active:
        errors["owner"] = "Choose who will update the wiki."
    due = date_field(
        due_on, errors, "due_on", missing="Give the date it will be done, as YYYY-MM-DD."
    )
    return owner, due


def _plan(actor: User, gap: Gap, owner: User, due, now: datetime, note: str = "") -> None:
    """Give the gap its owner and due date, keep the change, and tell the owner."""
    gap.owner, gap.due_on = owner, due
    gap.resolved_at = None
    gap.events.append(
        GapEvent(
            actor=actor,
            what=f"{STATUSES[gap.status]} → {STATUSES['planned']}",
            note=note,
            created_at=now,
        )
    )
    notify(
        [owner],
        "gap_assigned",
        f"Yours to document by {due.isoformat()}: {gap.title}",
        f"{actor.name} planned this gap in {gap.process.name} for you: update the wiki "
        "so that the next person finds it.",
        f"/gaps/{gap.id}",
    )
    gap.status = "planned"
    gap.updated_at = now


def me_too(person: User, gap: Gap) -> bool:
    """Add the person to those the gap affects; False when they already were."""
    if person.id in gap.affected_ids():
        return False
    gap.add_affected(person.id)
    gap.events.append(GapEvent(actor=person, what="me too"))
    gap.updated_at = utcnow()
    db.session.commit()
    return True


def merge(actor: User, keep: Gap, other_id: int | None, now: datetime | None = None) -> Gap:
    """Fold another gap into this one: its people and its history come along, and it leads
    here from then on."""
    if not can_change_status(actor):
        raise NotAllowed("Only trainers and admins merge gaps.")
    other = db.session.get(Gap, other_id) if other_id else None
    if other is None or other.merged_into_id is not None:
        raise ValidationError({"other": "Give the number of a gap that has not been merged."})
    if other.id == keep.id:
        raise ValidationError({"other": "A gap cannot be merged into itself."})
    now = now or utcnow()
    for row in other.affected:
        keep.add_affected(row.user_id, row.added_at)
    for event in list(other.events):
        event.gap = keep
    keep.events.append(
        GapEvent(actor=actor, what=f"merged gap {other.id}: {other.title}", created_at=now)
    )
    other.events.append(GapEvent(actor=actor, what=f"merged into gap {keep.id}", created_at=now))
    other.merged_into_id = keep.id
    keep.updated_at = now
    audit.record(
        "gap_merged",
        actor,
        subject=f"gap:{keep.id}",
        subject_label=keep.title,
        detail=f"gap {other.id} ({other.title}) merged into it",
    )
    db.session.commit()
    return keep


def change_status(actor: User, gap: Gap, change: Change, now: datetime | None = None) -> Gap:
    """Move the gap on; a move its lifecycle does not allow is refused, saying why."""
    if not can_change_status(actor):
        raise NotAllowed("Only trainers and admins change a gap's status.")
    allowed = TRANSITIONS[gap.status]
    if change.status not in allowed:
        choices = ", ".join(STATUSES[s].lower() for s in allowed) or "nothing: it is closed"
        raise ValidationError(
            {"status": f"A gap that is {STATUSES[gap.status].lower()} can become: {choices}."}
        )
    now = now or utcnow()
    reason = clean_text(change.reason).strip()
    errors: dict[str, str] = {}
    if change.status == "planned":
        owner, due = _checked_plan(change.owner_id, change.due_on, errors)
    elif change.status == "documented":
        found = tree.page_at_address(change.page_path)
        if found is None:
            errors["page"] = (
                "Give the address of the page that now answers it: paste it from the address "
                "bar, or write its path, as in /p/procure-to-pay/payments/…"
            )
        else:
            gap.documented_page, gap.documented_revision = found, found.latest_revision
    elif change.status == "folded":
        module = db.session.get(CourseModule, change.module_id) if change.module_id else None
        if module is None:
            errors["module"] = "Choose the course module that will cover it."
        else:
            gap.course_module = module
    elif change.status == "rejected" and not reason:
        errors["reason"] = "Say why the gap is rejected."
    if errors:
        raise ValidationError(errors)
    before = gap.status
    if change.status == "planned":
        _plan(actor, gap, owner, due, now, note=reason)
        events.gap_changed.send(gap, before=before)
        db.session.commit()
        return gap
    if change.status == "rejected":
        gap.reject_reason = reason
    if change.status == "open":
        gap.resolved_at = None
    else:
        gap.resolved_at = gap.resolved_at or now
    gap.events.append(
        GapEvent(
            actor=actor,
            what=f"{STATUSES[gap.status]} → {STATUSES[change.status]}",
            note=reason,
            created_at=now,
        )
    )
    gap.status = change.status
    gap.updated_at = now
    events.gap_changed.send(gap, before=before)
    db.session.commit()
    return gap


def gaps_from_escalations(now: datetime) -> int:
    """Turn recorded question escalations into gaps (for `wiki tick`): each record once, even
    with two runs at once, since the record is claimed by a guarded update."""
    made = 0
    waiting = db.session.scalars(
        select(QuestionEscalation).where(QuestionEscalation.gap_id.is_(None))
    ).all()
    for record in waiting:
        question = db.session.get(Question, record.question_id)
        if question is None:
            continue
        with db.session.begin_nested() as savepoint:
            gap = Gap(
                title=record.title[:200],
                # A private question's words stay with its readers: the gap only says it waited.
                description="" if question.private else question.body,
                process_id=record.process_id,
                source="escalated_question",
                # ...nor who asked it: the gap counts them among those affected, unnamed.
                reporter=None if question.private else question.asker,
                question_id=question.id,
                created_at=now,
                updated_at=now,
                events=[GapEvent(what="logged from an unanswered question", created_at=now)],
            )
            gap.add_affected(question.asker_id, now)
            db.session.add(gap)
            db.session.flush()
            claimed = db.session.execute(
                update(QuestionEscalation)
                .where(QuestionEscalation.id == record.id, QuestionEscalation.gap_id.is_(None))
                .values(gap_id=gap.id)
                .execution_options(synchronize_session=False)
            )
            if claimed.rowcount != 1:
                savepoint.rollback()
                continue
        subscriptions.announce(gap)
        made += 1
    db.session.commit()
    return made


def counts_by_status() -> dict[str, int]:
    rows = dict(
        db.session.execute(select(Gap.status, func.count(Gap.id)).group_by(Gap.status)).all()
    )
    return {status: rows.get(status, 0) for status in STATUSES}
