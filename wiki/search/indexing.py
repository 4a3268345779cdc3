"""Keeping the index in step with the database: changes are noted at flush, written to the
index after the commit (never before), retried when the index is busy, rebuilt when missing or
damaged, and compared with the database on demand. Here too the backend is chosen
(WIKI_SEARCH_BACKEND): whoosh, or PostgreSQL's search, which writes inside the transaction
(wiki.search.postgres_indexing).
"""

from __future__ import annotations

import atexit
import logging
import shutil
import threading
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask, current_app, has_app_context
from sqlalchemy import event, make_url
from sqlalchemy.orm import Session

from wiki.extensions import db
from wiki.search import documents
from wiki.search.index import SearchIndex
from wiki.search.index_schema import Document, IndexMissing, IndexUnwritable

log = logging.getLogger(__name__)

TOUCHED = "wiki_search_touched"
# More keys than this after one commit (a process with a large subtree renamed) are written
# by the background thread, so that the request that made the change does not wait for them.
INLINE_LIMIT = 200
BATCH = 500
RETRY_DELAYS = (0.5, 1, 2, 5, 10, 30, 60)


@dataclass
class Drift:
    missing: set[str] = field(default_factory=set)
    stale: set[str] = field(default_factory=set)
    orphaned: set[str] = field(default_factory=set)
    # Database indexes of the PostgreSQL backend that are gone or unusable.
    indexes: set[str] = field(default_factory=set)

    @property
    def keys(self) -> set[str]:
        return self.missing | self.stale | self.orphaned

    def __bool__(self) -> bool:
        return bool(self.keys or self.indexes)


