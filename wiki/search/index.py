"""The one module that talks to whoosh: the schema, index generations on disk and their atomic
swap, writing documents, and queries with highlights, facets, corrections and quick-find.

Nothing here knows about the database or Flask; callers hand in `Document`s and reader labels.
"""

from __future__ import annotations

import errno
import functools
import heapq
import logging
import os
import re
import secrets
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from whoosh import columns, highlight, index, qparser, query
from whoosh.analysis import (
    STOP_WORDS,
    CommaSeparatedTokenizer,
    LowercaseFilter,
    StandardAnalyzer,
    StemmingAnalyzer,
    StopFilter,
)
from whoosh.fields import COLUMN, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.searching import Searcher
from whoosh.writing import LockError

log = logging.getLogger(__name__)

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
SEARCHED_FIELDS = ["title", "headings", "process", "tags", "body"]
# Loosened (fuzzy) queries also reach the unstemmed words, where near spellings are found.
FUZZY_FIELDS = [*SEARCHED_FIELDS, "words"]
# A prefix is matched against words as typed, not against stems.
PREFIX_FIELDS = {"title": "title_words", "headings": "words", "process": "words", "body": "words"}
MIN_PREFIX = 2
# A prefix stands for at most this many words (the commonest of the first MAX_CANDIDATES).
MAX_EXPANSIONS = 40
MAX_CANDIDATES = 2000
# ...and no more words than it takes to reach this many documents in all: the cost of a query
# grows with the documents its words are in.
MAX_PREFIX_POSTINGS = 20_000
EVERYONE = "*"
# Added to the readers of every document not open to everyone, so those are quick to find.
RESTRICTED = "restricted"
FACET_SEPARATOR = "\x1f"
# Facet counts are taken over this many of the best hits; ties at the edge of a page are
# settled among this many more.
FACET_SAMPLE = 500
TIE_MARGIN = 50
# Up to this many matches are ranked by every field. Past it, ranking them all would keep a
# person waiting (two words can match half of 50,000 pages): the best hits are then those
# with a word of the query in these fields, ranked by them, then the rest newest first.
RANKED = 500
HEAD_FIELDS = {"title", "title_words", "headings", "process", "tags"}
CURRENT = "current"
BUILD_LOCK = ".build.lock"
# "-word" and -"a phrase" exclude, as in web search; a hyphen inside a word does not.
MINUS = r"(^|(?<=[\s(]))-(?=[\w\"(])"
WORD = re.compile(r"\w+")
OPERATORS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"}


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


