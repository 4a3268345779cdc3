"""A comment on a page: a thread's first comment or a reply to one, maybe quoting a passage."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wiki.auth.models import User
from wiki.extensions import db
from wiki.processes.models import Page
from wiki.rendered import keep_html_of
from wiki.timeutil import utcnow

MAX_BODY = 10_000
MAX_QUOTE = 1_000


class Comment(db.Model):
    __tablename__ = "comments"
    __table_args__ = (Index("ix_comments_page_id_created_at", "page_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"))
    # None: the thread's first comment; else the first comment this one replies to (threads
    # are one level deep: a reply to a reply joins the same thread).
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    body: Mapped[str] = mapped_column(Text)
    # Its sanitised HTML, rendered on first view and kept (wiki.rendered); None: not yet.
    body_html: Mapped[str | None] = mapped_column(Text)
    # The passage of the page the thread is about, as the reader selected it ("" for none).
    quote: Mapped[str] = mapped_column(String(MAX_QUOTE), default="")
    # The page's revision when the thread began: its quote was in that text.
    revision_number: Mapped[int] = mapped_column(default=1)
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    page: Mapped[Page] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])
    replies: Mapped[list[Comment]] = relationship(
        order_by="Comment.created_at, Comment.id",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    @property
    def resolved(self) -> bool:
        return self.resolved_at is not None


keep_html_of(Comment, "body", "body_html", links=True)
