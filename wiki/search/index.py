"""The one place that searches whoosh: a SearchIndex reads the current generation of an index
directory (kept by wiki.search.index_store) with a searcher per thread, and answers searches,
near spellings, "did you mean" and quick-find through wiki.search.index_query.

Nothing here knows about the database or Flask; callers hand in `Document`s and reader labels.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from whoosh import query
from whoosh.searching import Searcher

from wiki.search.index_query import (
    MIN_PREFIX,
    Postings,
    capped_prefixes,
    correctable_words,
    hidden_from,
    known_word,
    loosen,
    parse,
    run,
)
from wiki.search.index_schema import (
    FUZZY_FIELDS,
    PLAIN,
    SEARCHED_FIELDS,
    Filters,
    Hit,
    Results,
    marked,
)
from wiki.search.index_store import IndexStore, damage_surfaces

# Opening a searcher reads the segments' tables of contents, not the index itself (about 50 ms
# at 50,000 pages with its first query), so reopening one this often costs little, and what a
# worker holds stays bounded (bench/search_memory_bench.py).
USES_PER_SEARCHER = 100


@dataclass
class _Kept:
    """A thread's searcher, the generation it reads and how often it has been handed out."""

    generation: Path
    searcher: Searcher
    uses: int = 1


class SearchIndex(IndexStore):
    """An index directory that answers searches."""

    # -- reading -----------------------------------------------------------------------------

    @damage_surfaces
    def _searcher(self) -> Searcher:
        """This thread's searcher on the current generation, opened afresh when that has
        changed and after every USES_PER_SEARCHER uses: a searcher keeps the pages of the
        index it has read mapped into the worker (and whoosh's caches of term weights and
        columns), and only closing it lets them go."""
        generation = self.current_generation()
        cached: _Kept | None = getattr(self._local, "cached", None)
        if (
            cached is not None
            and cached.generation == generation
            and cached.uses < USES_PER_SEARCHER
            and cached.searcher.up_to_date()
        ):
            cached.uses += 1
            return cached.searcher
        if cached is not None:
            cached.searcher.close()
        # Not Searcher.refresh(): it reuses a segment's reader with the deletions it had
        # then, so a replaced document would show twice.
        searcher = self._open().searcher()
        self._local.cached = _Kept(generation, searcher)
        return searcher

    @damage_surfaces
    def stamps(self) -> dict[str, str]:
        """Every document's key and stamp, read from columns (no stored bodies)."""
        searcher = self._searcher()
        reader = searcher.reader()
        if reader.doc_count_all() == 0:
            return {}  # an empty index has no columns to read
        keys = reader.column_reader("key")
        stamps = reader.column_reader("stamp")
        return {keys[n]: stamps[n] for n in reader.all_doc_ids()}

    @damage_surfaces
    def search(self, text: str, filters: Filters, page: int = 1, page_size: int = 20) -> Results:
        searcher = self._searcher()
        parsed = self.parse(text)
        return self._run(searcher, parsed, filters, page, page_size)

    @damage_surfaces
    def search_fuzzy(
        self, text: str, filters: Filters, page: int = 1, page_size: int = 20
    ) -> Results | None:
        """The same query, each plain word also matching words within an edit or two of it
        (phrases and exclusions stay exact); None when there is no plain word to loosen."""
        parsed = self.parse(text, FUZZY_FIELDS)
        searcher = self._searcher()
        loosened = loosen(parsed, searcher)
        if loosened == parsed:
            return None
        return self._run(searcher, loosened, filters, page, page_size)

    @damage_surfaces
    def did_you_mean(self, text: str, filters: Filters) -> str | None:
        """The query with each unknown word replaced by the nearest word that occurs in a
        document this reader may see (so no hidden or deleted word leaks out)."""
        searcher = self._searcher()
        corrector = searcher.corrector("words")
        hidden = hidden_from(searcher, filters.readers)
        corrected = text
        for word in correctable_words(text):
            lower = word.lower()
            if known_word(searcher, lower):
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

    @damage_surfaces
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
        capped = capped_prefixes(query.And(terms), searcher.reader())
        results = searcher.search(capped, limit=limit, mask=hidden_from(searcher, readers))
        return [
            Hit(
                key=hit["key"],
                type=hit["type"],
                marking=marked([(hit["title"], False)], []),
                url=hit["url"],
                process_id=hit.get("process_id"),
                score=hit.score or 0.0,
                updated=hit["updated"],
            )
            for hit in results
        ]

    def parse(self, text: str, fields: list[str] = SEARCHED_FIELDS) -> query.Query:
        return parse(text, fields)

    @contextmanager
    def reading_shared(self) -> Iterator[None]:
        """Within it, this thread's searches read each word's documents once: a question runs
        several searches over the same words (as typed, with the glossary's, then most of
        them). Not kept past it: a word's documents change with every save."""
        self._local.postings = (None, {})
        try:
            yield
        finally:
            self._local.postings = None

    def _run(
        self, searcher: Searcher, parsed: query.Query, filters: Filters, page: int, size: int
    ) -> Results:
        return run(searcher, parsed, filters, page, size, self._postings_of(searcher))

    def _postings_of(self, searcher: Searcher) -> Postings | None:
        """The postings shared by this thread's searches (see reading_shared) if it shares
        them, for this searcher: one on a newer generation numbers its documents anew."""
        shared = getattr(self._local, "postings", None)
        if shared is None:
            return None
        if shared[0] is not searcher:
            shared = self._local.postings = (searcher, {})
        return shared[1]
