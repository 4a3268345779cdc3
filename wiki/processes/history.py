"""Reading the record: page history, diffs, recent changes and pages due for review."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from wiki.extensions import db
from wiki.processes.models import Page, PageTag, Process, Revision
from wiki.timeutil import utcnow


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "context", "added", "removed" or "hunk"
    text: str


def page_history(page: Page) -> list[Revision]:
    return list(
        db.session.scalars(
            select(Revision)
            .where(Revision.page_id == page.id)
            .options(joinedload(Revision.author), joinedload(Revision.approved_by))
            .order_by(Revision.number.desc())
        )
    )


def diff_texts(old: str, new: str, old_label: str = "", new_label: str = "") -> list[DiffLine]:
    """A unified line diff, as data for the template to colour."""
    lines: list[DiffLine] = []
    for line in difflib.unified_diff(
        old.splitlines(), new.splitlines(), old_label, new_label, n=3, lineterm=""
    ):
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("@@"):
            lines.append(DiffLine("hunk", line))
        elif line.startswith("+"):
            lines.append(DiffLine("added", line[1:]))
        elif line.startswith("-"):
            lines.append(DiffLine("removed", line[1:]))
        else:
            lines.append(DiffLine("context", line[1:]))
    return lines


def diff_revisions(old: Revision, new: Revision) -> list[DiffLine]:
    old_text = f"# {old.title}\n\n{old.body}"
    new_text = f"# {new.title}\n\n{new.body}"
    return diff_texts(old_text, new_text, f"revision {old.number}", f"revision {new.number}")


def recent_changes(
    process: Process | None = None, limit: int = 50, offset: int = 0
) -> list[Revision]:
    query = (
        select(Revision)
        .join(Revision.page)
        .options(joinedload(Revision.author), joinedload(Revision.page).joinedload(Page.process))
        .order_by(Revision.created_at.desc(), Revision.id.desc())
        .limit(limit)
        .offset(offset)
    )
    if process is not None:
        query = query.where(Page.path.startswith(process.path + "/"))
    return list(db.session.scalars(query))


def pages_due_for_review(now: datetime | None = None, owner_id: int | None = None) -> list[Page]:
    """Pages whose last review (or creation) is older than their review interval, oldest first."""
    now = now or utcnow()
    reference = func.coalesce(Page.last_reviewed_at, Page.created_at)
    pages = db.session.scalars(
        select(Page)
        .options(joinedload(Page.owner), joinedload(Page.process))
        .where(*([Page.owner_id == owner_id] if owner_id else []))
        .order_by(reference)
    )
    # The interval is per page; comparing in Python keeps the date arithmetic portable.
    return [page for page in pages if page.is_review_overdue(now)]


def pages_tagged(tag: str) -> list[Page]:
    return list(
        db.session.scalars(
            select(Page)
            .join(PageTag)
            .where(PageTag.tag == tag)
            .options(joinedload(Page.process))
            .order_by(Page.title)
        )
    )
