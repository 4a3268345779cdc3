"""Editor drafts: one person's unsaved text for a page (or a new page), saved as they type,
offered back when they return, removed when they save or cancel, expired after some days."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from wiki.auth.models import User
from wiki.extensions import db
from wiki.processes.models import EditDraft, Page, Process
from wiki.textutil import clean_line, clean_text
from wiki.timeutil import utcnow

MAX_TITLE_LENGTH = 200


def draft_key(page: Page | None, process: Process | None) -> str:
    """One draft per person per page, and one per person per process for a new page."""
    if page is not None:
        return f"page:{page.id}"
    if process is None:
        raise ValueError("A draft belongs to a page or to a process.")
    return f"new:{process.id}"


def get_draft(user: User, page: Page | None, process: Process | None = None) -> EditDraft | None:
    """The person's own draft: the query names the user, so nobody reads another's draft."""
    return db.session.scalar(
        select(EditDraft).where(
            EditDraft.user_id == user.id, EditDraft.key == draft_key(page, process)
        )
    )


def save_draft(
    user: User,
    page: Page | None,
    process: Process | None,
    title: str,
    body: str,
    base_revision: int | None,
) -> EditDraft:
    """Keep the editor's text as the person's draft, replacing the one before."""
    key = draft_key(page, process)
    title = clean_line(title)[:MAX_TITLE_LENGTH]
    body = clean_text(body)[: current_app.config["MAX_BODY_CHARS"]]
    for attempt in range(2):
        draft = db.session.scalar(
            select(EditDraft).where(EditDraft.user_id == user.id, EditDraft.key == key)
        )
        if draft is None:
            draft = EditDraft(
                user_id=user.id,
                key=key,
                page_id=page.id if page is not None else None,
                process_id=None if page is not None else process.id if process else None,
            )
            db.session.add(draft)
        draft.title, draft.body, draft.saved_at = title, body, utcnow()
        draft.base_revision = base_revision
        try:
            db.session.commit()
            return draft
        except IntegrityError:
            # Two tabs saved the first draft at once: the other row won; update it instead.
            db.session.rollback()
            if attempt:
                raise
    raise AssertionError("unreachable")


def discard_draft(user: User, page: Page | None, process: Process | None = None) -> bool:
    """Remove the person's draft; True when there was one."""
    removed = db.session.execute(
        delete(EditDraft).where(
            EditDraft.user_id == user.id, EditDraft.key == draft_key(page, process)
        )
    )
    db.session.commit()
    return bool(removed.rowcount)


def purge_expired_drafts(now: datetime) -> int:
    """Remove drafts not saved for WIKI_DRAFT_DAYS; `wiki tick` runs it."""
    cutoff = now - timedelta(days=current_app.config["DRAFT_DAYS"])
    removed = db.session.execute(delete(EditDraft).where(EditDraft.saved_at < cutoff))
    db.session.commit()
    return removed.rowcount or 0
