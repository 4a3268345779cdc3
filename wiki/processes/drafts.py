"""Editor drafts: one person's unsaved text for a page (or a new page), saved as they type,
offered back when they return, removed when they save or cancel, expired after some days."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from wiki.auth.models import User
from wiki.extensions import db
from wiki.processes import history
from wiki.processes.models import EditDraft, Page, Process
from wiki.textutil import clean_line, clean_text
from wiki.timeutil import utcnow

MAX_TITLE_LENGTH = 200


def draft_key(page: Page | None, process: Process | None, question_id: int | None = None) -> str:
    """One draft per person per page, one per person per process for a new page, and one per
    person per question for the page made from that question's answer (pre-filled from it, so
    not the process's blank new page)."""
    if page is not None:
        return f"page:{page.id}"
    if process is None:
        raise ValueError("A draft belongs to a page or to a process.")
    if question_id is not None:
        return f"question:{question_id}"
    return f"new:{process.id}"


def get_draft(
    user: User, page: Page | None, process: Process | None = None, question_id: int | None = None
) -> EditDraft | None:
    """The person's own draft: the query names the user, so nobody reads another's draft."""
    return db.session.scalar(
        select(EditDraft).where(
            EditDraft.user_id == user.id, EditDraft.key == draft_key(page, process, question_id)
        )
    )


def draft_offer(saved_draft: EditDraft | None, current_body: str, shown_body: str) -> dict | None:
    """A draft worth offering back (not the text the editor shows already): its time and what
    it changes against the current text."""
    if saved_draft is None or saved_draft.body == shown_body:
        return None
    return {
        "saved_at": saved_draft.saved_at,
        "lines": history.diff_texts(current_body, saved_draft.body, "current", "draft"),
    }


def save_draft(
    user: User,
    page: Page | None,
    process: Process | None,
    title: str,
    body: str,
    base_revision: int | None,
    question_id: int | None = None,
) -> datetime:
    """Keep the editor's text as the person's draft, replacing the one before; returns when.

    Written outside the session, like a search miss: a draft changes no page, so it must not
    bump the content version (which empties every worker's page cache) every few seconds of
    someone's typing."""
    key = draft_key(page, process, question_id)
    values = {
        "title": clean_line(title)[:MAX_TITLE_LENGTH],
        "body": clean_text(body)[: current_app.config["MAX_BODY_CHARS"]],
        "base_revision": base_revision,
        "saved_at": utcnow(),
    }
    db.session.commit()  # end this session's read, so that it holds no lock
    table = EditDraft.__table__
    mine = (table.c.user_id == user.id) & (table.c.key == key)
    # The safety level is set outside the transaction, and set back after its commit.
    with (
        db.engine.connect() as connection,
        _without_waiting_for_the_disk(connection),
        connection.begin(),
    ):
        if connection.execute(update(table).where(mine).values(**values)).rowcount:
            return values["saved_at"]
        try:
            with connection.begin_nested():
                connection.execute(
                    insert(table).values(
                        user_id=user.id,
                        key=key,
                        page_id=page.id if page is not None else None,
                        process_id=None if page is not None else process.id if process else None,
                        **values,
                    )
                )
        except IntegrityError:
            # Two tabs saved the first draft at once: the other row won; update it instead.
            connection.execute(update(table).where(mine).values(**values))
    return values["saved_at"]


@contextmanager
def _without_waiting_for_the_disk(connection: Connection) -> Iterator[None]:
    """On SQLite, a draft's commit does not wait for the disk (synchronous NORMAL: in WAL mode
    the database stays intact; a power cut may lose the last seconds of drafts, which the
    editor still holds). Every other write keeps the full wait."""
    # Through the driver's own connection: SQLAlchemy's would begin its transaction first.
    driver = (
        connection.connection.driver_connection if connection.dialect.name == "sqlite" else None
    )
    if driver is not None:
        driver.execute("PRAGMA synchronous = NORMAL")
    try:
        yield
    finally:
        if driver is not None:
            driver.execute("PRAGMA synchronous = FULL")


def discard_draft(
    user: User, page: Page | None, process: Process | None = None, question_id: int | None = None
) -> bool:
    """Remove the person's draft; True when there was one."""
    key = draft_key(page, process, question_id)
    db.session.commit()
    table = EditDraft.__table__
    with db.engine.begin() as connection:
        removed = connection.execute(
            delete(table).where(table.c.user_id == user.id, table.c.key == key)
        )
    return bool(removed.rowcount)


def purge_expired_drafts(now: datetime) -> int:
    """Remove drafts not saved for WIKI_DRAFT_DAYS; `wiki tick` runs it."""
    cutoff = now - timedelta(days=current_app.config["DRAFT_DAYS"])
    removed = db.session.execute(delete(EditDraft).where(EditDraft.saved_at < cutoff))
    db.session.commit()
    return removed.rowcount or 0
