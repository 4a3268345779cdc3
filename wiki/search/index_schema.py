"""The whoosh schema, and the shapes both search backends share: what a document contributes,
a hit, a page of results, the filters of a search, and the errors of a missing or damaged index.

Nothing here reads or writes an index; wiki.search.index_store keeps the files and
wiki.search.index_query runs the queries."""

from __future__ import annotations

import errno
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path

from whoosh import columns
from whoosh.analysis import (
    CommaSeparatedTokenizer,
    LowercaseFilter,
    StandardAnalyzer,
    StemmingAnalyzer,
    StopFilter,
)
from whoosh.fields import COLUMN, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

STEMMED = StemmingAnalyzer()
# Unstemmed words: what prefix*, fuzzy matching and "did you mean" compare against, since a
# stem ("process" for "processing") would not match the prefix a person actually typed.
PLAIN = StandardAnalyzer()

SCHEMA = Schema(
    key=ID(unique=True, stored=True, sortable=True),
    stamp=ID(stored=True, sortable=True),
    type=ID(stored=True),
    title=TEXT(analyzer=STEMMED, field_boost=4.0, stored=True),
    title_words=TEXT(analyzer=PLAIN, phrase=False),
    headings=TEXT(analyzer=STEMMED, field_boost=2.0),
    process=TEXT(analyzer=STEMMED, field_boost=1.5),
    tags=KEYWORD(lowercase=True, commas=True, scorable=True, field_boost=2.0),
    body=TEXT(analyzer=STEMMED, stored=True),
    # "Asked as": the words of answered questions whose answer went into or links to it.
    asked=TEXT(analyzer=STEMMED, field_boost=1.5),
    words=TEXT(analyzer=PLAIN, phrase=False, field_boost=0.3),
    scope=KEYWORD(),
    readers=KEYWORD(),
    # type, tags and process paths of a document, joined: the facet counts read this column.
    facets=COLUMN(columns.VarBytesColumn()),
    process_id=STORED(),
    url=STORED(),
    updated=NUMERIC(sortable=True, stored=True, bits=64),
)
# Plain words are scored on the stemmed fields only: scoring `words` as well would read a
# second posting list as long as the body's for every word.
# Like every other field, tags ignore "of" and "the" in a query, or those would be required.
SCHEMA["tags"].analyzer = CommaSeparatedTokenizer() | LowercaseFilter() | StopFilter(minsize=1)
SEARCHED_FIELDS = ["title", "headings", "process", "tags", "body", "asked"]
# Loosened (fuzzy) queries also reach the unstemmed words, where near spellings are found.
FUZZY_FIELDS = [*SEARCHED_FIELDS, "words"]
# A prefix is matched against words as typed, not against stems.
PREFIX_FIELDS = {"title": "title_words", "headings": "words", "process": "words", "body": "words"}
EVERYONE = "*"
# Added to the readers of every document not open to everyone, so those are quick to find.
RESTRICTED = "restricted"
FACET_SEPARATOR = "\x1f"


class IndexBusy(Exception):
    """Another writer held the index for longer than the timeout."""


class IndexUnwritable(Exception):
    """The index's folder cannot be written (full disk, read-only, no permission): what it
    holds still reads fine, so it answers searches while changes wait to be written."""


# The errors of a folder that cannot take writes, as opposed to files that cannot be read.
_WRITE_FAILURES = {errno.EACCES, errno.EPERM, errno.ENOSPC, errno.EROFS, errno.EDQUOT}


class IndexMissing(Exception):
    """There is no usable index generation on disk."""


class IndexDamaged(IndexMissing):
    """A generation's files cannot be read (or written) as whoosh wrote them."""

    def __init__(self, generation: Path | None, problem: str):
        super().__init__(f"damaged index in {generation}: {problem}")
        self.generation = generation


@dataclass
class Document:
    """What one searchable thing contributes to the index."""

    key: str  # "<type>:<id>", unique in the index
    type: str
    title: str
    url: str
    updated: datetime
    stamp: str  # changes whenever anything indexed changes: how drift is detected
    body: str = ""
    headings: str = ""
    process: str = ""  # the names of the processes it sits in
    tags: list[str] = field(default_factory=list)
    scope: list[str] = field(default_factory=list)  # process paths it sits under
    process_id: int | None = None
    readers: list[str] = field(default_factory=lambda: [EVERYONE])
    # The words people asked it by (answered, non-private questions that lead to it).
    asked: str = ""

    def fields(self) -> dict:
        return {
            "key": self.key,
            "stamp": self.stamp,
            "type": self.type,
            "title": self.title,
            "title_words": self.title,
            "headings": self.headings,
            "process": self.process,
            "tags": ",".join(self.tags),
            "body": self.body,
            "asked": self.asked,
            "words": " ".join((self.title, self.headings, self.body)),
            "scope": " ".join(self.scope),
            "readers": " ".join(
                self.readers if EVERYONE in self.readers else [*self.readers, RESTRICTED]
            ),
            "facets": FACET_SEPARATOR.join(
                (self.type, ",".join(tag.lower() for tag in self.tags), " ".join(self.scope))
            ).encode("utf-8"),
            "process_id": self.process_id,
            "url": self.url,
            "updated": int(self.updated.replace(tzinfo=UTC).timestamp()),
        }


Segment = tuple[str, bool]  # a piece of text and whether it matched the query


Marks = tuple[list[Segment], list[list[Segment]]]  # a hit's title, and its snippet's fragments


@dataclass
class Hit:
    key: str
    type: str
    url: str
    process_id: int | None
    score: float
    updated: int
    # Draws the title and snippet with the query's words marked, the first time either is
    # read: answering a question runs several searches and merges, cuts or passes over most
    # of their hits, and marking a hit costs more than finding it.
    marking: Callable[[], Marks] = field(repr=False, compare=False)

    @cached_property
    def marks(self) -> Marks:
        return self.marking()

    @property
    def title(self) -> list[Segment]:
        return self.marks[0]

    @property
    def snippet(self) -> list[list[Segment]]:
        return self.marks[1]

    @property
    def plain_title(self) -> str:
        return "".join(text for text, _ in self.title)


def marked(title: list[Segment], snippet: list[list[Segment]]) -> Callable[[], Marks]:
    """The marking of a hit whose title and snippet are known already."""
    return lambda: (title, snippet)


@dataclass
class Results:
    hits: list[Hit]
    total: int
    page: int
    page_count: int
    facets: dict[str, dict[str, int]]
    # How many of the best hits the facet counts cover, when that is not all of them.
    facets_sampled: int = 0
    # The total is an estimate ("about N"): past a threshold, PostgreSQL does not count.
    approximate: bool = False


@dataclass
class Filters:
    readers: list[str]
    scope: str | None = None
    type: str | None = None
    tag: str | None = None
    # Only these documents (the keys of the pages verified now), when the person asked for
    # verified pages only.
    verified: frozenset[str] | None = None
