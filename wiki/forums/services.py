"""The rules of user-group forums: trainers and admins open a forum for a process area and
manage its members; anyone may join or leave; members record the monthly meetings and the gaps
raised in them, each gap with an owner who will update the wiki."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from wiki import events
from wiki.auth.models import User
from wiki.errors import NotAllowed, NotFound, ValidationError
from wiki.extensions import db
from wiki.forms import date_field
from wiki.forums.models import Forum, ForumMeeting, ForumMember
from wiki.gaps import services as gaps
from wiki.gaps.models import Gap
from wiki.processes import tree
from wiki.processes.paths import is_within
from wiki.textutil import clean_line, clean_text
from wiki.timeutil import utcnow

MAX_MINUTES_TEXT = 50_000
# Forums meet monthly; a forum is overdue once this many days pass without a meeting.
MEETING_EVERY_DAYS = 31


@dataclass(frozen=True)
class MeetingDraft:
    held_on: str  # YYYY-MM-DD
    attendee_ids: tuple[int, ...] = ()
    minutes: str = ""


def can_manage(person: User) -> bool:
    return person.has_role("admin", "trainer")


def can_record(person: User, forum: Forum) -> bool:
    return can_manage(person) or person.id in forum.member_ids()


def get_forum(forum_id: int) -> Forum:
    forum = db.session.get(Forum, forum_id)
    if forum is None:
        raise NotFound("There is no such forum.")
    return forum


def get_meeting(forum: Forum, meeting_id: int) -> ForumMeeting:
    meeting = db.session.get(ForumMeeting, meeting_id)
    if meeting is None or meeting.forum_id != forum.id:
        raise NotFound("There is no such meeting.")
    return meeting


def list_forums() -> list[Forum]:
    return list(
        db.session.scalars(
            select(Forum)
            .options(selectinload(Forum.members), selectinload(Forum.meetings))
            .order_by(Forum.name)
        )
    )


def next_meeting_due(forum: Forum) -> date | None:
    """A month after the last meeting; None before the first."""
    if not forum.meetings:
        return None
    return forum.meetings[0].held_on + timedelta(days=MEETING_EVERY_DAYS)


def open_gap_count(forum: Forum) -> int:
    """Gaps raised in the forum's meetings that are still waiting for their owner."""
    return db.session.scalar(
        select(func.count(Gap.id))
        .join(ForumMeeting, ForumMeeting.id == Gap.forum_meeting_id)
        .where(ForumMeeting.forum_id == forum.id, Gap.status.in_(("open", "planned")))
    )


def create_forum(actor: User, process_path: str, name: str, description: str = "") -> Forum:
    if not can_manage(actor):
        raise NotAllowed("Only trainers and admins open forums.")
    errors: dict[str, str] = {}
    name = clean_line(name)
    try:
        process = tree.get_process(process_path.strip("/"))
    except NotFound:
        process = None
        errors["process"] = "Choose the process area the forum is for."
    if process is not None and db.session.scalar(select(Forum).where(Forum.process == process)):
        errors["process"] = f"{process.name} already has its forum."
    if not name and process is not None:
        name = f"{process.name} user group"
    if len(name) > 120:
        errors["name"] = "Keep the name to 120 characters."
    if errors:
        raise ValidationError(errors)
    forum = Forum(process=process, name=name, description=clean_text(description).strip())
    db.session.add(forum)
    db.session.commit()
    return forum


def join(person: User, forum: Forum) -> bool:
    if person.id in forum.member_ids():
        return False
    forum.members.append(ForumMember(user=person))
    db.session.commit()
    return True


def leave(person: User, forum: Forum) -> bool:
    return remove_member(person, forum, person.id)


def add_member(actor: User, forum: Forum, user_id: int | None) -> User:
    if not can_manage(actor):
        raise NotAllowed("Only trainers and admins add members to a forum.")
    person = db.session.get(User, user_id) if user_id else None
    if person is None or not person.active:
        raise ValidationError({"person": "Choose the person to add."})
    if person.id in forum.member_ids():
        raise ValidationError({"person": f"{person.name} is already a member."})
    forum.members.append(ForumMember(user=person))
    db.session.commit()
    return person


def remove_member(actor: User, forum: Forum, user_id: int | None) -> bool:
    if actor.id != user_id and not can_manage(actor):
        raise NotAllowed("Only trainers and admins remove other members.")
    member = next((m for m in forum.members if m.user_id == user_id), None)
    if member is None:
        return False
    forum.members.remove(member)
    db.session.commit()
    return True


def record_meeting(
    actor: User, forum: Forum, draft: MeetingDraft, today: date | None = None
) -> ForumMeeting:
    if not can_record(actor, forum):
        raise NotAllowed("Only the forum's members, trainers and admins record its meetings.")
    errors: dict[str, str] = {}
    held_on = date_field(
        draft.held_on, errors, "held_on", missing="Give the meeting's date, as YYYY-MM-DD."
    )
    if held_on is not None:
        if held_on > (today or utcnow().date()):
            errors["held_on"] = "Record a meeting once it has been held."
        elif any(meeting.held_on == held_on for meeting in forum.meetings):
            errors["held_on"] = f"The forum already has a meeting on {held_on.isoformat()}."
    members = {member.user_id: member.user for member in forum.members}
    attendees = [members[i] for i in dict.fromkeys(draft.attendee_ids) if i in members]
    if not attendees:
        errors["attendees"] = "Tick the members who came."
    minutes = clean_text(draft.minutes).strip()
    if len(minutes) > MAX_MINUTES_TEXT:
        errors["minutes"] = f"Keep the minutes to {MAX_MINUTES_TEXT:,} characters."
    if errors:
        raise ValidationError(errors)
    meeting = ForumMeeting(held_on=held_on, attendees=attendees, minutes=minutes, recorded_by=actor)
    forum.meetings.append(meeting)
    db.session.flush()
    events.forum_meeting_recorded.send(meeting)
    db.session.commit()
    return meeting


def record_gap(actor: User, meeting: ForumMeeting, draft: gaps.GapDraft) -> Gap:
    """A gap raised in the meeting, in the forum's area, planned at once: its owner and due date
    are part of the draft."""
    forum = meeting.forum
    if not can_record(actor, forum):
        raise NotAllowed("Only the forum's members, trainers and admins record its gaps.")
    area = forum.process.path
    path = draft.process_path.strip("/") or area
    if not is_within(path, area):
        raise ValidationError({"process": f"Choose a process within {forum.process.name}."})
    return gaps.log_gap(
        actor,
        gaps.GapDraft(
            title=draft.title,
            description=draft.description,
            process_path=path,
            source="forum_meeting",
            forum_meeting_id=meeting.id,
            owner_id=draft.owner_id,
            due_on=draft.due_on,
        ),
    )
