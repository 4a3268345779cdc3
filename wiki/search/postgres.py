"""The PostgreSQL search backend's storage: documents and vocabulary in tables of the wiki's own
database, written inside the caller's transaction, rebuilt in one transaction, and checked for
the indexes that make them fast.

Queries live in `wiki.search.postgres_query`; this module and that one are the only ones that
know these tables. Nothing here knows about Flask.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, Index, delete, func, inspect, select, text
from sqlalchemy.dialects.postgresql import insert

from wiki.search import postgres_query, postgres_questions
from wiki.search.index_schema import EVERYONE, Document, Filters, Hit, IndexMissing, Results
from wiki.search.models import SearchDocument, SearchWord
from wiki.search.questions import Concept
from wiki.textutil import clean_text

DOCUMENTS = SearchDocument.__table__
WORDS = SearchWord.__table__
WORD = re.compile(r"\w+")
# Longer "words" are tokens nobody types (hashes, long numbers): left out of the vocabulary.
LONGEST_WORD = 40
BATCH = 500
# One rebuild at a time, across hosts: an advisory lock on this number.
BUILD_LOCK = 0x5EA8C4
# Columns an upsert overwrites: all but the key and the generated vectors.
WRITTEN = [c.name for c in DOCUMENTS.columns if c.computed is None and c.name != "key"]


def row_of(document: Document) -> dict:
    """The table row of a document. Tags weigh as much as headings, so they share a column."""
    return {
        "key": document.key,
        "type": document.type,
        "stamp": document.stamp,
        "title": clean_text(document.title),
        "headings": clean_text(" ".join([document.headings, *document.tags])),
        "process": clean_text(document.process),
        "body": clean_text(document.body),
        "asked": clean_text(document.asked),
        "tags": sorted({tag.lower() for tag in document.tags}),
        "scope": list(document.scope),
        "readers": list(document.readers) or [EVERYONE],
        "process_id": document.process_id,
        "url": document.url,
        "updated": document.updated,
    }


def words_of(document: Document) -> set[str]:
    """The words a person may type to find this document, as typed (lower case)."""
    found = WORD.findall(" ".join((document.title, document.headings, document.body)).lower())
    return {word for word in found if 2 <= len(word) <= LONGEST_WORD and not word.isdigit()}


class PostgresIndex:
    """The search tables of one database."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self._shared = threading.local()

    # -- writing -----------------------------------------------------------------------------

    def write_with(self, connection: Connection, changes: dict[str, Document | None]) -> None:
        """Add, replace or (for None) delete documents inside the caller's transaction."""
        gone = sorted(key for key, document in changes.items() if document is None)
        if gone:
            connection.execute(delete(DOCUMENTS).where(DOCUMENTS.c.key.in_(gone)))
        # In key order, so that two transactions writing the same documents lock their rows
        # in the same order and never deadlock.
        present = sorted((d for d in changes.values() if d is not None), key=lambda d: d.key)
        if not present:
            return
        statement = insert(DOCUMENTS)
        connection.execute(
            statement.on_conflict_do_update(
                index_elements=[DOCUMENTS.c.key],
                set_={name: statement.excluded[name] for name in WRITTEN},
            ),
            [row_of(document) for document in present],
        )
        words = set().union(*(words_of(document) for document in present))
        # Sorted for the same reason; a word known already costs one index probe.
        connection.execute(
            text(
                "INSERT INTO search_words (word, documents)"
                " SELECT word, 1 FROM unnest(CAST(:words AS text[])) AS word ORDER BY word"
                " ON CONFLICT (word) DO NOTHING"
            ),
            {"words": sorted(words)},
        )

    def write(self, changes: dict[str, Document | None]) -> None:
        """The same in a transaction of its own."""
        with self.engine.begin() as connection:
            self.write_with(connection, changes)

    def build(
        self, documents: Iterable[Document], on_item: Callable[[], None] | None = None
    ) -> int:
        """Write every document, a batch per transaction, then replace the vocabulary.

        Searches keep answering meanwhile, and a save waits for one batch at most; what
        changed while the build read the database, and documents that are gone, are left to
        the check and repair that follow (Indexer.rebuild)."""
        count = 0
        frequencies: Counter[str] = Counter()
        batch: list[Document] = []
        for document in documents:
            batch.append(document)
            frequencies.update(words_of(document))
            count += 1
            if on_item is not None:
                on_item()
            if len(batch) == BATCH:
                self._upsert(batch)
                batch = []
        self._upsert(batch)
        vocabulary = sorted(frequencies.items())
        with self.engine.begin() as connection:
            connection.execute(delete(WORDS))
            for start in range(0, len(vocabulary), 5000):
                connection.execute(
                    insert(WORDS),
                    [{"word": w, "documents": n} for w, n in vocabulary[start : start + 5000]],
                )
        if count < BATCH:
            return count  # too few for the planner's statistics to matter
        autocommit = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        with autocommit as connection:
            # Fresh statistics, or the planner guesses at the new rows; the GIN indexes'
            # pending entries merged, the visibility map set.
            connection.execute(text("VACUUM (ANALYZE) search_documents"))
            connection.execute(text("VACUUM (ANALYZE) search_words"))
        return count

    def _upsert(self, documents: list[Document]) -> None:
        if documents:
            with self.engine.begin() as connection:
                self.write_with(connection, {document.key: document for document in documents})

    def build_lock(self) -> _BuildLock:
        return _BuildLock(self.engine)

    # -- state -------------------------------------------------------------------------------

    def stamps(self) -> dict[str, str]:
        with self.engine.connect() as connection:
            return dict(connection.execute(select(DOCUMENTS.c.key, DOCUMENTS.c.stamp)).all())

    def check_readable(self) -> None:
        """Raise IndexMissing when the tables are not there (the migration has not run)."""
        tables = set(inspect(self.engine).get_table_names())
        if not {DOCUMENTS.name, WORDS.name} <= tables:
            raise IndexMissing("the search tables are missing: run `wiki db upgrade`")

    def verify(self) -> int:
        """The documents the search tables hold, or IndexMissing when the tables are not there
        (their indexes are checked by missing_indexes, their rows against the database)."""
        self.check_readable()
        with self.engine.connect() as connection:
            return connection.scalar(select(func.count()).select_from(DOCUMENTS))

    def unfinished_generations(self) -> list:
        """Nothing: a rebuild here writes in transactions, so a killed one leaves no part."""
        return []

    def missing_indexes(self) -> list[str]:
        """The indexes of the search tables that are gone or unusable (a failed concurrent
        build leaves an invalid one behind)."""
        with self.engine.connect() as connection:
            valid = set(
                connection.scalars(
                    text(
                        "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
                        " JOIN pg_class t ON t.oid = i.indrelid"
                        " WHERE t.relname IN ('search_documents', 'search_words')"
                        " AND i.indisvalid AND i.indisready"
                    )
                )
            )
        return [index.name for index in _indexes() if index.name not in valid]

    def create_indexes(self, names: Iterable[str]) -> None:
        """Create these indexes again (an invalid one is dropped first), as the models
        define them."""
        wanted = set(names)
        for index in _indexes():
            if index.name in wanted:
                with self.engine.begin() as connection:
                    connection.execute(text(f'DROP INDEX IF EXISTS "{index.name}"'))
                    index.create(connection)

    # -- reading -----------------------------------------------------------------------------

    @contextmanager
    def reading_shared(self) -> Iterator[None]:
        """This thread's searches meanwhile share one connection (a question runs up to three
        searches: each would take a connection, set the planner's options and roll back)."""
        if getattr(self._shared, "connection", None) is not None:
            yield
            return
        with self._reading() as connection:
            self._shared.connection = connection
            try:
                yield
            finally:
                self._shared.connection = None

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        shared = getattr(self._shared, "connection", None)
        if shared is not None:
            if shared.info.pop(postgres_query.INDEX_SCANS_OFF, False):
                shared.execute(text("SELECT set_config('enable_indexscan', 'on', true)"))
            yield shared
            return
        with self.engine.connect() as connection:
            # The planner prices reading a stored tsvector as nothing and so prefers to scan
            # the whole table; the GIN indexes are always the faster way here. One worker:
            # these queries are short, and the estimate of a total relies on the scan order.
            # Both in one statement: a round trip is a good part of a short query's time.
            connection.execute(
                text(
                    "SELECT set_config('enable_seqscan', 'off', true),"
                    " set_config('max_parallel_workers_per_gather', '0', true)"
                )
            )
            try:
                yield connection
            finally:
                connection.info.pop(postgres_query.INDEX_SCANS_OFF, None)

    def search(self, text: str, filters: Filters, page: int = 1, page_size: int = 20) -> Results:
        with self._reading() as connection:
            return postgres_query.search(connection, text, filters, page, page_size)

    def search_fuzzy(
        self, text: str, filters: Filters, page: int = 1, page_size: int = 20
    ) -> Results | None:
        with self._reading() as connection:
            return postgres_query.search(connection, text, filters, page, page_size, fuzzy=True)

    def best_match(
        self, concepts: list[Concept], filters: Filters, page: int = 1, page_size: int = 20
    ) -> Results:
        with self._reading() as connection:
            return postgres_questions.best_match(connection, concepts, filters, page, page_size)

    def did_you_mean(self, text: str, filters: Filters) -> str | None:
        with self._reading() as connection:
            return postgres_query.did_you_mean(connection, text, filters.readers)

    def quick_find(self, text: str, readers: list[str], limit: int = 8) -> list[Hit]:
        with self._reading() as connection:
            return postgres_query.quick_find(connection, text, readers, limit)


def _indexes() -> list[Index]:
    return [*DOCUMENTS.indexes, *WORDS.indexes]


class _BuildLock:
    """One rebuild at a time on every host: a session-level advisory lock, held on a
    connection of its own for as long as the build runs."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self._connection: Connection | None = None

    def acquire(self, blocking: bool) -> bool:
        self._connection = self.engine.connect()
        function = func.pg_advisory_lock if blocking else func.pg_try_advisory_lock
        got = self._connection.scalar(select(function(BUILD_LOCK)))
        if got is False:
            self.release()
            return False
        return True

    def release(self) -> None:
        if self._connection is not None:
            self._connection.execute(select(func.pg_advisory_unlock(BUILD_LOCK)))
            self._connection.close()
            self._connection = None