class Indexer:
    """The app's whoosh index and the work of keeping it current, one per app."""

    # Whether documents are written inside the transaction that changes them (PostgreSQL)
    # rather than after its commit.
    in_transaction = False

    def __init__(self, app: Flask, index=None):
        self.app = app
        if index is None:
            directory = app.config["SEARCH_DIR"] or str(Path(app.instance_path) / "search")
            index = SearchIndex(directory, lock_timeout=app.config["SEARCH_LOCK_TIMEOUT"])
        self.index = index
        self._pending: set[str] = set()
        self._lock = threading.Lock()
        self._retry: threading.Timer | None = None
        self._failures = 0
        self._building: threading.Thread | None = None
        # Generations found damaged, and those this process built to replace them.
        self._damaged: set[Path] = set()
        self._rebuilt: set[Path] = set()

    # -- readiness ---------------------------------------------------------------------------

    def ready(self) -> bool:
        """Whether search can answer now; starts a rebuild in the background when it cannot."""
        if self._building is not None and self._building.is_alive():
            return False
        try:
            generation = self.index.current_generation()
        except IndexMissing as problem:
            self.unusable(problem)
            return False
        if generation in self._damaged and generation not in self._rebuilt:
            self.start_rebuild(f"{generation} is damaged", replacing=generation)
            return False
        return True

    def rebuild_if_damaged(self) -> None:
        """Open the index; a missing or damaged one is rebuilt in the background."""
        try:
            self.index.check_readable()
        except IndexMissing as problem:
            self.unusable(problem)

    def unusable(self, problem: IndexMissing) -> None:
        """The index could not be read or written: say so once, and rebuild it from the
        database in the background (searches say it is being rebuilt meanwhile)."""
        generation = getattr(problem, "generation", None)
        if generation is not None:
            with self._lock:
                if generation in self._rebuilt:
                    # Built from the database by this very process after it was found damaged:
                    # an error here is not damage on disk, and rebuilding again would loop.
                    log.error("search failed on a freshly rebuilt index: %s", str(problem))
                    return
                first = generation not in self._damaged
                self._damaged.add(generation)
            if first:
                log.error("search index damaged: %s", str(problem))
        self.start_rebuild(str(problem), replacing=generation)

    def _usable(self) -> bool:
        try:
            self.index.check_readable()
            return True
        except IndexMissing:
            return False

    def start_rebuild(self, reason: str, replacing: Path | None = None) -> None:
        with self._lock:
            if self._building is not None and self._building.is_alive():
                return
            log.warning("search index unusable (%s): rebuilding it in the background", reason)
            self._building = threading.Thread(
                target=self._rebuild_in_background,
                args=(replacing,),
                name="search-rebuild",
                daemon=True,
            )
            self._building.start()

    def _rebuild_in_background(self, replacing: Path | None) -> None:
        with self.app.app_context():
            try:
                if replacing is None:
                    self.rebuild(only_if_unusable=True)
                else:
                    self.rebuild(replacing=replacing)
                log.warning("search index ready")
            except Exception:
                log.exception("search index rebuild failed")
            finally:
                db.session.remove()

    def wait_until_built(self, timeout: float = 600) -> None:
        """Wait for a rebuild running in the background (a command that must answer now)."""
        building = self._building
        if building is not None:
            building.join(timeout)

    # -- rebuilding and checking -------------------------------------------------------------

    def document_count(self) -> int:
        """How many documents the database holds for the index."""
        with Session(db.engine) as session:
            return sum(len(t.stamps(session)) for t in documents.TYPES.values())

    def rebuild(
        self,
        on_item: Callable[[], None] | None = None,
        only_if_unusable: bool = False,
        replacing: Path | None = None,
    ) -> int:
        """Build a fresh generation from the database, swap it in, then catch up with changes
        committed while it was being built. Other processes wait for a build in progress.

        With `only_if_unusable`, nothing is built if the index opens (another process rebuilt
        it while we waited); with `replacing`, nothing is built once another generation than
        that damaged one is current."""
        lock = self.index.build_lock()
        lock.acquire(blocking=True)
        try:
            if only_if_unusable and self._usable():
                return 0
            if replacing is not None and self.index.current_generation_or_none() not in (
                None,
                replacing,
            ):
                return 0
            with Session(db.engine) as session:
                total = self.index.build(documents.iter_all(session), on_item=on_item)
            if replacing is not None:
                with self._lock:
                    self._rebuilt.add(self.index.current_generation())
                # Unlike a sound previous generation, a damaged one serves no reader.
                shutil.rmtree(replacing, ignore_errors=True)
            self.repair(self.check())
        finally:
            lock.release()
        self.flush_pending()
        return total

    def remove_unfinished(self) -> list[Path]:
        """Delete what killed rebuilds left behind, unless a rebuild is running now."""
        lock = self.index.build_lock()
        if not lock.acquire(blocking=False):
            return []
        try:
            unfinished = self.index.unfinished_generations()
            for generation in unfinished:
                shutil.rmtree(generation, ignore_errors=True)
            return unfinished
        finally:
            lock.release()

    def check(self) -> Drift:
        """What the index holds that differs from the database."""
        with Session(db.engine) as session:
            expected = documents.all_stamps(session)
        actual = self.index.stamps()
        return Drift(
            missing=expected.keys() - actual.keys(),
            stale={k for k in expected.keys() & actual.keys() if expected[k] != actual[k]},
            orphaned=actual.keys() - expected.keys(),
        )

    def repair(self, drift: Drift, on_item: Callable[[int], None] | None = None) -> None:
        keys = sorted(drift.keys)
        for start in range(0, len(keys), BATCH):
            chunk = keys[start : start + BATCH]
            self.write(chunk)
            if on_item is not None:
                on_item(len(chunk))

    # -- writing after commits ---------------------------------------------------------------

    def write(self, keys: Iterable[str]) -> None:
        """Write these documents as the database has them now, in batches."""
        with Session(db.engine) as session:
            expanded = sorted(documents.expand_subtrees(session, keys))
        for start in range(0, len(expanded), BATCH):
            batch = expanded[start : start + BATCH]
            self.index.write_loaded(lambda batch=batch: self._load(batch))

    @staticmethod
    def _load(keys: list[str]) -> dict[str, Document | None]:
        with Session(db.engine) as session:
            return documents.load(session, keys)

    def committed(self, keys: set[str]) -> None:
        """A commit changed these documents: write them now, or leave them to the retries."""
        if self._building is not None and self._building.is_alive():
            self._defer(keys)  # written once the build in progress is in place
            return
        try:
            self.index.current_generation()
        except IndexMissing:
            return  # nothing to update: the index will be built from the database
        try:
            with Session(db.engine) as session:
                keys = documents.expand_subtrees(session, keys)
            if len(keys) > INLINE_LIMIT:
                self._defer(keys)  # a large subtree moved: not while the request waits
                return
            self.write(keys)
        except IndexMissing as problem:
            self.unusable(problem)  # the rebuild reads the database as this commit left it
        except IndexUnwritable as problem:
            # Searches go on answering from what the index holds; the change waits.
            log.error("search index cannot be written, will retry: %s", problem)
            self._defer(keys)
        except Exception as error:  # saving must never fail because of search
            log.warning("search index update failed, will retry: %r", error)
            self._defer(keys)

    def _defer(self, keys: Iterable[str]) -> None:
        with self._lock:
            self._pending.update(keys)
            if self._retry is None:
                delay = RETRY_DELAYS[min(self._failures, len(RETRY_DELAYS) - 1)]
                self._retry = threading.Timer(delay, self._retry_pending)
                self._retry.daemon = True
                self._retry.start()

    def _retry_pending(self) -> None:
        with self._lock:
            self._retry = None
        with self.app.app_context():
            try:
                self.flush_pending()
            finally:
                db.session.remove()

    def close(self, timeout: float = 30) -> None:
        """Stop the retry timer and wait for a build in progress (tests, orderly shutdowns)."""
        with self._lock:
            if self._retry is not None:
                self._retry.cancel()
                self._retry = None
        if self._building is not None:
            self._building.join(timeout)

    def has_pending(self) -> bool:
        return bool(self._pending)

    def flush_pending(self) -> bool:
        """Write what earlier attempts could not; True when nothing is left waiting.

        Keys stay pending until written, so that a process exiting during a retry still
        writes them at exit."""
        with self._lock:
            keys = set(self._pending)
        if not keys:
            return True
        try:
            self.write(keys)
        except IndexMissing as problem:
            with self._lock:
                self._pending -= keys  # the rebuild writes them, as the database has them
            self.unusable(problem)
            return False
        except Exception as error:
            self._failures += 1
            log.warning("search index update failed again (%d keys): %r", len(keys), error)
            self._defer(())
            return False
        with self._lock:
            self._pending -= keys
        self._failures = 0
        return True


