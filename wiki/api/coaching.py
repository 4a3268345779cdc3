"""API: coaching sessions, peer group meetings and FeedForward, read-only, each to its own
participants alone. Every read goes through the service the screens use (get_session,
get_group, get_request), so anyone else, admins included, is told the record does not exist."""

from __future__ import annotations

from datetime import date

from flask_login import current_user
from pydantic import BaseModel, Field

from wiki.api.blueprint import bp, spec
from wiki.api.pages import PersonRef, person_ref
from wiki.api.schemas import ListQuery, Moment, list_of, listed, one_page, responses
from wiki.coaching import services as coaching
from wiki.coaching.models import CoachingAction, CoachingSession
from wiki.feedforward import services as feedforward
from wiki.feedforward.models import FeedForwardRequest, FeedForwardSuggestion
from wiki.peergroups import services as peergroups
from wiki.peergroups.models import GroupMeeting, MeetingAttendance

ID = "int(max=2147483647)"
TAGS = ["coaching"]


class CoachingOptionOut(BaseModel):
    description: str
    pros: str
    cons: str


class CoachingActionOut(BaseModel):
    id: int
    description: str
    owner: PersonRef | None
    due_on: date | None
    status: str = Field(description="open until the pair's next session: done, changed, dropped")
    review_note: str = Field(description="How and why it changed.")


class CoachingSessionSummary(BaseModel):
    id: int
    held_on: date
    coach: PersonRef
    client: PersonRef
    recorded_by: PersonRef | None
    created_at: Moment


class CoachingSessionOut(CoachingSessionSummary):
    outcome_wanted: str = Field(description="What a good outcome of that day would be.")
    situation: str = Field(description="What had been going on.")
    options: list[CoachingOptionOut]
    actions: list[CoachingActionOut] = Field(description="The action plan.")
    reviewed: list[CoachingActionOut] = Field(description="Earlier actions it reviewed.")


class GroupRef(BaseModel):
    id: int
    name: str


class AttendanceOut(BaseModel):
    member: PersonRef
    present: bool
    priority: str
    action: str
    action_status: str = Field(description="open until a later meeting: done or not_done")
    rating: int | None = Field(description="1 to 5; null when absent.")
    comment: str


class MeetingSummary(BaseModel):
    id: int
    group: GroupRef
    held_on: date
    length_minutes: int
    slot_minutes: int = Field(description="Each member present had this share of the time.")
    facilitator: PersonRef | None
    closing: bool = Field(description="The meeting that ended the series.")
    created_at: Moment


class MeetingOut(MeetingSummary):
    attendance: list[AttendanceOut]


class SuggestionOut(BaseModel):
    id: int
    giver: PersonRef
    text: str
    created_at: Moment
    thanked_at: Moment | None
    note: str | None = Field(description="The requester's own note; null to anyone else.")


class FeedForwardSummary(BaseModel):
    id: int
    requester: PersonRef
    goal: str = Field(description="I want to get better at …")
    asked: list[PersonRef]
    created_at: Moment


class FeedForwardOut(FeedForwardSummary):
    suggestions: list[SuggestionOut] = Field(
        description="Every idea to the requester; a peer's own ideas to that peer."
    )


def _ref(person) -> PersonRef:
    return PersonRef(id=person.id, name=person.name)


def _action_out(action: CoachingAction) -> CoachingActionOut:
    return CoachingActionOut(
        id=action.id, description=action.description, owner=person_ref(action.owner),
        due_on=action.due_on, status=action.status, review_note=action.review_note,
    )  # fmt: skip


def _session_summary(session: CoachingSession) -> CoachingSessionSummary:
    return CoachingSessionSummary(
        id=session.id, held_on=session.held_on, coach=_ref(session.coach),
        client=_ref(session.client), recorded_by=person_ref(session.recorded_by),
        created_at=session.created_at,
    )  # fmt: skip


@bp.get("/coaching/sessions")
@spec.validate(resp=responses(HTTP_200=list_of(CoachingSessionSummary)), tags=TAGS)
def coaching_sessions(query: ListQuery):
    """Your coaching sessions, the latest first."""
    found = one_page(coaching.sessions_of(current_user), query, "coaching-sessions")
    return listed(found, _session_summary)


