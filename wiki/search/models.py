"""Search misses (searches that found nothing, results someone said did not help), the pages
trainers chose for ERP codes, and the PostgreSQL backend's search documents and vocabulary."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Computed, ForeignKey, Index, String, Text, insert, select
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wiki.auth.models import User
from wiki.extensions import db
from wiki.processes.models import Page, Process
from wiki.timeutil import utcnow

NO_RESULTS = "no results"
NOT_HELPFUL = "not helpful"
# Tables that exist on PostgreSQL only: migrations create them there, comparisons and the
# tests' clean-up leave them out elsewhere (wiki.database.for_dialect).
POSTGRESQL_ONLY = {"dialect": "postgresql"}

# Title (A), headings and tags (B), the names of the processes it sits in (C), body (D): the
# weights ts_rank_cd gives them, {0.1, 0.2, 0.4, 1.0} from D to A, rank titles first.
HEAD = (
    "setweight(to_tsvector('english'::regconfig, title), 'A') || "
    "setweight(to_tsvector('english'::regconfig, headings), 'B') || "
    "setweight(to_tsvector('english'::regconfig, process), 'C')"
)
# The words of the questions that led to it ("asked as") weigh as much as its processes.
VECTOR = (
    HEAD + " || setweight(to_tsvector('english'::regconfig, asked), 'C')"
    " || setweight(to_tsvector('english'::regconfig, body), 'D')"
)
# GIN indexes take new entries into a pending list that every search reads in full; a short
# list is merged into the index often, so that it never costs a search much.
GIN = {"postgresql_using": "gin", "postgresql_with": {"gin_pending_list_limit": 256}}
# Title words as typed, for quick-find's prefixes (no stemming: "vendor onb" must match).
TITLE_WORDS = "to_tsvector('simple'::regconfig, title)"


class SearchMiss(db.Model):
    __tablename__ = "search_misses"
    __table_args__ = (Index("ix_search_misses_created_at", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    query: Mapped[str] = mapped_column(String(500))
    # Lower case with single spaces, so that "Month end" and "month  END" count as one miss.
    normalized: Mapped[str] = mapped_column(String(500), index=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    process_id: Mapped[int | None] = mapped_column(
        ForeignKey("processes.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    result_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User | None] = relationship()
    process: Mapped[Process | None] = relationship()


class CodePage(db.Model):
    """A trainer's or admin's choice of an ERP code's own page, over the automatic one (the
    page tagged with the code): a search for the code shows this page first."""

    __tablename__ = "code_pages"

    code: Mapped[str] = mapped_column(String(60), primary_key=True)  # as written: ZFI_3WM
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"), index=True)
    chosen_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    chosen_at: Mapped[datetime] = mapped_column(default=utcnow)

    page: Mapped[Page] = relationship()
    chosen_by: Mapped[User | None] = relationship()


class SearchSignal(db.Model):
    """A result someone opened from a search, or marked as helpful: it ranks higher for the
    same query afterwards (wiki.search.signals). Once per person, query, result, kind and day."""

    __tablename__ = "search_signals"
    __table_args__ = (Index("ix_search_signals_normalized_created_at", "normalized", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The query's words, lower case, single spaces: "Non-PO invoice?" and "non po invoice" count
    # as one query.
    normalized: Mapped[str] = mapped_column(String(500))
    document_key: Mapped[str] = mapped_column(String(100))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SearchDocument(db.Model):
    """One searchable thing as the PostgreSQL backend holds it, written in the transaction
    that changed it."""

    __tablename__ = "search_documents"
    __table_args__ = (
        Index("ix_search_documents_vector", "vector", **GIN),
        Index("ix_search_documents_head", "head", **GIN),
        Index("ix_search_documents_title_words", "title_words", **GIN),
        Index("ix_search_documents_scope", "scope", **GIN),
        Index("ix_search_documents_tags", "tags", **GIN),
        Index("ix_search_documents_updated", "updated"),
        {"info": POSTGRESQL_ONLY},
    )

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    type: Mapped[str] = mapped_column(String(20))
    stamp: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(Text)
    # Headings and tags, which weigh the same.
    headings: Mapped[str] = mapped_column(Text)
    process: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    asked: Mapped[str] = mapped_column(Text, server_default="")
    tags: Mapped[list[str]] = mapped_column(ARRAY(Text))  # lower case
    scope: Mapped[list[str]] = mapped_column(ARRAY(Text))  # the process paths it sits under
    readers: Mapped[list[str]] = mapped_column(ARRAY(Text))
    process_id: Mapped[int | None]
    url: Mapped[str] = mapped_column(Text)
    updated: Mapped[datetime]
    # Everything, for matching; the head alone (no body: small, kept in the row) for ranking
    # many matches without reading every body's vector.
    vector: Mapped[str] = mapped_column(TSVECTOR, Computed(VECTOR, persisted=True))
    head: Mapped[str] = mapped_column(TSVECTOR, Computed(HEAD, persisted=True))
    title_words: Mapped[str] = mapped_column(TSVECTOR, Computed(TITLE_WORDS, persisted=True))


class SearchWord(db.Model):
    """The words of the searchable text as typed: what prefixes expand to and typos are
    corrected against (pg_trgm)."""

    __tablename__ = "search_words"
    __table_args__ = (
        Index("ix_search_words_prefix", "word", postgresql_ops={"word": "text_pattern_ops"}),
        Index(
            "ix_search_words_trigrams",
            "word",
            postgresql_using="gist",
            postgresql_ops={"word": "gist_trgm_ops"},
        ),
        {"info": POSTGRESQL_ONLY},
    )

    word: Mapped[str] = mapped_column(Text, primary_key=True)
    # Documents holding the word at the last rebuild; a word new since then counts 1.
    documents: Mapped[int] = mapped_column(default=1)


def add_once_a_day(model: type[SearchMiss] | type[SearchSignal], row: dict, same: tuple) -> None:
    """Write the row unless one with the same values in `same` was written today (a reload or
    a second look the same day counts once). Written outside the session, on a connection of
    its own: a miss or a signal changes no page, so it must not bump the content version and
    empty every worker's page cache."""
    table = model.__table__
    today = row["created_at"].replace(hour=0, minute=0, second=0, microsecond=0)
    db.session.commit()  # end this session's read, so that it holds no lock and sees the row
    with db.engine.begin() as connection:
        counted = connection.scalar(
            select(table.c.id)
            .where(*(table.c[name] == row[name] for name in same), table.c.created_at >= today)
            .limit(1)
        )
        if counted is None:
            connection.execute(insert(table).values(**row))
