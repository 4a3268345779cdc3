"""The content version: a counter that every writing commit bumps, so that every worker's caches
know, with one small query, when anything they hold may be stale."""

from __future__ import annotations

from sqlalchemy import event, text, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from wiki.extensions import db

WROTE = "wiki_wrote"
VERSION_QUERY = "SELECT version FROM site_state WHERE id = 1"


class SiteState(db.Model):
    """A single row: the version of everything stored."""

    __tablename__ = "site_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(default=0)


def current_version() -> int:
    return db.session.execute(text(VERSION_QUERY)).scalar() or 0


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_write(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[WROTE] = True


@event.listens_for(Session, "after_flush")
def _note_flush(session: Session, _context) -> None:
    session.info[WROTE] = True


@event.listens_for(Session, "before_commit")
def _bump_on_commit(session: Session) -> None:
    # Objects not flushed yet will be flushed by this commit: they count as a write too.
    if session.info.get(WROTE) or session.new or session.dirty or session.deleted:
        session.execute(
            update(SiteState).where(SiteState.id == 1).values(version=SiteState.version + 1)
        )
    session.info.pop(WROTE, None)


@event.listens_for(Session, "after_rollback")
def _forget_on_rollback(session: Session) -> None:
    session.info.pop(WROTE, None)
