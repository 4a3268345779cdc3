"""Buddy assignments, onboarding plans (templates and each newcomer's items), the pages a
newcomer has read, and introductions to experts."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wiki.auth.models import User
from wiki.extensions import db
from wiki.processes.models import Page, Process
from wiki.timeutil import utcnow
from wiki.versioning import personal

DEFAULT_ASSIGNMENT_DAYS = 90

# What a plan item asks of the newcomer.
ITEM_KINDS = ("read_page", "learn_process", "meet_expert", "custom")
ITEM_KIND_LABELS = {
    "read_page": "Read a page",
    "learn_process": "Learn a process (its pages)",
    "meet_expert": "Meet an expert",
    "custom": "Task",
}
KIND_CHECK = "kind IN ('read_page', 'learn_process', 'meet_expert', 'custom')"


class BuddyAssignment(db.Model):
    """A newcomer's buddy from one date to another. A newcomer has one at a time: a new
    assignment ends the running one the day before it starts, and the old one stays on record."""

    __tablename__ = "buddy_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    newcomer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    buddy_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    newcomer: Mapped[User] = relationship(foreign_keys=[newcomer_id])
    buddy: Mapped[User] = relationship(foreign_keys=[buddy_id])
    assigned_by: Mapped[User | None] = relationship(foreign_keys=[assigned_by_id])

    @hybrid_method
    def runs_on(self, day: date):
        """Whether the assignment runs on `day`: on an instance a bool, on the class a
        where-clause."""
        return (self.starts_on <= day) & (self.ends_on >= day)


class PlanTemplate(db.Model):
    """An onboarding plan for a role or team, applied when a buddy is assigned."""

    __tablename__ = "plan_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    # Whom it is for, in words: "Accounts payable analysts".
    audience: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    items: Mapped[list[PlanTemplateItem]] = relationship(
        back_populates="template",
        order_by="(PlanTemplateItem.due_day, PlanTemplateItem.id)",
        cascade="all, delete-orphan",
    )


class PlanTemplateItem(db.Model):
    __tablename__ = "plan_template_items"
    __table_args__ = (CheckConstraint(KIND_CHECK, name="known_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(
        ForeignKey("plan_templates.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    # Days after the newcomer's start: 2 is "day 3", 7 is "week 2".
    due_day: Mapped[int] = mapped_column(default=0)
    page_id: Mapped[int | None] = mapped_column(ForeignKey("pages.id", ondelete="SET NULL"))
    process_id: Mapped[int | None] = mapped_column(ForeignKey("processes.id", ondelete="SET NULL"))

    template: Mapped[PlanTemplate] = relationship(back_populates="items")
    page: Mapped[Page | None] = relationship()
    process: Mapped[Process | None] = relationship()


@personal  # shown to the newcomer and their buddy, read on every request
class PlanItem(db.Model):
    """One thing on one newcomer's plan, with its due date and when it was done."""

    __tablename__ = "plan_items"
    __table_args__ = (CheckConstraint(KIND_CHECK, name="known_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    newcomer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date]
    page_id: Mapped[int | None] = mapped_column(ForeignKey("pages.id", ondelete="SET NULL"))
    process_id: Mapped[int | None] = mapped_column(ForeignKey("processes.id", ondelete="SET NULL"))
    done_at: Mapped[datetime | None]
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Set when the item came from a template, so applying it twice adds nothing twice.
    template_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("plan_template_items.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    newcomer: Mapped[User] = relationship(foreign_keys=[newcomer_id])
    done_by: Mapped[User | None] = relationship(foreign_keys=[done_by_id])
    page: Mapped[Page | None] = relationship()
    process: Mapped[Process | None] = relationship()

    @property
    def is_done(self) -> bool:
        return self.done_at is not None

    def is_overdue(self, today: date) -> bool:
        return not self.is_done and self.due_on < today


@personal
class PageRead(db.Model):
    """The first time a newcomer opened a page: it ticks plan items that ask to read it."""

    __tablename__ = "page_reads"
    __table_args__ = (UniqueConstraint("user_id", "page_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"), index=True)
    first_read_at: Mapped[datetime] = mapped_column(default=utcnow)


class Introduction(db.Model):
    """A buddy introduces the newcomer to an expert for a process; the newcomer marks it met."""

    __tablename__ = "introductions"

    id: Mapped[int] = mapped_column(primary_key=True)
    newcomer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    process_id: Mapped[int] = mapped_column(ForeignKey("processes.id", ondelete="CASCADE"))
    introduced_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    met_at: Mapped[datetime | None]

    newcomer: Mapped[User] = relationship(foreign_keys=[newcomer_id])
    expert: Mapped[User] = relationship(foreign_keys=[expert_id])
    introduced_by: Mapped[User | None] = relationship(foreign_keys=[introduced_by_id])
    process: Mapped[Process] = relationship()
