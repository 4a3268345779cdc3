"""Keeping the PostgreSQL backend's documents in step: written inside the transaction that
changes them (see indexing._write_in_transaction), built when the tables are empty, and checked
for drift and for the indexes that make them fast."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from wiki.extensions import db
from wiki.search import documents, indexing
from wiki.search.index_schema import IndexMissing
from wiki.search.indexing import BATCH, TOUCHED, Drift, Indexer
from wiki.search.models import SearchDocument
from wiki.search.postgres import PostgresIndex

log = logging.getLogger(__name__)


class PostgresIndexer(Indexer):
    """The search tables of the app's database and the work of keeping them current."""

    in_transaction = True

    def __init__(self, app: Flask):
        with app.app_context():
            engine = db.engine
        super().__init__(app, PostgresIndex(engine))
        self._tables = False

    def write_within(self, session: Session, keys: Iterable[str]) -> None:
        """Write the documents these keys name, as this session's transaction has them.

        A process renamed or moved above more than indexing.INLINE_LIMIT documents is the exception:
        the documents below it are written by the background thread after the commit (see
        `committed`), so that the request does not wait for them all to be read again."""
        keys = set(keys)
        below = {key for key in keys if key.startswith(documents.SUBTREE + ":")}
        if below and len(documents.expand_subtrees(session, below)) > indexing.INLINE_LIMIT:
            keys -= below
            session.info[TOUCHED] = below  # what after_commit hands to `committed`
        self.index.write_with(session.connection(), documents.load(session, keys))

    # -- readiness ---------------------------------------------------------------------------

    def ready(self) -> bool:
        if self._building is not None and self._building.is_alive():
            return False
        if not self._tables:
            try:
                self.index.check_readable()
            except IndexMissing as problem:
                log.error("search unavailable: %s", problem)
                return False
            self._tables = True
        return True

    def rebuild_if_damaged(self) -> None:
        """Fill the tables when they are empty while the database holds documents (a wiki
        that has just moved to this backend), and say which indexes are missing."""
        if not self._usable():
            self.start_rebuild("no search documents")
            return
        missing = self.index.missing_indexes()
        if missing:
            log.warning(
                "search indexes missing or invalid: %s; run `wiki search check --fix`",
                ", ".join(missing),
            )

    def _usable(self) -> bool:
        try:
            self.index.check_readable()
        except IndexMissing:
            return False
        with Session(db.engine) as session:
            if session.scalar(select(SearchDocument.key).limit(1)) is not None:
                return True
        return self.document_count() == 0

    # -- checking and repairing --------------------------------------------------------------

    def check(self) -> Drift:
        drift = super().check()
        drift.indexes = set(self.index.missing_indexes())
        return drift

    def repair(self, drift: Drift, on_item: Callable[[int], None] | None = None) -> None:
        if drift.indexes:
            self.index.create_indexes(drift.indexes)
        super().repair(drift, on_item)

    def write(self, keys: Iterable[str]) -> None:
        """Write these documents as the database has them now, a batch per transaction."""
        with Session(db.engine) as session:
            expanded = sorted(documents.expand_subtrees(session, keys))
        for start in range(0, len(expanded), BATCH):
            with Session(db.engine) as session, session.begin():
                self.write_within(session, expanded[start : start + BATCH])

    def committed(self, keys: set[str]) -> None:
        """What the transaction left for later: the documents below a large subtree."""
        self._defer(keys)
