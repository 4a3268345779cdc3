"""Expertise: the processes a person knows, how well, what to ask them and whether they are free."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wiki.auth.models import User
from wiki.extensions import db
from wiki.processes.models import Process
from wiki.timeutil import utcnow

# In rising order: the index is the level's weight when experts are ranked.
LEVELS = ("learning", "practitioner", "expert", "owner")
LEVEL_LABELS = {
    "learning": "Learning",
    "practitioner": "Practitioner",
    "expert": "Expert",
    "owner": "Owner (can train others)",
}
AVAILABILITIES = ("available", "busy", "away")
AVAILABILITY_LABELS = {"available": "Available", "busy": "Busy", "away": "Away"}


class Expertise(db.Model):
    """One person's declared knowledge of one process."""

    __tablename__ = "expertise"
    __table_args__ = (
        UniqueConstraint("user_id", "process_id"),
        CheckConstraint(
            "level IN ('learning', 'practitioner', 'expert', 'owner')", name="known_level"
        ),
        CheckConstraint("availability IN ('available', 'busy', 'away')", name="known_availability"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    process_id: Mapped[int] = mapped_column(
        ForeignKey("processes.id", ondelete="CASCADE"), index=True
    )
    level: Mapped[str] = mapped_column(String(20))
    ask_me_about: Mapped[str] = mapped_column(Text, default="")
    availability: Mapped[str] = mapped_column(String(20), default="available")
    # Only with availability "away": the first day the person is back.
    away_until: Mapped[date | None]
    # Who declared it: the person, or an admin or manager on their behalf.
    declared_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    person: Mapped[User] = relationship(foreign_keys=[user_id])
    process: Mapped[Process] = relationship()
    declared_by: Mapped[User | None] = relationship(foreign_keys=[declared_by_id])

    @property
    def level_rank(self) -> int:
        return LEVELS.index(self.level)

    def is_away(self, today: date) -> bool:
        return self.availability == "away" and (self.away_until is None or self.away_until > today)


def availability_text(expertise: Expertise, today: date | None = None) -> str:
    """ "Available", "Busy", or "Away until 2026-12-14"; someone whose away date has passed is
    available again."""
    today = today or utcnow().date()
    if expertise.availability == "away":
        if not expertise.is_away(today):
            return AVAILABILITY_LABELS["available"]
        if expertise.away_until:
            return f"Away until {expertise.away_until.isoformat()}"
    return AVAILABILITY_LABELS[expertise.availability]
