"""A gap, the people it affects ("me too") and its history."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wiki.auth.models import User
from wiki.extensions import db
from wiki.processes.models import Page, Process
from wiki.rendered import keep_html_of
from wiki.timeutil import utcnow

SOURCES = {
    "page_feedback": "Page feedback",
    "search_miss": "Search miss",
    "escalated_question": "Escalated question",
    "forum_meeting": "Forum meeting",
    "manual": "Logged directly",
}
STATUSES = {
    "open": "Open",
    "planned": "Planned",
    "documented": "Documented",
    "folded": "Folded into a course",
    "closed": "Closed",
    "rejected": "Rejected",
}
# Gaps whose people_affected fits in a PostgreSQL index entry (at most a third of a page, 2,704
# bytes, with room left for the other columns): the report's index covers these. Written out
# whole, not bound, so that the planner can match the report's query to the partial indexes.
SHORT_PEOPLE = "octet_length(people_affected) <= 2000"
# status → the statuses it may move to. Anything else is refused with a message.
TRANSITIONS = {
    "open": ("planned", "documented", "rejected"),
    "planned": ("documented", "folded", "rejected", "open"),
    "documented": ("closed", "planned"),
    "folded": ("closed", "planned"),
    "closed": (),
    "rejected": ("open",),
}


class Gap(db.Model):
    __tablename__ = "gaps"
    __table_args__ = (
        CheckConstraint(
            "status IN ('open', 'planned', 'documented', 'folded', 'closed', 'rejected')",
            name="known_status",
        ),
        Index("ix_gaps_process_id_status", "process_id", "status"),
        # On SQLite, covers the report's grouped query, which then never reads the gaps'
        # text.
        Index(
            "ix_gaps_report",
            "merged_into_id",
            "process_id",
            "created_at",
            "resolved_at",
            "status",
            "source",
            "people_affected",
        ).ddl_if(dialect="sqlite"),
        # On PostgreSQL, the same in process order, so that the report groups as it reads
        # (no hash table spilled to disk, no sort). PostgreSQL refuses an index entry over
        # a third of a page, so the few gaps with a longer people_affected are left to a
        # second, small index that the report reads in a query of their own.
        Index(
            "ix_gaps_report_short",
            "process_id",
            postgresql_include=["created_at", "resolved_at", "status", "source", "people_affected"],
            postgresql_where=text(f"merged_into_id IS NULL AND {SHORT_PEOPLE}"),
        ).ddl_if(dialect="postgresql"),
        Index(
            "ix_gaps_report_long",
            "process_id",
            postgresql_where=text(f"merged_into_id IS NULL AND NOT ({SHORT_PEOPLE})"),
        ).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    # Its sanitised HTML, rendered on first view and kept (wiki.rendered); None: not yet.
    description_html: Mapped[str | None] = mapped_column(Text)
    process_id: Mapped[int] = mapped_column(ForeignKey("processes.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20), default="open")
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Where it came from: the page that did not answer, the search words, the escalated question.
    source_page_id: Mapped[int | None] = mapped_column(ForeignKey("pages.id", ondelete="SET NULL"))
    search_query: Mapped[str] = mapped_column(String(500), default="")
    question_id: Mapped[int | None] = mapped_column(ForeignKey("questions.id", ondelete="SET NULL"))
    forum_meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("forum_meetings.id", ondelete="SET NULL"), index=True
    )
    # Planned: who will fix it, by when.
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    due_on: Mapped[date | None]
    # Documented: the page and revision that answer it.
    documented_page_id: Mapped[int | None] = mapped_column(
        ForeignKey("pages.id", ondelete="SET NULL")
    )
    documented_revision: Mapped[int | None]
    # Folded into a course: the module whose material is to be revised.
    course_module_id: Mapped[int | None] = mapped_column(
        ForeignKey("course_modules.id", ondelete="SET NULL"), index=True
    )
    reject_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    # The ids of the people in `affected`, joined by commas: the report reads them with the
    # gap's other columns from one index instead of joining 100,000 gaps to their people.
    people_affected: Mapped[str] = mapped_column(Text, default="")
    # Merged into another gap: its people and history live on there, and its address leads there.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("gaps.id", ondelete="SET NULL"))

    process: Mapped[Process] = relationship()
    reporter: Mapped[User | None] = relationship(foreign_keys=[reporter_id])
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    source_page: Mapped[Page | None] = relationship(foreign_keys=[source_page_id])
    documented_page: Mapped[Page | None] = relationship(foreign_keys=[documented_page_id])
    course_module: Mapped[CourseModule | None] = relationship()
    # forum_meeting: the meeting it was recorded at, a backref of ForumMeeting.gaps (forums
    # build on gaps, not the other way round).
    affected: Mapped[list[GapAffected]] = relationship(
        back_populates="gap", cascade="all, delete-orphan"
    )
    events: Mapped[list[GapEvent]] = relationship(
        back_populates="gap", order_by="GapEvent.id", cascade="all, delete-orphan"
    )

    def affected_ids(self) -> set[int]:
        return {row.user_id for row in self.affected}

    def add_affected(self, user_id: int, added_at: datetime | None = None) -> None:
        """Count a person among those the gap affects, once, in both places that keep it."""
        if user_id in self.affected_ids():
            return
        self.affected.append(GapAffected(user_id=user_id, added_at=added_at or utcnow()))
        self.people_affected = ",".join(filter(None, (self.people_affected, str(user_id))))


keep_html_of(Gap, "description", "description_html")


class GapAffected(db.Model):
    """A person the gap affects: its reporter, and everyone who said "me too"."""

    __tablename__ = "gap_affected"
    __table_args__ = (UniqueConstraint("gap_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    gap_id: Mapped[int] = mapped_column(ForeignKey("gaps.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    gap: Mapped[Gap] = relationship(back_populates="affected")
    user: Mapped[User] = relationship()


class GapEvent(db.Model):
    """One change in a gap's life, kept for its history."""

    __tablename__ = "gap_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    gap_id: Mapped[int] = mapped_column(ForeignKey("gaps.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # "logged", "me too", or a status change "open → planned"
    what: Mapped[str] = mapped_column(String(100))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    gap: Mapped[Gap] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class GapSubscription(db.Model):
    """A trainer following a process subtree: each gap logged in it is announced to them."""

    __tablename__ = "gap_subscriptions"
    __table_args__ = (UniqueConstraint("user_id", "process_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    process_id: Mapped[int] = mapped_column(
        ForeignKey("processes.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    process: Mapped[Process] = relationship()


class Course(db.Model):
    """A formal training course; its modules map to processes."""

    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    modules: Mapped[list[CourseModule]] = relationship(
        back_populates="course", order_by="CourseModule.position", cascade="all, delete-orphan"
    )


module_processes = db.Table(
    "course_module_processes",
    db.Column("module_id", ForeignKey("course_modules.id", ondelete="CASCADE"), primary_key=True),
    db.Column("process_id", ForeignKey("processes.id", ondelete="CASCADE"), primary_key=True),
)


class CourseModule(db.Model):
    __tablename__ = "course_modules"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=0)

    course: Mapped[Course] = relationship(back_populates="modules")
    processes: Mapped[list[Process]] = relationship(
        secondary=module_processes, order_by="Process.path"
    )