def _damage_surfaces(method):
    """Whatever whoosh raises inside `method` (it raises many kinds on damaged files:
    unpickling, struct and EOF errors, index and key errors) is reported as IndexDamaged
    naming the generation it was reading, so that callers need to know of one exception."""

    @functools.wraps(method)
    def guarded(self: SearchIndex, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except (IndexMissing, IndexBusy):
            raise
        except OSError as error:
            if error.errno in _WRITE_FAILURES:
                raise IndexUnwritable(f"{self.directory}: {error.strerror}") from error
            raise IndexDamaged(self.current_generation_or_none(), repr(error)) from error
        except Exception as error:
            raise IndexDamaged(self.current_generation_or_none(), repr(error)) from error

    return guarded


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


@dataclass
class Hit:
    key: str
    type: str
    title: list[Segment]
    snippet: list[list[Segment]]
    url: str
    process_id: int | None
    score: float
    updated: int

    @property
    def plain_title(self) -> str:
        return "".join(text for text, _ in self.title)


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


class _SegmentFormatter(highlight.Formatter):
    """Highlights as data, (text, matched) pairs, so that templates do the escaping."""

    def format_fragment(self, fragment, replace=False):
        segments: list[Segment] = []
        position = fragment.startchar
        text = fragment.text
        for token in sorted(fragment.matches, key=lambda t: (t.startchar, -t.endchar)):
            if token.startchar is None or token.startchar < position:
                continue
            if token.startchar > position:
                segments.append((text[position : token.startchar], False))
            segments.append((text[token.startchar : token.endchar], True))
            position = token.endchar
        segments.append((text[position : fragment.endchar], False))
        return [segment for segment in segments if segment[0]]

    def format(self, fragments, replace=False):
        return [self.format_fragment(fragment) for fragment in fragments]


class SearchIndex:
    """An index directory: generations of whoosh indexes, one of them `current`."""

    def __init__(self, directory: str | os.PathLike, lock_timeout: float = 2.0):
        self.directory = Path(directory)
        self.lock_timeout = lock_timeout
        self._write_lock = threading.Lock()
        self._local = threading.local()

    # -- generations -------------------------------------------------------------------------

    def current_generation(self) -> Path:
        try:
            return self.directory / os.readlink(self.directory / CURRENT)
        except OSError as error:
            raise IndexMissing(f"no index at {self.directory}") from error

    def current_generation_or_none(self) -> Path | None:
        try:
            return self.current_generation()
        except IndexMissing:
            return None

    @_damage_surfaces
    def check_readable(self) -> None:
        """Raise IndexMissing when the current generation cannot be opened and read."""
        with self._open().searcher() as searcher:
            searcher.doc_count()

    @_damage_surfaces
    def verify(self) -> int:
        """Read every file of the current generation the way searches do; returns the number of
        documents, or raises IndexMissing / IndexDamaged saying what could not be read.

        Every term's postings are read and counted against the document frequency the term
        dictionary records (less the deleted documents it still counts), and so is every stored
        field and every column: a segment that opens but holds garbage is found here rather
        than by the search that happens to meet it."""
        with self._open().searcher() as searcher:
            for reader, _ in searcher.reader().leaf_readers():
                # The dictionary's counts include deleted documents; postings leave them out.
                deleted = reader.doc_count_all() - reader.doc_count()
                for fieldname, text in reader.all_terms():
                    recorded = reader.doc_frequency(fieldname, text)
                    found = sum(1 for _ in reader.postings(fieldname, text).all_ids())
                    if not recorded - deleted <= found <= recorded:
                        raise IndexDamaged(
                            self.current_generation(),
                            f"{fieldname}:{text!r} lists {found} documents, the term "
                            f"dictionary says {recorded}",
                        )
                for _ in reader.all_stored_fields():
                    pass
                if reader.doc_count_all():
                    for name in ("key", "stamp", "updated", "facets"):
                        column = reader.column_reader(name)
                        for number in range(reader.doc_count_all()):
                            column[number]
            return searcher.doc_count()

    def unfinished_generations(self) -> list[Path]:
        """Generations that a rebuild started and never finished (it was killed): not current,
        and with no committed table of contents (creating an index writes an empty one,
        generation 0; the build's commit writes generation 1). Only meaningful while no build
        runs."""
        current = self.current_generation_or_none()
        return sorted(
            generation
            for generation in self.directory.glob("gen-*")
            if generation != current
            and not any(toc.stem != "_MAIN_0" for toc in generation.glob("_MAIN_*.toc"))
        )

    def _open(self, generation: Path | None = None) -> index.Index:
        generation = generation or self.current_generation()
        try:
            return FileStorage(str(generation)).open_index(schema=SCHEMA)
        except (OSError, index.EmptyIndexError) as error:
            if generation.is_dir():  # the generation is there, its table of contents is not
                raise IndexDamaged(generation, f"cannot open it: {error!r}") from error
            raise IndexMissing(f"no index in {generation}") from error

    def build(
        self, documents: Iterable[Document], on_item: Callable[[], None] | None = None
    ) -> int:
        """Write every document into a fresh generation and make it current, atomically;
        returns how many were written."""
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"gen-{time.strftime('%Y%m%d%H%M%S')}-{secrets.token_hex(3)}"
        generation = self.directory / name
        generation.mkdir()
        count = 0
        try:
            writer = FileStorage(str(generation)).create_index(SCHEMA).writer(limitmb=256)
            try:
                for document in documents:
                    writer.add_document(**document.fields())
                    count += 1
                    if on_item is not None:
                        on_item()
            except BaseException:
                writer.cancel()
                raise
            writer.commit()
        except BaseException:
            # Whatever failed (a full disk while committing, say), no half-built folder stays.
            shutil.rmtree(generation, ignore_errors=True)
            raise
        self._make_current(name)
        return count

    def _make_current(self, name: str) -> None:
        link = self.directory / f".{CURRENT}-{secrets.token_hex(4)}"
        os.symlink(name, link)
        os.replace(link, self.directory / CURRENT)
        # Keep the generation before this one: another worker may still be reading it.
        generations = sorted(
            (p for p in self.directory.glob("gen-*") if p.name != name),
            key=lambda p: p.stat().st_mtime,
        )
        for old in generations[:-1]:
            shutil.rmtree(old, ignore_errors=True)

    def build_lock(self) -> _BuildLock:
        self.directory.mkdir(parents=True, exist_ok=True)
        return _BuildLock(self.directory / BUILD_LOCK)

    # -- writing -----------------------------------------------------------------------------

    def write(self, changes: dict[str, Document | None]) -> None:
        """Add, replace or (for None) delete documents by key, in one index commit."""
        if changes:
            self.write_loaded(lambda: changes)

    def write_loaded(self, load: Callable[[], dict[str, Document | None]]) -> None:
        """Write what `load` returns, calling it only once this process holds the index's
        lock: of two writers, the later one reads the later state of the database."""
        with self._write_lock:
            while True:
                generation = self.current_generation()
                self._write_into(generation, load)
                # A reindex may have swapped generations while we wrote into the old one.
                if self.current_generation() == generation:
                    return

    @_damage_surfaces
    def _write_into(self, generation: Path, load: Callable[[], dict[str, Document | None]]) -> None:
        with self._generation_locked(generation):
            try:
                writer = self._open(generation).writer(timeout=self.lock_timeout, delay=0.05)
            except LockError as error:
                raise IndexBusy(
                    f"the search index stayed locked for {self.lock_timeout} s"
                ) from error
            try:
                for key, document in load().items():
                    if document is None:
                        writer.delete_by_term("key", key)
                    else:
                        writer.update_document(**document.fields())
            except BaseException:
                writer.cancel()
                raise
            writer.commit()

    @contextmanager
    def _generation_locked(self, generation: Path) -> Iterator[None]:
        """Hold a lock on the generation's folder itself while writing into it.

        whoosh's own lock is a file beside the index: deleted while a writer holds it, the next
        writer makes a new one and both commit, and one commit's documents are lost. A folder
        cannot be deleted while it holds the index, so this lock cannot be lost that way."""
        import fcntl

        descriptor = os.open(generation, os.O_RDONLY)
        try:
            deadline = time.monotonic() + self.lock_timeout
            while True:
                try:
                    fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise IndexBusy(
                            f"the search index stayed locked for {self.lock_timeout} s"
                        ) from None
                    time.sleep(0.05)
            yield
        finally:
            os.close(descriptor)  # closing the descriptor releases the flock

    # -- reading -----------------------------------------------------------------------------

    @_damage_surfaces
    def _searcher(self) -> Searcher:
        """This thread's searcher on the current generation, refreshed when it has changed."""
        generation = self.current_generation()
        cached = getattr(self._local, "cached", None)
        if cached is not None and cached[0] == generation and cached[1].up_to_date():
            return cached[1]
        if cached is not None:
            cached[1].close()
        # Not Searcher.refresh(): it reuses a segment's reader with the deletions it had
        # then, so a replaced document would show twice.
        searcher = self._open().searcher()
        self._local.cached = (generation, searcher)
        return searcher

    @_damage_surfaces
    def stamps(self) -> dict[str, str]:
        """Every document's key and stamp, read from columns (no stored bodies)."""
        searcher = self._searcher()
        reader = searcher.reader()
        if reader.doc_count_all() == 0:
            return {}  # an empty index has no columns to read
        keys = reader.column_reader("key")
        stamps = reader.column_reader("stamp")
        return {keys[n]: stamps[n] for n in reader.all_doc_ids()}

    @_damage_surfaces
    def search(self, text: str, filters: Filters, page: int = 1, page_size: int = 20) -> Results:
        searcher = self._searcher()
        parsed = self.parse(text)
        return self._run(searcher, parsed, filters, page, page_size)

    @_damage_surfaces
    def search_fuzzy(
        self, text: str, filters: Filters, page: int = 1, page_size: int = 20
    ) -> Results | None:
        """The same query, each plain word also matching words within an edit or two of it
        (phrases and exclusions stay exact); None when there is no plain word to loosen."""
        parsed = self.parse(text, FUZZY_FIELDS)
        loosened = _loosen(parsed)
        if loosened == parsed:
            return None
        return self._run(self._searcher(), loosened, filters, page, page_size)

    @_damage_surfaces
    def did_you_mean(self, text: str, filters: Filters) -> str | None:
        """The query with each unknown word replaced by the nearest word that occurs in a
        document this reader may see (so no hidden or deleted word leaks out)."""
        searcher = self._searcher()
        corrector = searcher.corrector("words")
        hidden = _hidden_from(searcher, filters.readers)
        corrected = text
        for word in correctable_words(text):
            lower = word.lower()
            known = searcher.doc_frequency("words", lower) or any(
                searcher.doc_frequency("body", token.text) for token in STEMMED(lower)
            )
            if known:
                continue
            # The nearest words first: one edit away, then two.
            for distance in (1, 2):
                visible = [
                    suggestion
                    for suggestion in corrector.suggest(lower, limit=5, maxdist=distance, prefix=1)
                    if searcher.search(
                        query.Term("words", suggestion), limit=1, mask=hidden
                    ).scored_length()
                ]
                if visible:
                    corrected = re.sub(rf"\b{re.escape(word)}\b", visible[0], corrected, count=1)
                    break
        return corrected if corrected != text else None

    @_damage_surfaces
    def quick_find(self, text: str, readers: list[str], limit: int = 8) -> list[Hit]:
        """Titles that start with what was typed so far (every word, the last as a prefix)."""
        words = [token.text for token in PLAIN(text)]
        if not words:
            return []
        terms: list[query.Query] = [query.Term("title_words", word) for word in words[:-1]]
        if len(words[-1]) >= MIN_PREFIX:
            terms.append(query.Prefix("title_words", words[-1]))
        else:
            terms.append(query.Term("title_words", words[-1]))
        searcher = self._searcher()
        capped = _capped_prefixes(query.And(terms), searcher.reader())
        results = searcher.search(capped, limit=limit, mask=_hidden_from(searcher, readers))
        return [
            Hit(
                key=hit["key"],
                type=hit["type"],
                title=[(hit["title"], False)],
                snippet=[],
                url=hit["url"],
                process_id=hit.get("process_id"),
                score=hit.score or 0.0,
                updated=hit["updated"],
            )
            for hit in results
        ]

    def parse(self, text: str, fields: list[str] = SEARCHED_FIELDS) -> query.Query:
        parser = qparser.MultifieldParser(fields, SCHEMA)
        # "field:word" and ranges would reach internal fields (readers, url); words only.
        parser.remove_plugin_class(qparser.FieldsPlugin)
        parser.remove_plugin_class(qparser.RangePlugin)
        # "*ing" or "?*" would walk the whole vocabulary: only a trailing * is a prefix.
        parser.remove_plugin_class(qparser.WildcardPlugin)
        parser.add_plugin(qparser.PrefixPlugin())
        parser.add_plugin(
            qparser.OperatorsPlugin(
                ops=[
                    (
                        qparser.OperatorsPlugin.OpTagger(
                            MINUS, qparser.syntax.NotGroup, qparser.syntax.PrefixOperator
                        ),
                        0,
                    )
                ]
            )
        )
        try:
            parsed = parser.parse(text)
        except Exception:  # whoosh trips over some runs of operators ("NOT NOT ..."): words only
            parsed = parser.parse(" ".join(word.lower() for word in WORD.findall(text)))
        return parsed.accept(_without_unpositioned_phrases).accept(_prefixes_on_words).normalize()

    def _run(
        self, searcher: Searcher, parsed: query.Query, filters: Filters, page: int, size: int
    ) -> Results:
        wanted = max(page, 1) * size
        parsed = _capped_prefixes(parsed, searcher.reader())
        # Every match, as a set: the exact total, and the filter of the ranking below.
        matching = _matching(searcher, parsed) - _hidden_from(searcher, filters.readers)
        narrowing = _narrowing(filters)
        if narrowing is not None and matching:
            matching &= set(searcher.docs_for_query(narrowing))
        total = len(matching)
        page_count = max(1, -(-total // size))
        page = min(max(page, 1), page_count)
        limit = max(FACET_SAMPLE, wanted + TIE_MARGIN)
        updated = searcher.reader().column_reader("updated")
        if not matching:
            scored = []
        elif total <= RANKED:
            found = searcher.search(parsed, limit=limit, filter=matching)
            scored = [(found.score(n), found.docnum(n)) for n in range(found.scored_length())]
        else:
            scored = _head_then_newest(searcher, parsed, matching, limit, updated)
        # Relevance first; among equal scores, the most recently updated.
        ranked = sorted(scored, key=lambda pair: (-pair[0], -updated[pair[1]]))
        terms = _highlight_terms(parsed, searcher)
        hits = []
        for score, docnum in ranked[(page - 1) * size : page * size]:
            stored = searcher.stored_fields(docnum)
            hits.append(
                Hit(
                    key=stored["key"],
                    type=stored["type"],
                    title=_segments(stored["title"], terms, whole=True)[0],
                    snippet=_segments(stored.get("body", ""), terms, whole=False),
                    url=stored["url"],
                    process_id=stored.get("process_id"),
                    score=score,
                    updated=stored["updated"],
                )
            )
        return Results(
            hits=hits,
            total=total,
            page=page,
            page_count=page_count,
            facets=_facets(searcher, [docnum for _, docnum in ranked]),
            facets_sampled=len(ranked) if total > len(ranked) else 0,
        )


def _matching(searcher: Searcher, node: query.Query) -> set[int]:
    """The documents a query matches, from sets of each word's postings: whoosh's tree of
    matchers costs several times more once the words are in thousands of documents."""
    if isinstance(node, query.And):
        kept = [child for child in node.subqueries if not isinstance(child, query.Not)]
        sets = sorted((_matching(searcher, child) for child in kept), key=len)
        found = sets[0].intersection(*sets[1:]) if sets else _every(searcher)
        for child in node.subqueries:
            if isinstance(child, query.Not) and found:
                found -= _matching(searcher, child.query)
        return found
    if isinstance(node, query.Or) and not node.minmatch:
        return set().union(*(_matching(searcher, child) for child in node.subqueries))
    if isinstance(node, query.Not):
        return _every(searcher) - _matching(searcher, node.query)
    return set(searcher.docs_for_query(node))


def _every(searcher: Searcher) -> set[int]:
    return set(searcher.reader().all_doc_ids())


def _head_then_newest(
    searcher: Searcher, parsed: query.Query, matching: set[int], limit: int, updated
) -> list[tuple[float, int]]:
    """The best `limit` of many matches, as the PostgreSQL backend picks them: those with a
    word of the query in their title, headings, processes or tags, ranked by those fields
    (short posting lists), then the others newest first (score 0)."""
    words = [leaf for leaf in _positive_leaves(parsed) if leaf.field() in HEAD_FIELDS]
    scored: list[tuple[float, int]] = []
    if words:
        found = searcher.search(query.Or(words), limit=limit, filter=matching)
        scored = [(found.score(n), found.docnum(n)) for n in range(found.scored_length())]
    if len(scored) < limit:
        rest = matching.difference(docnum for _, docnum in scored)
        newest = heapq.nlargest(limit - len(scored), rest, key=updated.__getitem__)
        scored += [(0.0, docnum) for docnum in newest]
    return scored


def _positive_leaves(node: query.Query) -> Iterator[query.Query]:
    """The words of a query that a match holds (not those after "-"), phrases as words."""
    if isinstance(node, query.Not):
        return
    if isinstance(node, query.Phrase):
        for word in node.words:
            yield query.Term(node.fieldname, word)
    elif isinstance(node, query.Term):
        yield node
    elif not node.is_leaf():
        for child in node.children():
            yield from _positive_leaves(child)


def correctable_words(text: str) -> list[str]:
    """The plain words a person typed, outside exclusions: no operators, prefixes, stop
    words, or words after "-" or NOT."""
    words = []
    excluded = False
    for token in text.replace('"', " ").split():
        if token == "NOT":
            excluded = True
            continue
        if token.startswith("-") or excluded or token in OPERATORS or "*" in token:
            excluded = False
            continue
        words.extend(
            word for word in WORD.findall(token) if len(word) > 1 and word.lower() not in STOP_WORDS
        )
    return words


def _loosen(node: query.Query) -> query.Query:
    if isinstance(node, query.Not):
        return node
    if isinstance(node, query.Term) and node.fieldname == "words" and len(node.text) > 2:
        distance = 1 if len(node.text) <= 5 else 2
        return query.Or(
            [node, query.FuzzyTerm("words", node.text, maxdist=distance, prefixlength=1)]
        )
    if node.is_leaf():
        return node
    return node.apply(_loosen)


def _prefixes_on_words(node: query.Query) -> query.Query:
    if isinstance(node, query.Prefix):
        if len(node.text) < MIN_PREFIX:
            return query.NullQuery  # "a*" would match a good part of the vocabulary
        if node.fieldname in PREFIX_FIELDS:
            return query.Prefix(PREFIX_FIELDS[node.fieldname], node.text, boost=node.boost)
    return node


def _capped_prefixes(node: query.Query, reader) -> query.Query:
    """Each prefix as its most frequent words (at most MAX_EXPANSIONS, and at most
    MAX_PREFIX_POSTINGS documents in all), so that a short prefix costs no more than a
    common word."""
    if isinstance(node, query.Prefix):
        candidates = []
        for number, word in enumerate(reader.expand_prefix(node.fieldname, node.text)):
            if number == MAX_CANDIDATES:
                break
            word = word.decode("utf-8") if isinstance(word, bytes) else word
            candidates.append((reader.doc_frequency(node.fieldname, word), word))
        candidates.sort(reverse=True)
        words: list[str] = []
        postings = 0
        for frequency, word in candidates[:MAX_EXPANSIONS]:
            if words and postings + frequency > MAX_PREFIX_POSTINGS:
                break
            words.append(word)
            postings += frequency
        if not words:
            return query.NullQuery
        expanded = query.Or([query.Term(node.fieldname, w) for w in words], boost=node.boost)
        # Read the words' postings once into an array: the default tree of unions spends most
        # of a common prefix's time comparing its branches' score bounds.
        expanded.matcher_type = query.Or.ARRAY_MATCHER
        return expanded
    if node.is_leaf():
        return node
    return node.apply(lambda child: _capped_prefixes(child, reader))


def _without_unpositioned_phrases(node: query.Query) -> query.Query:
    """A phrase spread over every field also lands on fields kept without word positions."""
    if isinstance(node, query.Phrase) and not SCHEMA[node.fieldname].format.supports("positions"):
        return query.NullQuery
    return node


def _hidden_from(searcher: Searcher, readers: list[str]) -> set[int]:
    """The documents these reader labels may not see: restricted ones not shared with them.

    Restricted documents are few, so this set is small; a filter listing every readable
    document would cost a pass over the whole index on every search."""
    restricted = set(searcher.docs_for_query(query.Term("readers", RESTRICTED)))
    if not restricted:
        return restricted
    labels = [label for label in readers if label not in (EVERYONE, RESTRICTED)]
    if labels:
        restricted -= set(
            searcher.docs_for_query(query.Or([query.Term("readers", r) for r in labels]))
        )
    return restricted


def _narrowing(filters: Filters) -> query.Query | None:
    """What the person chose to narrow to: a process subtree, a kind, a tag."""
    chosen: list[query.Query] = []
    if filters.scope:
        chosen.append(query.Term("scope", filters.scope))
    if filters.type:
        chosen.append(query.Term("type", filters.type))
    if filters.tag:
        chosen.append(query.Term("tags", filters.tag.lower()))
    return query.And(chosen) if chosen else None


def _facets(searcher: Searcher, docnums: list[int]) -> dict[str, dict[str, int]]:
    """Counts of kinds, tags and processes among these hits, read from one column."""
    column = searcher.reader().column_reader("facets")
    counts: dict[str, dict[str, int]] = {"type": {}, "tag": {}, "scope": {}}
    for docnum in docnums:
        kind, tags, scope = column[docnum].decode("utf-8").split(FACET_SEPARATOR)
        for name, values in (("type", [kind]), ("tag", tags.split(",")), ("scope", scope.split())):
            for value in values:
                if value:
                    counts[name][value] = counts[name].get(value, 0) + 1
    return counts


def _highlight_terms(parsed: query.Query, searcher: Searcher) -> frozenset[str]:
    """The stems to mark: the query's own, and those of words its prefixes and fuzzy terms
    expanded to."""
    terms = set()
    reader = searcher.reader()
    for leaf in parsed.leaves():
        for fieldname, text in leaf.expanded_terms(reader, phrases=True):
            if isinstance(text, bytes):
                text = text.decode("utf-8")
            if fieldname == "words":
                terms.update(token.text for token in STEMMED(text))
            elif fieldname in ("title", "body", "headings", "process"):
                terms.add(text)
    return frozenset(terms)


def _segments(text: str, terms: frozenset[str], whole: bool) -> list[list[Segment]]:
    if whole:
        fragmenter = highlight.WholeFragmenter()
    else:
        fragmenter = highlight.ContextFragmenter(maxchars=220, surround=70)
    fragments = highlight.highlight(
        text, terms, STEMMED, fragmenter, _SegmentFormatter(), top=2, minscore=1
    )
    if fragments:
        return fragments
    if whole:
        return [[(text, False)]]
    return [[(text[:200] + ("…" if len(text) > 200 else ""), False)]] if text else []


class _BuildLock:
    """One rebuild at a time across processes: whoever holds it builds, the others wait."""

    def __init__(self, path: Path):
        self.path = path
        self._fd: int | None = None

    def acquire(self, blocking: bool) -> bool:
        import fcntl

        self._fd = os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            os.close(self._fd)
            self._fd = None
            return False
        return True

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the flock
            self._fd = None
