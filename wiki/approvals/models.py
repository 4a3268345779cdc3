"""A process under control (its approvers) and a change request: a proposed text of a page
waiting for someone else's approval."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wiki.auth.models import User
from wiki.extensions import db
from wiki.processes.models import Page, Process
from wiki.processes.paths import join_path, slugify
from wiki.timeutil import utcnow

# A request waits (open), went back to its author (changes_asked), or was decided.
OPEN, CHANGES_ASKED, APPROVED, REJECTED = "open", "changes_asked", "approved", "rejected"
STATES = (OPEN, CHANGES_ASKED, APPROVED, REJECTED)
STATE_LABELS = {
    OPEN: "Waiting for approval",
    CHANGES_ASKED: "Changes asked",
    APPROVED: "Approved",
    REJECTED: "Rejected",
}
# Why the edit needs approval: its page is in a controlled process, or its author may only
# suggest edits (a newcomer in their first days, when WIKI_SUGGEST_EDITS_DAYS is set).
CONTROLLED, SUGGESTION = "controlled", "suggestion"
MAX_COMMENT = 2_000


class ProcessControl(db.Model):
    """A process whose pages, and those of its subtree, change only once approved; the
    nearest controlled ancestor of a page's process governs it."""

    __tablename__ = "process_controls"
    __table_args__ = (
        CheckConstraint(
            "expert_level IS NULL OR expert_level IN ('practitioner', 'expert', 'owner')",
            name="known_expert_level",
        ),
    )

    process_id: Mapped[int] = mapped_column(
        ForeignKey("processes.id", ondelete="CASCADE"), primary_key=True
    )
    # Besides the named approvers: whoever declared this level or higher for the process
    # (or a process between it and the page); None: named approvers only.
    expert_level: Mapped[str | None] = mapped_column(String(20))
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    set_at: Mapped[datetime] = mapped_column(default=utcnow)

    process: Mapped[Process] = relationship()
    approvers: Mapped[list[User]] = relationship(
        secondary="process_approvers", order_by="User.name"
    )


class ProcessApprover(db.Model):
    __tablename__ = "process_approvers"

    process_id: Mapped[int] = mapped_column(
        ForeignKey("process_controls.process_id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class ChangeRequest(db.Model):
    """An edit of a page, or a new page (no page yet: its process instead), held back until
    someone other than its author approves it."""

    __tablename__ = "change_requests"
    __table_args__ = (
        Index("ix_change_requests_page_id_state", "page_id", "state"),
        CheckConstraint(
            "state IN ('open', 'changes_asked', 'approved', 'rejected')", name="known_state"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int | None] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"))
    # A new page's process, until approval creates the page (page_id is set then).
    process_id: Mapped[int | None] = mapped_column(
        ForeignKey("processes.id", ondelete="CASCADE"), index=True
    )
    # The question a new page was made from: the page credits it once approved.
    question_id: Mapped[int | None] = mapped_column(ForeignKey("questions.id", ondelete="SET NULL"))
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20), default=CONTROLLED)
    # The revision the author started from: approval saves from it, so a page changed since
    # goes through the conflict handling of any edit (0 for a new page).
    base_revision: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(String(300), default="")
    state: Mapped[str] = mapped_column(String(20), default=OPEN)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # What the approver said when asking for changes or rejecting.
    comment: Mapped[str] = mapped_column(Text, default="")
    # The page's revision an approval made (None when the text was already the page's).
    revision_number: Mapped[int | None]

    page: Mapped[Page | None] = relationship()
    new_in: Mapped[Process | None] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def is_new_page(self) -> bool:
        """Asks for a page that does not exist yet (or that its approval created)."""
        return self.process_id is not None

    @property
    def process(self) -> Process:
        return self.new_in if self.new_in is not None else self.page.process

    @property
    def subject(self) -> str:
        """The page's title, or the proposed one of a page not created yet."""
        return self.page.title if self.page is not None else self.title

    @property
    def subject_path(self) -> str:
        """The page's path, or where the new page would be."""
        if self.page is not None:
            return self.page.path
        return join_path(self.new_in.path, slugify(self.title))

    @property
    def waiting(self) -> bool:
        return self.state in (OPEN, CHANGES_ASKED)

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]
