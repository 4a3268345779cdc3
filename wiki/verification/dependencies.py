"""Marks "depends on a page that changed": kept on the pages that link to a verified page and
the course modules that cover its process when it changes materially, shown on the dependant
and listed for its owner and the trainers, until the dependant is looked after."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import selectinload

from wiki.auth.models import User
from wiki.errors import NotAllowed
from wiki.extensions import db
from wiki.gaps.models import CourseModule
from wiki.processes.models import Page
from wiki.verification.models import DependencyChange

LISTED = 50  # marks the content health page lists


def mark(
    dependants: list[Page | CourseModule], changed: Page, before: int, after: int, at: datetime
) -> None:
    """Mark each dependant; one already marked for the same page keeps its older revision, so
    that "what changed" spans every change since the dependant was last looked after."""
    for dependant in dependants:
        column = (
            DependencyChange.page_id
            if isinstance(dependant, Page)
            else (DependencyChange.module_id)
        )
        existing = db.session.scalar(
            select(DependencyChange).where(
                column == dependant.id, DependencyChange.changed_page_id == changed.id
            )
        )
        if existing is None:
            existing = DependencyChange(changed_page_id=changed.id, from_revision=before)
            if isinstance(dependant, Page):
                existing.page_id = dependant.id
            else:
                existing.module_id = dependant.id
            db.session.add(existing)
        existing.to_revision, existing.changed_at = after, at


def clear_page(page: Page) -> None:
    """The page was looked after (its owner edited it, or it was verified): its marks go."""
    db.session.execute(delete(DependencyChange).where(DependencyChange.page_id == page.id))


def marks_of_page(page: Page) -> list[DependencyChange]:
    return list(
        db.session.scalars(
            select(DependencyChange)
            .where(DependencyChange.page_id == page.id)
            .options(selectinload(DependencyChange.changed_page))
            .order_by(DependencyChange.changed_at.desc(), DependencyChange.id.desc())
        )
    )


def marks_owned_by(person: User, limit: int = LISTED) -> list[DependencyChange]:
    """The marks on the person's own pages, newest first."""
    return list(
        db.session.scalars(
            select(DependencyChange)
            .join(Page, Page.id == DependencyChange.page_id)
            .where(Page.owner_id == person.id)
            .options(
                selectinload(DependencyChange.page).selectinload(Page.owner),
                selectinload(DependencyChange.changed_page),
            )
            .order_by(DependencyChange.changed_at.desc(), DependencyChange.id.desc())
            .limit(limit)
        )
    )


def open_marks(modules_only: bool = False, limit: int = LISTED) -> list[DependencyChange]:
    """The newest marks, with their dependant and changed page, for the lists."""
    query = select(DependencyChange)
    if modules_only:
        query = query.where(DependencyChange.module_id.is_not(None))
    return list(
        db.session.scalars(
            query.options(
                selectinload(DependencyChange.page).selectinload(Page.owner),
                selectinload(DependencyChange.module).selectinload(CourseModule.course),
                selectinload(DependencyChange.changed_page),
            )
            .order_by(DependencyChange.changed_at.desc(), DependencyChange.id.desc())
            .limit(limit)
        )
    )


def can_dismiss(person: User, mark: DependencyChange) -> bool:
    """A page's mark: its owner (or an admin); a course module's: the trainers."""
    if mark.page is not None:
        return mark.page.owner_id == person.id or person.has_role("admin")
    return person.has_role("trainer", "admin")


def dismiss(person: User, mark_id: int) -> DependencyChange | None:
    """The dependant still says the same: the mark goes. None when it went already."""
    mark = db.session.get(DependencyChange, mark_id)
    if mark is None:
        return None
    if not can_dismiss(person, mark):
        raise NotAllowed(
            "Only the page's owner, or a trainer for a course module, can dismiss this."
        )
    db.session.delete(mark)
    db.session.commit()
    return mark
