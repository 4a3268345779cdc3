"""Peer coaching groups: forming one (five to seven members), accepting its ground rules,
recording meetings (equal time, one action each, the last actions reviewed, a closing
evaluation), and the program's aggregates. A group's content is read through `get_group`,
which shows it to its members only; trainers and admins get `program_figures`, numbers only."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select

from wiki.auth.models import User
from wiki.errors import NotAllowed, NotFound, ValidationError
from wiki.extensions import db
from wiki.forms import DATE_FORMAT_MESSAGE, date_field
from wiki.notifications.services import notify
from wiki.peergroups.models import (
    FACILITATION,
    MAX_MEETING_MINUTES,
    MAX_MEMBERS,
    MEETING_GAP_DAYS,
    MIN_MEMBERS,
    OUTCOMES,
    GroupMeeting,
    MeetingAttendance,
    PeerGroup,
    PeerGroupMember,
)
from wiki.textutil import clean_line, clean_text
from wiki.timeutil import utcnow

MAX_TEXT = 5000
NO_SUCH_MEETING = "There is no such meeting of your group."


@dataclass(frozen=True)
class GroupDraft:
    name: str
    primary_outcome: str
    facilitation: str
    external_facilitator: str = ""
    ground_rules: str = ""
    member_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class MemberEntry:
    user_id: int
    present: bool = True
    priority: str = ""
    action: str = ""
    rating: str = ""  # 1 to 5, from the form
    comment: str = ""


@dataclass(frozen=True)
class MeetingDraft:
    held_on: str
    length_minutes: str
    facilitator_id: int | None = None
    closing: bool = False
    entries: list[MemberEntry] = field(default_factory=list)
    # attendance id of an earlier action → "done" or "not_done"
    reviews: dict[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class GroupFigures:
    """What trainers and admins see of a group: counts and averages, no content."""

    group: PeerGroup
    members: int
    meetings: int
    attendance_rate: float | None
    average_rating: float | None
    actions_done: int
    actions_reviewed: int


def can_form_groups(actor: User) -> bool:
    return actor.has_role("admin", "manager", "trainer")


def can_see_program(actor: User) -> bool:
    return actor.has_role("admin", "trainer")


def groups_of(person: User) -> list[PeerGroup]:
    return list(
        db.session.scalars(
            select(PeerGroup)
            .join(PeerGroupMember, PeerGroupMember.group_id == PeerGroup.id)
            .where(PeerGroupMember.user_id == person.id)
            .order_by(PeerGroup.name)
        )
    )


def get_group(viewer: User, group_id: int) -> PeerGroup:
    """The group and everything said in it, for its members; nobody else (admins neither)."""
    group = db.session.get(PeerGroup, group_id)
    if group is None or viewer.id not in group.member_ids():
        raise NotFound("There is no such group of yours.")
    return group


def get_meeting(viewer: User, group: PeerGroup, meeting_id: int) -> GroupMeeting:
    meeting = db.session.get(GroupMeeting, meeting_id)
    if meeting is None or meeting.group_id != group.id or viewer.id not in group.member_ids():
        raise NotFound(NO_SUCH_MEETING)
    return meeting


def meetings_of(person: User) -> list[GroupMeeting]:
    """The meetings of every group the person is a member of, the latest first."""
    meetings = [meeting for group in groups_of(person) for meeting in group.meetings]
    return sorted(meetings, key=lambda meeting: (meeting.held_on, meeting.id), reverse=True)


def find_meeting(viewer: User, meeting_id: int) -> GroupMeeting:
    """A meeting known by its id alone, for the members of its group (get_group's rule); to
    anyone else an id in use answers as one never used."""
    meeting = db.session.get(GroupMeeting, meeting_id)
    try:
        group = get_group(viewer, meeting.group_id if meeting else 0)
    except NotFound:
        raise NotFound(NO_SUCH_MEETING) from None
    return get_meeting(viewer, group, meeting_id)


def create_group(actor: User, draft: GroupDraft) -> PeerGroup:
    if not can_form_groups(actor):
        raise NotAllowed("Trainers, managers and admins form peer coaching groups.")
    errors: dict[str, str] = {}
    name = clean_line(draft.name)
    if not name or len(name) > 120:
        errors["name"] = "Give the group a name of up to 120 characters."
    if draft.primary_outcome not in OUTCOMES:
        errors["primary_outcome"] = "Choose the outcome the group is for."
    if draft.facilitation not in FACILITATION:
        errors["facilitation"] = "Choose how the group is facilitated."
    facilitator = clean_line(draft.external_facilitator)
    if draft.facilitation == "external" and not facilitator:
        errors["external_facilitator"] = "Name the external facilitator."
    members = [
        person
        for person in db.session.scalars(select(User).where(User.id.in_(set(draft.member_ids))))
        if person.active
    ]
    if not MIN_MEMBERS <= len(members) <= MAX_MEMBERS:
        errors["members"] = (
            f"A peer coaching group has {MIN_MEMBERS} to {MAX_MEMBERS} members; "
            f"you chose {len(members)}."
        )
    rules = clean_text(draft.ground_rules).strip()
    if not rules:
        errors["ground_rules"] = "Write the ground rules, confidentiality first."
    if errors:
        raise ValidationError(errors)
    group = PeerGroup(
        name=name,
        primary_outcome=draft.primary_outcome,
        facilitation=draft.facilitation,
        external_facilitator=facilitator if draft.facilitation == "external" else "",
        ground_rules=rules[:MAX_TEXT],
        created_by_id=actor.id,
        members=[PeerGroupMember(user=person) for person in members],
    )
    db.session.add(group)
    db.session.flush()
    notify(
        members,
        "peer_group",
        f"You are in the peer coaching group “{name}”",
        "Read and accept its ground rules before the first meeting.",
        f"/groups/{group.id}",
    )
    db.session.commit()
    return group


def accept_rules(member: User, group: PeerGroup) -> None:
    for row in group.members:
        if row.user_id == member.id and row.accepted_rules_at is None:
            row.accepted_rules_at = utcnow()
            db.session.commit()


def actions_to_review(group: PeerGroup) -> list[MeetingAttendance]:
    """The actions members took from earlier meetings that no meeting has reviewed yet."""
    return list(
        db.session.scalars(
            select(MeetingAttendance)
            .join(GroupMeeting, GroupMeeting.id == MeetingAttendance.meeting_id)
            .where(
                GroupMeeting.group_id == group.id,
                MeetingAttendance.action_status == "open",
                MeetingAttendance.action != "",
            )
            .order_by(GroupMeeting.held_on)
        )
    )


def next_meeting_window(group: PeerGroup) -> tuple[date, date] | None:
    if not group.meetings or group.closed_on:
        return None
    last = group.meetings[-1].held_on
    return last + timedelta(days=MEETING_GAP_DAYS[0]), last + timedelta(days=MEETING_GAP_DAYS[1])


def next_facilitator(group: PeerGroup) -> User | None:
    """In a self-facilitated group: the member who facilitated longest ago (or never)."""
    if group.facilitation != "rotating":
        return None
    last_turn = {member.user_id: date.min for member in group.members}
    for meeting in group.meetings:
        if meeting.facilitator_id in last_turn:
            last_turn[meeting.facilitator_id] = meeting.held_on
    by_id = {member.user_id: member.user for member in group.members}
    return by_id[min(last_turn, key=lambda uid: (last_turn[uid], by_id[uid].name))]


def record_meeting(actor: User, group: PeerGroup, draft: MeetingDraft) -> GroupMeeting:
    """Record a meeting, all or nothing: who was there, each present member's priority and
    action and rating, and the review of the actions from before."""
    if actor.id not in group.member_ids():
        raise NotFound("There is no such group of yours.")
    if group.closed_on:
        raise ValidationError({"held_on": "This group held its closing meeting; it has ended."})
    errors: dict[str, str] = {}
    held_on = date_field(draft.held_on, errors, "held_on", missing=DATE_FORMAT_MESSAGE)
    length = draft.length_minutes.strip()
    if not (length.isascii() and length.isdigit()) or not 1 <= int(length) <= MAX_MEETING_MINUTES:
        errors["length_minutes"] = f"A meeting lasts at most {MAX_MEETING_MINUTES} minutes."
    entries = {
        entry.user_id: entry for entry in draft.entries if entry.user_id in group.member_ids()
    }
    present = [uid for uid, entry in entries.items() if entry.present]
    if not present:
        errors["attendance"] = "Mark who was there."
    attendance = []
    for member in group.members:
        entry = entries.get(member.user_id, MemberEntry(member.user_id, present=False))
        row = MeetingAttendance(user_id=member.user_id, present=entry.present)
        if entry.present:
            _fill_present(row, entry, member.user, errors)
        attendance.append(row)
    facilitator_id = None
    if group.facilitation == "rotating":
        facilitator_id = draft.facilitator_id
        if facilitator_id not in present:
            errors["facilitator"] = "Choose who facilitated, from the members present."
    reviews = {}
    for earlier in actions_to_review(group):
        if earlier.user_id not in present:
            continue  # reviewed when its owner is back
        status = draft.reviews.get(earlier.id, "")
        if status not in ("done", "not_done"):
            errors[f"review-{earlier.id}"] = (
                f"Say whether {earlier.user.name}'s action was done: “{earlier.action[:60]}”."
            )
        reviews[earlier] = status
    if errors:
        raise ValidationError(errors)
    meeting = GroupMeeting(
        group=group,
        held_on=held_on,
        length_minutes=int(length),
        facilitator_id=facilitator_id,
        closing=draft.closing,
        attendance=attendance,
    )
    db.session.add(meeting)
    for earlier, status in reviews.items():
        earlier.action_status = status
    if draft.closing:
        group.closed_on = held_on
    db.session.flush()
    notify(
        [member.user for member in group.members if member.user_id != actor.id],
        "peer_group",
        f"A meeting of “{group.name}” was recorded",
        "Only the group's members can read it.",
        f"/groups/{group.id}/meetings/{meeting.id}",
    )
    db.session.commit()
    return meeting


def _fill_present(
    row: MeetingAttendance, entry: MemberEntry, person: User, errors: dict[str, str]
) -> None:
    key = f"member-{entry.user_id}"
    row.priority = clean_text(entry.priority).strip()[:MAX_TEXT]
    row.action = clean_text(entry.action).strip()[:MAX_TEXT]
    row.comment = clean_text(entry.comment).strip()[:MAX_TEXT]
    rating = entry.rating.strip()
    if not row.priority:
        errors[key] = f"{person.name} was there: note the priority they brought."
    elif not row.action:
        errors[key] = f"{person.name} was there: note the one action they chose."
    elif rating not in ("1", "2", "3", "4", "5"):
        errors[key] = f"{person.name} was there: their rating of the meeting, 1 to 5."
    else:
        row.rating = int(rating)


def figures_for(group: PeerGroup) -> GroupFigures:
    """Attendance, ratings and completed actions of one group. Numbers only: this is what
    trainers and admins see, and it never includes what anyone brought or chose."""
    rows = [row for meeting in group.meetings for row in meeting.attendance]
    present = [row for row in rows if row.present]
    ratings = [row.rating for row in present if row.rating is not None]
    reviewed = [row for row in rows if row.action_status in ("done", "not_done")]
    return GroupFigures(
        group=group,
        members=len(group.members),
        meetings=len(group.meetings),
        attendance_rate=len(present) / len(rows) if rows else None,
        average_rating=sum(ratings) / len(ratings) if ratings else None,
        actions_done=sum(1 for row in reviewed if row.action_status == "done"),
        actions_reviewed=len(reviewed),
    )


def program_figures() -> list[GroupFigures]:
    return [
        figures_for(group)
        for group in db.session.scalars(select(PeerGroup).order_by(PeerGroup.name))
    ]