@bp.get(f"/coaching/sessions/<{ID}:session_id>")
@spec.validate(resp=responses(HTTP_200=CoachingSessionOut), tags=TAGS)
def coaching_session(session_id: int):
    """One of your coaching sessions, all of it: to anyone but its two participants, admins
    included, it does not exist (404)."""
    session = coaching.get_session(current_user, session_id)
    return CoachingSessionOut(
        **_session_summary(session).model_dump(),
        outcome_wanted=session.outcome_wanted,
        situation=session.situation,
        options=[
            CoachingOptionOut(description=option.description, pros=option.pros, cons=option.cons)
            for option in session.options
        ],
        actions=[_action_out(action) for action in session.actions],
        reviewed=[_action_out(action) for action in coaching.reviewed_in(session)],
    )


def _meeting_summary(meeting: GroupMeeting) -> MeetingSummary:
    return MeetingSummary(
        id=meeting.id, group=GroupRef(id=meeting.group.id, name=meeting.group.name),
        held_on=meeting.held_on, length_minutes=meeting.length_minutes,
        slot_minutes=meeting.slot_minutes, facilitator=person_ref(meeting.facilitator),
        closing=meeting.closing, created_at=meeting.created_at,
    )  # fmt: skip


def _attendance_out(row: MeetingAttendance) -> AttendanceOut:
    return AttendanceOut(
        member=_ref(row.user), present=row.present, priority=row.priority, action=row.action,
        action_status=row.action_status, rating=row.rating, comment=row.comment,
    )  # fmt: skip


@bp.get("/peer-groups/meetings")
@spec.validate(resp=responses(HTTP_200=list_of(MeetingSummary)), tags=TAGS)
def group_meetings(query: ListQuery):
    """The meetings of the peer coaching groups you are a member of, the latest first."""
    found = one_page(peergroups.meetings_of(current_user), query, "group-meetings")
    return listed(found, _meeting_summary)


@bp.get(f"/peer-groups/meetings/<{ID}:meeting_id>")
@spec.validate(resp=responses(HTTP_200=MeetingOut), tags=TAGS)
def group_meeting(meeting_id: int):
    """A meeting of your group: who was there, what each brought and chose, their ratings. To
    anyone but the group's members, admins included, it does not exist (404)."""
    meeting = peergroups.find_meeting(current_user, meeting_id)
    attendance = sorted(meeting.attendance, key=lambda row: row.user.name)
    return MeetingOut(
        **_meeting_summary(meeting).model_dump(),
        attendance=[_attendance_out(row) for row in attendance],
    )


def _request_summary(found: FeedForwardRequest) -> FeedForwardSummary:
    asked = sorted((row.user for row in found.asked), key=lambda person: person.name)
    return FeedForwardSummary(
        id=found.id, requester=_ref(found.requester), goal=found.goal,
        asked=[_ref(person) for person in asked], created_at=found.created_at,
    )  # fmt: skip


def _suggestion_out(suggestion: FeedForwardSuggestion, requester: bool) -> SuggestionOut:
    return SuggestionOut(
        id=suggestion.id, giver=_ref(suggestion.giver), text=suggestion.text,
        created_at=suggestion.created_at, thanked_at=suggestion.thanked_at,
        note=suggestion.note if requester else None,
    )  # fmt: skip


@bp.get("/feedforward/requests")
@spec.validate(resp=responses(HTTP_200=list_of(FeedForwardSummary)), tags=TAGS)
def feedforward_requests(query: ListQuery):
    """Your FeedForward requests and those you were asked for, the newest first."""
    found = one_page(feedforward.requests_involving(current_user), query, "feedforward")
    return listed(found, _request_summary)


@bp.get(f"/feedforward/requests/<{ID}:request_id>")
@spec.validate(resp=responses(HTTP_200=FeedForwardOut), tags=TAGS)
def feedforward_request(request_id: int):
    """A request you made or were asked for, with the ideas you may read. To anyone but its
    requester and the peers asked, admins included, it does not exist (404)."""
    found = feedforward.get_request(current_user, request_id)
    requester = found.requester_id == current_user.id
    return FeedForwardOut(
        **_request_summary(found).model_dump(),
        suggestions=[
            _suggestion_out(suggestion, requester)
            for suggestion in feedforward.visible_suggestions(current_user, found)
        ],
    )
