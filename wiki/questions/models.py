"""Questions, the experts they are routed to, their thread of posts, and escalations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wiki.auth.models import User
from wiki.extensions import db
from wiki.processes.models import Page, Process
from wiki.rendered import keep_html_of
from wiki.timeutil import utcnow

# Where a question was asked from, as the gaps issue counts sources.
ORIGINS = ("process", "page", "search-miss", "chat", "assistant")


class Question(db.Model):
    __tablename__ = "questions"
    __table_args__ = (Index("ix_questions_created_at", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    asker_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    process_id: Mapped[int] = mapped_column(ForeignKey("processes.id"), index=True)
    # The page it was asked from, if any.
    page_id: Mapped[int | None] = mapped_column(
        ForeignKey("pages.id", ondelete="SET NULL"), index=True
    )
    origin: Mapped[str] = mapped_column(String(20), default="process")
    title: Mapped[str] = mapped_column(String(200))
    # Markdown as written; sanitised whenever it is rendered.
    body: Mapped[str] = mapped_column(Text, default="")
    # Its sanitised HTML, rendered on first view and kept (wiki.rendered); None: not yet.
    body_html: Mapped[str | None] = mapped_column(Text)
    # Private: only the asker, the chosen experts and admins can see it.
    private: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set by the first answer from someone other than the asker.
    first_answered_at: Mapped[datetime | None]
    # Set when the asker marks it answered.
    answered_at: Mapped[datetime | None]
    last_activity_at: Mapped[datetime] = mapped_column(default=utcnow)
    # How many reminders the experts have had (one per period of N days without an answer).
    reminders_sent: Mapped[int] = mapped_column(default=0)
    escalated_at: Mapped[datetime | None]
    # A private question's exchange goes into the wiki only once its asker allowed it (asked
    # by one of its experts), since every member reads pages.
    publication_asked_at: Mapped[datetime | None]
    publication_allowed_at: Mapped[datetime | None]

    asker: Mapped[User] = relationship(foreign_keys=[asker_id])
    process: Mapped[Process] = relationship()
    page: Mapped[Page | None] = relationship()
    routes: Mapped[list[QuestionExpert]] = relationship(
        back_populates="question", cascade="all, delete-orphan", order_by="QuestionExpert.id"
    )
    posts: Mapped[list[QuestionPost]] = relationship(
        back_populates="question",
        cascade="all, delete-orphan",
        order_by="QuestionPost.id",
    )

    @property
    def experts(self) -> list[User]:
        return [route.expert for route in self.routes]

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None


keep_html_of(Question, "body", "body_html", links=True)


class QuestionExpert(db.Model):
    """A question routed to one expert the asker picked."""

    __tablename__ = "question_experts"
    __table_args__ = (UniqueConstraint("question_id", "expert_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    expert_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    question: Mapped[Question] = relationship(back_populates="routes")
    expert: Mapped[User] = relationship()


class QuestionPost(db.Model):
    """One message of a question's thread: an answer, or a follow-up from the asker."""

    __tablename__ = "question_posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    # Its sanitised HTML, rendered on first view and kept (wiki.rendered); None: not yet.
    body_html: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    question: Mapped[Question] = relationship(back_populates="posts")
    author: Mapped[User] = relationship()

    @property
    def is_answer(self) -> bool:
        """Posts by anyone but the asker answer; the asker's own posts follow up."""
        return self.author_id != self.question.asker_id


keep_html_of(QuestionPost, "body", "body_html", links=True)


class QuestionDocumented(db.Model):
    """A page revision that an exchange was turned into, so the question links to it."""

    __tablename__ = "question_pages"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE"), index=True
    )
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"), index=True)
    revision_number: Mapped[int]
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    page: Mapped[Page] = relationship()
    author: Mapped[User | None] = relationship()


class QuestionEscalation(db.Model):
    """A question left unanswered for M days: the record the gaps issue turns into a gap.

    `gap_id` stays empty until the gap log exists and picks the record up.
    """

    __tablename__ = "question_escalations"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE"), unique=True
    )
    process_id: Mapped[int] = mapped_column(ForeignKey("processes.id"), index=True)
    buddy_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    gap_id: Mapped[int | None]

    question: Mapped[Question] = relationship()
    buddy: Mapped[User | None] = relationship()
