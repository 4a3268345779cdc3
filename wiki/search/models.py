"""Search misses: searches that found nothing, and results someone said did not help."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wiki.auth.models import User
from wiki.extensions import db
from wiki.processes.models import Process
from wiki.timeutil import utcnow

NO_RESULTS = "no results"
NOT_HELPFUL = "not helpful"


class SearchMiss(db.Model):
    __tablename__ = "search_misses"
    __table_args__ = (Index("ix_search_misses_created_at", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    query: Mapped[str] = mapped_column(String(500))
    # Lower case with single spaces, so that "Month end" and "month  END" count as one miss.
    normalized: Mapped[str] = mapped_column(String(500), index=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    process_id: Mapped[int | None] = mapped_column(
        ForeignKey("processes.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    result_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User | None] = relationship()
    process: Mapped[Process | None] = relationship()
