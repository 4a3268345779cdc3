"""A FeedForward request, the peers asked, and their suggestions with the requester's notes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wiki.auth.models import User
from wiki.extensions import db
from wiki.timeutil import utcnow


class FeedForwardRequest(db.Model):
    __tablename__ = "feedforward_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    requester_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    # "I want to get better at ___": what fills the blank.
    goal: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    requester: Mapped[User] = relationship()
    asked: Mapped[list[FeedForwardAsk]] = relationship(
        back_populates="request", cascade="all, delete-orphan"
    )
    suggestions: Mapped[list[FeedForwardSuggestion]] = relationship(
        back_populates="request",
        order_by="FeedForwardSuggestion.created_at",
        cascade="all, delete-orphan",
    )

    def asked_ids(self) -> set[int]:
        return {row.user_id for row in self.asked}


class FeedForwardAsk(db.Model):
    __tablename__ = "feedforward_asks"
    __table_args__ = (UniqueConstraint("request_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("feedforward_requests.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)

    request: Mapped[FeedForwardRequest] = relationship(back_populates="asked")
    user: Mapped[User] = relationship()


class FeedForwardSuggestion(db.Model):
    __tablename__ = "feedforward_suggestions"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("feedforward_requests.id", ondelete="CASCADE"), index=True
    )
    giver_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The requester's own note on the idea ("trying it on Monday").
    note: Mapped[str] = mapped_column(Text, default="")
    thanked_at: Mapped[datetime | None]

    request: Mapped[FeedForwardRequest] = relationship(back_populates="suggestions")
    giver: Mapped[User] = relationship()
