"""A coaching session between two people, its options and its actions. Only the two may read
any of it (see access.py)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wiki.auth.models import User
from wiki.extensions import db
from wiki.timeutil import utcnow

# How an action of one session was found at the next one.
ACTION_STATES = ("open", "done", "changed", "dropped")
REVIEW_LABELS = {"done": "Done", "changed": "Changed", "dropped": "Dropped"}


class CoachingSession(db.Model):
    __tablename__ = "coaching_sessions"
    __table_args__ = (
        CheckConstraint("coach_id <> client_id", name="two_people"),
        # The pair in a fixed order, whoever coached: the previous session of a pair is one
        # indexed lookup.
        Index("ix_coaching_sessions_pair", "first_person_id", "second_person_id", "held_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    coach_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    client_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    first_person_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    second_person_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    held_on: Mapped[date]
    # "What would a good outcome of today be?"
    outcome_wanted: Mapped[str] = mapped_column(Text, default="")
    # "What has been going on?"
    situation: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # None while the other person has not accepted a first session of the pair: nothing is
    # recorded against someone who never agreed to be coached (or to coach) by the recorder.
    accepted_at: Mapped[datetime | None]

    coach: Mapped[User] = relationship(foreign_keys=[coach_id])
    client: Mapped[User] = relationship(foreign_keys=[client_id])
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])
    options: Mapped[list[CoachingOption]] = relationship(
        back_populates="session", order_by="CoachingOption.position", cascade="all, delete-orphan"
    )
    actions: Mapped[list[CoachingAction]] = relationship(
        back_populates="session",
        order_by="CoachingAction.position",
        cascade="all, delete-orphan",
        foreign_keys="CoachingAction.session_id",
    )

    def participant_ids(self) -> tuple[int, int]:
        return (self.coach_id, self.client_id)

    def partner_of(self, person: User) -> User:
        return self.client if person.id == self.coach_id else self.coach

    @property
    def is_accepted(self) -> bool:
        return self.accepted_at is not None

    def awaits(self, person: User) -> bool:
        """Whether this session waits for `person` to accept or decline it."""
        return not self.is_accepted and person.id != self.recorded_by_id


class CoachingOption(db.Model):
    __tablename__ = "coaching_options"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("coaching_sessions.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    description: Mapped[str] = mapped_column(Text)
    pros: Mapped[str] = mapped_column(Text, default="")
    cons: Mapped[str] = mapped_column(Text, default="")

    session: Mapped[CoachingSession] = relationship(back_populates="options")


class CoachingAction(db.Model):
    """One action of a session's plan, with its owner and date; reviewed at the pair's next
    session: done, changed (with the reason) or dropped."""

    __tablename__ = "coaching_actions"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'done', 'changed', 'dropped')", name="known_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("coaching_sessions.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    description: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    due_on: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(20), default="open")
    review_note: Mapped[str] = mapped_column(Text, default="")
    reviewed_in_id: Mapped[int | None] = mapped_column(
        ForeignKey("coaching_sessions.id", ondelete="SET NULL"), index=True
    )

    session: Mapped[CoachingSession] = relationship(
        back_populates="actions", foreign_keys=[session_id]
    )
    owner: Mapped[User | None] = relationship()
