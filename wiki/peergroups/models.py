"""A peer coaching group, its members and their meetings. What is said in a meeting is for the
members alone; trainers and admins see aggregates only (see services.py)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wiki.auth.models import User
from wiki.extensions import db
from wiki.timeutil import utcnow

MIN_MEMBERS, MAX_MEMBERS = 5, 7
MAX_MEETING_MINUTES = 120
MEETING_GAP_DAYS = (21, 28)  # every three to four weeks

OUTCOMES = {
    "coaching_culture": "Coaching culture",
    "core_coaching_skills": "Core coaching skills",
    "leadership_development": "Leadership development",
    "management_development": "Management development",
    "deep_networking": "Deep networking",
    "problem_solving": "Problem solving",
    "supervisory_development": "Supervisory development",
    "support": "Support",
    "team_building": "Team building",
    "transfer_of_training": "Transfer of training",
}
FACILITATION = {
    "external": "An external facilitator",
    "rotating": "Self-facilitated, a different member each meeting",
}
DEFAULT_GROUND_RULES = """1. Confidentiality: what is said in the group stays in the group.
2. Everyone gets the same time; the timekeeper keeps it.
3. We offer questions and ideas, not verdicts.
4. Each of us leaves with one action we chose ourselves.
5. We come, on time; if we cannot, we say so beforehand."""


class PeerGroup(db.Model):
    __tablename__ = "peer_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    primary_outcome: Mapped[str] = mapped_column(String(40))
    facilitation: Mapped[str] = mapped_column(String(20))
    external_facilitator: Mapped[str] = mapped_column(String(120), default="")
    ground_rules: Mapped[str] = mapped_column(Text, default=DEFAULT_GROUND_RULES)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set by the closing meeting: the series has ended.
    closed_on: Mapped[date | None]

    members: Mapped[list[PeerGroupMember]] = relationship(
        back_populates="group", cascade="all, delete-orphan"
    )
    meetings: Mapped[list[GroupMeeting]] = relationship(
        back_populates="group", order_by="GroupMeeting.held_on", cascade="all, delete-orphan"
    )

    def member_ids(self) -> set[int]:
        return {member.user_id for member in self.members}


class PeerGroupMember(db.Model):
    __tablename__ = "peer_group_members"
    __table_args__ = (UniqueConstraint("group_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("peer_groups.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    accepted_rules_at: Mapped[datetime | None]

    group: Mapped[PeerGroup] = relationship(back_populates="members")
    user: Mapped[User] = relationship()


class GroupMeeting(db.Model):
    __tablename__ = "group_meetings"
    __table_args__ = (
        CheckConstraint("length_minutes BETWEEN 1 AND 120", name="at_most_two_hours"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("peer_groups.id", ondelete="CASCADE"), index=True
    )
    held_on: Mapped[date]
    length_minutes: Mapped[int]
    facilitator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    closing: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    group: Mapped[PeerGroup] = relationship(back_populates="meetings")
    facilitator: Mapped[User | None] = relationship()
    attendance: Mapped[list[MeetingAttendance]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan"
    )

    @property
    def present(self) -> list[MeetingAttendance]:
        return [row for row in self.attendance if row.present]

    @property
    def slot_minutes(self) -> int:
        """Each member present gets the same share of the meeting."""
        return self.length_minutes // len(self.present) if self.present else 0


class MeetingAttendance(db.Model):
    """One member at one meeting: present or not, their priority, the action they chose, how
    that action went (reviewed at the next meeting), and their rating of the meeting."""

    __tablename__ = "meeting_attendance"
    __table_args__ = (
        UniqueConstraint("meeting_id", "user_id"),
        CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5", name="rating_one_to_five"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("group_meetings.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    present: Mapped[bool] = mapped_column(default=True)
    priority: Mapped[str] = mapped_column(Text, default="")
    action: Mapped[str] = mapped_column(Text, default="")
    # "open" until the next meeting reviews it: "done" or "not_done".
    action_status: Mapped[str] = mapped_column(String(20), default="open")
    rating: Mapped[int | None]
    comment: Mapped[str] = mapped_column(Text, default="")

    meeting: Mapped[GroupMeeting] = relationship(back_populates="attendance")
    user: Mapped[User] = relationship()