def indexer(app: Flask | None = None) -> Indexer:
    return (app or current_app).extensions["search"]


BACKENDS = ("auto", "whoosh", "postgresql")


def backend_name(app: Flask) -> str:
    """WIKI_SEARCH_BACKEND, with `auto` read as the database's own search where it has one."""
    chosen = app.config["SEARCH_BACKEND"]
    dialect = make_url(app.config["DATABASE_URL"]).get_backend_name()
    if chosen not in BACKENDS:
        raise ValueError(f"WIKI_SEARCH_BACKEND is {chosen!r}: choose one of {', '.join(BACKENDS)}")
    if chosen == "auto":
        return "postgresql" if dialect == "postgresql" else "whoosh"
    if chosen == "postgresql" and dialect != "postgresql":
        raise ValueError("WIKI_SEARCH_BACKEND=postgresql needs a PostgreSQL WIKI_DATABASE_URL")
    return chosen


def init_app(app: Flask, postgres_indexer: type[Indexer]) -> None:
    """Keep the app's search current. `postgres_indexer` is the PostgreSQL backend's Indexer,
    handed in by create_app: it builds on this module, which therefore does not import it."""
    backend = postgres_indexer if backend_name(app) == "postgresql" else Indexer
    search_indexer = backend(app)
    app.extensions["search"] = search_indexer
    started = threading.Event()

    @app.before_request
    def _check_index_once() -> None:
        if not started.is_set():
            started.set()
            search_indexer.rebuild_if_damaged()

    _LIVE.add(search_indexer)


_LIVE: weakref.WeakSet[Indexer] = weakref.WeakSet()


@atexit.register
def _flush_at_exit() -> None:
    """A command that exits right after a commit gets one more try at what is still waiting."""
    for search_indexer in list(_LIVE):
        if search_indexer.has_pending():
            with search_indexer.app.app_context():
                search_indexer.flush_pending()


@event.listens_for(Session, "after_flush")
def _note_touched(session: Session, _context) -> None:
    touched = session.info.setdefault(TOUCHED, set())
    for how, instances in (
        ("new", session.new),
        ("changed", session.dirty),
        ("deleted", session.deleted),
    ):
        for instance in instances:
            touched.update(documents.keys_touched(instance, how))


@event.listens_for(Session, "before_commit")
def _write_in_transaction(session: Session) -> None:
    """The PostgreSQL backend writes what a transaction changed inside it: rolled back, it
    leaves no trace; committed, every host finds it at once."""
    if session.in_nested_transaction() or not has_app_context():
        return
    search_indexer = current_app.extensions.get("search")
    if search_indexer is None or not search_indexer.in_transaction:
        return
    if session.new or session.dirty or session.deleted:
        session.flush()  # what the commit would flush next, so that its changes are noted
    touched = session.info.pop(TOUCHED, None)
    if touched:
        search_indexer.write_within(session, touched)


@event.listens_for(Session, "after_commit")
def _write_after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint was released: what it touched is committed with its enclosing one
    touched = session.info.pop(TOUCHED, None)
    if touched and has_app_context() and "search" in current_app.extensions:
        indexer().committed(touched)


@event.listens_for(Session, "after_soft_rollback")
def _forget_on_rollback(session: Session, previous_transaction) -> None:
    # Rolling back to a savepoint keeps what the enclosing transaction changed before it.
    if previous_transaction.parent is None:
        session.info.pop(TOUCHED, None)
