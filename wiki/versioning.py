"""The content version: a counter that every writing commit bumps, so that every worker's caches
know, with one small query, when anything they hold may be stale."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any

from flask import current_app, g, has_request_context, request
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


# --------------------------------------------------------------------------- shared parts
# What every reader sees the same (the sidebar, a page's body, trail, files, backlinks and
# experts) is built once per content version and kept in the worker for every session. The
# version is read once per request (the page cache's reading when it made one), before any part
# is built, so a part is never older than the version it is kept under.

VERSION_ENVIRON = "wiki.content_version"
# Parts kept per worker, the oldest dropped first: a page's parts are its body and a little more,
# so about a thousand of them is tens of megabytes even for long pages.
SHARED_LIMIT = 1024


class SharedParts:
    """One version's parts, keyed by what else they depend on; forgotten when it moves on."""

    def __init__(self) -> None:
        self.version = -1
        self.parts: dict[Hashable, Any] = {}
        self.lock = threading.Lock()

    def fetch(
        self, version: int, key: Hashable, build: Callable[[], Any], renew: bool = False
    ) -> Any:
        with self.lock:
            if version == self.version and key in self.parts and not renew:
                self.parts[key] = self.parts.pop(key)  # the most recently used last
                return self.parts[key]
        value = build()
        with self.lock:
            if version > self.version:
                self.version, self.parts = version, {}
            if version == self.version:
                self.parts[key] = value
                while len(self.parts) > SHARED_LIMIT:
                    del self.parts[next(iter(self.parts))]
        return value


def request_version() -> int:
    """The content version as this request first saw it."""
    if "content_version" not in g:
        seen = request.environ.get(VERSION_ENVIRON) if has_request_context() else None
        g.content_version = current_version() if seen is None else seen
    return g.content_version


def shared_part(key: Hashable, build: Callable[[], Any], renew: bool = False) -> Any:
    """The part under key for the current version, built (and kept) if this worker has none
    (or when renew says the kept one has turned stale with time).

    Keep only plain values and markup in it: ORM objects belong to one request's session."""
    parts = current_app.extensions.setdefault("wiki.shared_parts", SharedParts())
    return parts.fetch(request_version(), key, build, renew)
