"""The content versions: counters that writing commits bump, so that every worker's caches know,
with one small query, when anything they hold may be stale. `version` moves with every write
that any page shows (the page caches, which hold a person's whole page, follow it);
`shared_version` only with those that change what every reader sees the same (the shared
parts follow it). A write to tables only their own people see, or that no cached page shows,
moves less (see personal and unseen)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any

from flask import current_app, g, has_app_context, has_request_context, request
from sqlalchemy import event, text, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from wiki.extensions import db

WROTE = "wiki_wrote"  # in session.info: the widest reach of the transaction's writes
VERSION_QUERY = "SELECT version, shared_version FROM site_state WHERE id = 1"

# How far a write reaches, the widest of its tables' (see personal and unseen).
UNSEEN, PERSONAL, SHARED = 0, 1, 2
_REACH: dict[str, int] = {}  # table name → its reach, when less than SHARED


class SiteState(db.Model):
    """A single row: the versions of everything stored."""

    __tablename__ = "site_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(default=0)
    shared_version: Mapped[int] = mapped_column(default=0)


def personal(model: type) -> type:
    """Mark a model whose rows only their own people see, in the parts of a page read on every
    request (a newcomer's reads and plan items): writing one empties the page caches but keeps
    the shared parts."""
    _REACH[model.__tablename__] = PERSONAL
    return model


def unseen(model: type) -> type:
    """Mark a model that no cached page shows (the audit trail, read on pages that are never
    cached): writing one alone moves neither version."""
    _REACH[model.__tablename__] = UNSEEN
    return model


def current_version() -> int:
    return db.session.execute(text(VERSION_QUERY)).first()[0] or 0


def current_shared_version() -> int:
    return db.session.execute(text(VERSION_QUERY)).first()[1] or 0


def _note(session: Session, reach: int) -> None:
    session.info[WROTE] = max(reach, session.info.get(WROTE, UNSEEN))


def _reach_of(objects) -> int:
    return max((_REACH.get(type(obj).__tablename__, SHARED) for obj in objects), default=UNSEEN)


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_write(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        _note(state.session, _REACH.get(getattr(table, "name", ""), SHARED))


@event.listens_for(Session, "after_flush")
def _note_flush(session: Session, _context) -> None:
    # What the flush wrote is still listed here, until after_flush_postexec.
    _note(session, _reach_of([*session.new, *session.dirty, *session.deleted]))


@event.listens_for(Session, "before_commit")
def _bump_on_commit(session: Session) -> None:
    # Objects not flushed yet will be flushed by this commit: they count as a write too.
    _note(session, _reach_of([*session.new, *session.dirty, *session.deleted]))
    reach = session.info.get(WROTE, UNSEEN)
    if reach != UNSEEN:
        values = {"version": SiteState.version + 1}
        if reach == SHARED:
            values["shared_version"] = SiteState.shared_version + 1
            if has_app_context():
                # What this request (or app context) reads of the shared parts after its own
                # write is kept under the version the write makes.
                g.pop("content_version", None)
                g.shared_version_moved = True
        session.execute(update(SiteState).where(SiteState.id == 1).values(**values))
    session.info.pop(WROTE, None)  # after the bump, which notes itself as a write


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
    """The shared version as this request first saw it."""
    if "content_version" not in g:
        seen = None
        if has_request_context() and not g.get("shared_version_moved"):
            seen = request.environ.get(VERSION_ENVIRON)
        g.content_version = current_shared_version() if seen is None else seen
    return g.content_version


def shared_part(key: Hashable, build: Callable[[], Any], renew: bool = False) -> Any:
    """The part under key for the current version, built (and kept) if this worker has none
    (or when renew says the kept one has turned stale with time).

    Keep only plain values and markup in it: ORM objects belong to one request's session."""
    parts = current_app.extensions.setdefault("wiki.shared_parts", SharedParts())
    return parts.fetch(request_version(), key, build, renew)
