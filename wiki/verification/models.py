"""A page's verification (who vouches for it, until when) and the record of each step."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wiki.auth.models import User
from wiki.extensions import db
from wiki.gaps.models import CourseModule
from wiki.processes.models import Page
from wiki.timeutil import utcnow

# What a step of a page's verification was, as its history says it.
STEPS = {
    "verified": "verified",
    "changed": "changed materially: review due",
    "expired": "verification expired",
    "passed": "verification passed to the backup verifier",
}


class PageTrust(db.Model):
    """The current verification of a page, one row a page once it was ever verified."""

    __tablename__ = "page_trust"

    page_id: Mapped[int] = mapped_column(
        ForeignKey("pages.id", ondelete="CASCADE"), primary_key=True
    )
    verifier_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    verified_at: Mapped[datetime]
    verified_until: Mapped[datetime] = mapped_column(index=True)
    verified_revision: Mapped[int]
    # Set when the page changed materially after it was verified: review due from then.
    changed_at: Mapped[datetime | None]
    # Set when the expiry was announced (once an expiry), and when its reminder went out.
    expiry_announced_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]

    page: Mapped[Page] = relationship()
    verifier: Mapped[User | None] = relationship()


class VerificationStep(db.Model):
    """One step of a page's verification, for its history."""

    __tablename__ = "verification_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"), index=True)
    step: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    until: Mapped[datetime | None]
    revision: Mapped[int | None]
    note: Mapped[str] = mapped_column(Text, default="")

    actor: Mapped[User | None] = relationship()

    @property
    def label(self) -> str:
        return STEPS.get(self.step, self.step)


class DependencyChange(db.Model):
    """A mark "depends on a page that changed" on a page that links to a verified page, or on a
    course module that covers its process, written when that page changed materially. One mark
    per dependant and changed page: a further change moves its newest revision on."""

    __tablename__ = "dependency_changes"
    __table_args__ = (
        CheckConstraint(
            "(page_id IS NULL) <> (module_id IS NULL)", name="ck_dependency_changes_one_dependant"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int | None] = mapped_column(
        ForeignKey("pages.id", ondelete="CASCADE"), index=True
    )
    module_id: Mapped[int | None] = mapped_column(
        ForeignKey("course_modules.id", ondelete="CASCADE"), index=True
    )
    changed_page_id: Mapped[int] = mapped_column(
        ForeignKey("pages.id", ondelete="CASCADE"), index=True
    )
    # The revisions before and after the change(s): what the notice's "see what changed" shows.
    from_revision: Mapped[int]
    to_revision: Mapped[int]
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)

    page: Mapped[Page | None] = relationship(foreign_keys=[page_id])
    module: Mapped[CourseModule | None] = relationship()
    changed_page: Mapped[Page] = relationship(foreign_keys=[changed_page_id])

    @property
    def changes_url(self) -> str:
        page = self.changed_page
        return f"/p/{page.path}/+diff?from={self.from_revision}&to={self.to_revision}"
