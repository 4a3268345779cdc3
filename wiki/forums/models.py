"""A user-group forum for one process area, its members, and its meetings: date, attendees,
minutes, and the gaps recorded there (Gap.forum_meeting_id)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from wiki.auth.models import User
from wiki.extensions import db
from wiki.gaps.models import Gap
from wiki.processes.models import Process
from wiki.rendered import keep_html_of
from wiki.timeutil import utcnow


class Forum(db.Model):
    __tablename__ = "forums"

    id: Mapped[int] = mapped_column(primary_key=True)
    # One forum per process area: the area is the process and everything under it.
    process_id: Mapped[int] = mapped_column(
        ForeignKey("processes.id", ondelete="CASCADE"), unique=True
    )
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    # Its sanitised HTML, rendered on first view and kept (wiki.rendered); None: not yet.
    description_html: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    process: Mapped[Process] = relationship()
    members: Mapped[list[ForumMember]] = relationship(
        back_populates="forum", cascade="all, delete-orphan"
    )
    meetings: Mapped[list[ForumMeeting]] = relationship(
        back_populates="forum",
        order_by="ForumMeeting.held_on.desc()",
        cascade="all, delete-orphan",
    )

    def member_ids(self) -> set[int]:
        return {member.user_id for member in self.members}


keep_html_of(Forum, "description", "description_html")


class ForumMember(db.Model):
    __tablename__ = "forum_members"
    __table_args__ = (UniqueConstraint("forum_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)

    forum: Mapped[Forum] = relationship(back_populates="members")
    user: Mapped[User] = relationship()


meeting_attendees = db.Table(
    "forum_meeting_attendees",
    db.Column("meeting_id", ForeignKey("forum_meetings.id", ondelete="CASCADE"), primary_key=True),
    db.Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class ForumMeeting(db.Model):
    __tablename__ = "forum_meetings"
    __table_args__ = (UniqueConstraint("forum_id", "held_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"), index=True)
    held_on: Mapped[date]
    minutes: Mapped[str] = mapped_column(Text, default="")
    # Its sanitised HTML, rendered on first view and kept (wiki.rendered); None: not yet.
    minutes_html: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    forum: Mapped[Forum] = relationship(back_populates="meetings")
    recorded_by: Mapped[User | None] = relationship()
    attendees: Mapped[list[User]] = relationship(secondary=meeting_attendees, order_by="User.name")
    gaps: Mapped[list[Gap]] = relationship(
        order_by="Gap.id", viewonly=True, backref=backref("forum_meeting", viewonly=True)
    )


keep_html_of(ForumMeeting, "minutes", "minutes_html")
