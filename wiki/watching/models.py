"""A watch on a page or a process subtree, and each person's feed token for their watch list."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wiki.auth.models import User
from wiki.extensions import db
from wiki.processes.models import Page, Process
from wiki.timeutil import utcnow


class Watch(db.Model):
    """A person watching one page, or one process and everything under it."""

    __tablename__ = "watches"
    __table_args__ = (
        UniqueConstraint("user_id", "page_id"),
        UniqueConstraint("user_id", "process_id"),
        CheckConstraint("(page_id IS NULL) <> (process_id IS NULL)", name="page_or_process"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    page_id: Mapped[int | None] = mapped_column(
        ForeignKey("pages.id", ondelete="CASCADE"), index=True
    )
    process_id: Mapped[int | None] = mapped_column(
        ForeignKey("processes.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()
    page: Mapped[Page | None] = relationship()
    process: Mapped[Process | None] = relationship()


class FeedToken(db.Model):
    """The secret in a person's watch-list feed address (feed readers do not log in); only its
    hash is kept."""

    __tablename__ = "feed_tokens"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
