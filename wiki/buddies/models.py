"""Buddy assignments: a newcomer, their buddy and the dates the assignment runs."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wiki.auth.models import User
from wiki.extensions import db
from wiki.timeutil import utcnow


class BuddyAssignment(db.Model):
    __tablename__ = "buddy_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    newcomer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    buddy_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    newcomer: Mapped[User] = relationship(foreign_keys=[newcomer_id])
    buddy: Mapped[User] = relationship(foreign_keys=[buddy_id])
