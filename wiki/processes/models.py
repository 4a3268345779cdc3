"""Processes, pages, revisions, tags, links, templates and redirects from old paths."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wiki.auth.models import User
from wiki.extensions import db
from wiki.rendered import keep_html_of
from wiki.timeutil import utcnow


class Process(db.Model):
    """A node of the business-process tree, addressed by its slug path."""

    __tablename__ = "processes"
    __table_args__ = (UniqueConstraint("parent_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("processes.id"), index=True)
    slug: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    # Its sanitised HTML, rendered on first view and kept (wiki.rendered); None: not yet.
    description_html: Mapped[str | None] = mapped_column(Text)
    # The slug path from the root ("procure-to-pay/invoice-processing"), kept in step with
    # renames and moves so that a URL resolves in one indexed lookup.
    path: Mapped[str] = mapped_column(String(1000), unique=True)
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    parent: Mapped[Process | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Process]] = relationship(
        back_populates="parent", order_by="(Process.position, Process.name)"
    )
    pages: Mapped[list[Page]] = relationship(back_populates="process", order_by="Page.title")

    @property
    def depth(self) -> int:
        return self.path.count("/")

    def ancestors(self) -> list[Process]:
        """From the root down to this process's parent."""
        chain: list[Process] = []
        node = self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return list(reversed(chain))


keep_html_of(Process, "description", "description_html", links=True)


class Page(db.Model):
    """A document in one process; its text lives in its revisions."""

    __tablename__ = "pages"
    __table_args__ = (UniqueConstraint("process_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(ForeignKey("processes.id"), index=True)
    slug: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200))
    # process.path + "/" + slug, kept in step like Process.path.
    path: Mapped[str] = mapped_column(String(1200), unique=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    review_interval_days: Mapped[int] = mapped_column(default=180)
    last_reviewed_at: Mapped[datetime | None]
    # The number of the newest revision: what an editor's base revision is compared with.
    latest_revision: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    process: Mapped[Process] = relationship(back_populates="pages")
    owner: Mapped[User | None] = relationship()
    tag_rows: Mapped[list[PageTag]] = relationship(
        cascade="all, delete-orphan", order_by="PageTag.tag"
    )
    revisions: Mapped[list[Revision]] = relationship(
        back_populates="page", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def tags(self) -> list[str]:
        return [row.tag for row in self.tag_rows]

    @property
    def review_due_at(self) -> datetime:
        return (self.last_reviewed_at or self.created_at) + timedelta(
            days=self.review_interval_days
        )

    def is_review_overdue(self, now: datetime | None = None) -> bool:
        return self.review_due_at < (now or utcnow())


class Revision(db.Model):
    """One saved state of a page. Revisions are only ever appended."""

    __tablename__ = "revisions"
    __table_args__ = (
        UniqueConstraint("page_id", "number"),
        Index("ix_revisions_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"))
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(String(300), default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # Who approved it, when the page needed a second person's approval (wiki.approvals).
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    content_hash: Mapped[str] = mapped_column(String(64))
    # Rendered and sanitised HTML, filled on first view; cleared when a wiki link it contains
    # starts or stops resolving.
    html: Mapped[str | None] = mapped_column(Text)

    page: Mapped[Page] = relationship(back_populates="revisions")
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])


class PageReview(db.Model):
    """Someone read a page and confirmed it is still right: evidence of what they know."""

    __tablename__ = "page_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    reviewed_at: Mapped[datetime] = mapped_column(default=utcnow)


class PageTag(db.Model):
    __tablename__ = "page_tags"

    page_id: Mapped[int] = mapped_column(
        ForeignKey("pages.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(50), primary_key=True, index=True)


class PageLink(db.Model):
    """A wiki link from a page's newest revision to a path, which may not exist (yet)."""

    __tablename__ = "page_links"

    source_page_id: Mapped[int] = mapped_column(
        ForeignKey("pages.id", ondelete="CASCADE"), primary_key=True
    )
    target_path: Mapped[str] = mapped_column(String(1200), primary_key=True, index=True)


class PageTemplate(db.Model):
    """A markdown skeleton to start a new page from, offered in its process and below."""

    __tablename__ = "page_templates"
    __table_args__ = (UniqueConstraint("process_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(ForeignKey("processes.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text, default="")

    process: Mapped[Process] = relationship()


class PathRedirect(db.Model):
    """An old path of a renamed or moved page or process, so that old URLs keep working."""

    __tablename__ = "path_redirects"

    old_path: Mapped[str] = mapped_column(String(1200), primary_key=True)
    page_id: Mapped[int | None] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"))
    process_id: Mapped[int | None] = mapped_column(ForeignKey("processes.id", ondelete="CASCADE"))


class EditDraft(db.Model):
    """Unsaved editor text of one person for one page (or for a new page in a process): kept
    so that a closed tab loses nothing. Private to its author, never indexed, and expired by
    `wiki tick` after WIKI_DRAFT_DAYS."""

    __tablename__ = "edit_drafts"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # "page:<id>" or "new:<process id>": one draft per person per page (or new page), and a
    # unique key that NULLs cannot slip through on either database.
    key: Mapped[str] = mapped_column(String(40))
    # An edit of a page names the page; a new page names its process (and no page).
    page_id: Mapped[int | None] = mapped_column(
        ForeignKey("pages.id", ondelete="CASCADE"), index=True
    )
    process_id: Mapped[int | None] = mapped_column(
        ForeignKey("processes.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    # The revision the editor started from: restoring it keeps that base, so a page saved by
    # someone else since goes through the conflict screen.
    base_revision: Mapped[int | None]
    saved_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
