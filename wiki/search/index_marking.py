"""Marking a whoosh hit: its title, and the best fragments of its body around the query's words,
with those words marked. A word is marked when STEMMED would index it as one of the query's
terms, as whoosh's highlighter marks it; the fragments are cut around the marked words only
(most of a long page is nowhere near them): through the analyzer and whoosh's fragmenter, which
read every word of the page in Python, marking a page of hits cost more than finding them. The
PostgreSQL backend cuts its snippets here too (wiki.search.postgres_marking)."""

from __future__ import annotations

import re
from functools import lru_cache

from wiki.search.index_schema import STEMMED, Marks, Segment

# A fragment is at most SNIPPET_CHARS long, with up to CONTEXT_CHARS before its first marked
# word and after its last; a snippet shows the best FRAGMENTS of them, in the page's order.
SNIPPET_CHARS = 220
CONTEXT_CHARS = 70
FRAGMENTS = 2
# Marked words past this many are not read (a page that holds the query's words a thousand
# times has its snippet among the first of them).
MAX_MARKED = 400
# Without a word to mark, a snippet is the start of the body.
OPENING_CHARS = 200

_TOKENIZER, _, _STOPS, _STEMMER = STEMMED.items
_WORD = _TOKENIZER.expression  # a word as STEMMED reads it: \w+(\.?\w+)*
_KEPT = _STOPS.stops | _STEMMER.ignore  # words STEMMED keeps as typed (it marks stop words)
_SHORTEST = _STOPS.min
_stem = lru_cache(maxsize=50_000)(_STEMMER.stemfn)
_WORD_BEGINNING = re.compile(r"(?<![\w.])\w")
_WORD_CHAR = re.compile(r"[\w.]")
_PARTIAL_WORD_AT_END = re.compile(r"[\w.]+$")

Match = tuple[int, int, str]  # where a marked word starts and ends, and its term


def stem_of(word: str) -> str:
    """The term STEMMED indexes a word as."""
    word = word.lower()
    return word if word in _KEPT or len(word) < _SHORTEST else _stem(word)


def marked_words(text: str, terms: frozenset[str]) -> list[Match]:
    """The words of a text that STEMMED reads as one of the terms, in order."""
    found: list[Match] = []
    for candidate in _word_starts(terms).finditer(text):
        word = _WORD.match(text, candidate.start())
        if word is None:
            continue
        term = stem_of(word.group())
        if term in terms:
            found.append((word.start(), word.end(), term))
            if len(found) == MAX_MARKED:
                break
    return found


@lru_cache(maxsize=1024)
def _word_starts(terms: frozenset[str]) -> re.Pattern:
    """Where a word may begin that stems to one of the terms: a word begins with its stem but
    for the stem's last letter or two (happy → happi, hoping → hope)."""
    beginnings = sorted({term[: max(1, len(term) - 2)] for term in terms}, key=len, reverse=True)
    if not beginnings:
        return re.compile(r"(?!)")
    return re.compile(
        r"(?<![\w*])(?<![\w*]\.)(?:" + "|".join(map(re.escape, beginnings)) + ")", re.IGNORECASE
    )


def marks(title: str, body: str, terms: frozenset[str]) -> Marks:
    """A hit's title with the words marked, and its snippet: the best fragments of its body,
    or its start when none holds a word to mark."""
    return whole(title, marked_words(title, terms)), snippet(body, terms)


def snippet(body: str, terms: frozenset[str]) -> list[list[Segment]]:
    """The best FRAGMENTS fragments of the body, shown in its order."""
    return snippet_around(body, marked_words(body, terms))


def whole(text: str, found: list[Match]) -> list[Segment]:
    """The whole text as (text, matched) pairs, these words marked (a title)."""
    return _segments(text, 0, len(text), found)


def snippet_around(body: str, found: list[Match]) -> list[list[Segment]]:
    """The best FRAGMENTS fragments of the body around these marked words, in its order, or
    its start when there are none. (The PostgreSQL backend finds its marked words its own
    way and cuts its snippets here.)"""
    fragments = _fragments(body, found)
    if not fragments:
        if not body:
            return []
        return [[(body[:OPENING_CHARS] + ("…" if len(body) > OPENING_CHARS else ""), False)]]
    best = sorted(fragments, key=_best_first)[:FRAGMENTS]
    return [_segments(body, start, end, found) for start, end, found in sorted(best)]


def _best_first(fragment: tuple[int, int, list[Match]]) -> tuple[int, int]:
    """Scored as whoosh's BasicFragmentScorer scores a fragment (its marks times its different
    words marked), the earlier first among equals."""
    start, _, found = fragment
    return -len(found) * len({term for _, _, term in found}), start


def _fragments(text: str, found: list[Match]) -> list[tuple[int, int, list[Match]]]:
    """The marked words grouped into fragments of at most SNIPPET_CHARS, each from a word's
    beginning CONTEXT_CHARS before its first mark to a word's end CONTEXT_CHARS after its last
    (less where that would reach the next fragment's first mark or pass its length)."""
    groups: list[tuple[int, list[Match]]] = []  # where each starts, and its marked words
    floor = 0
    for match in found:
        if groups and match[1] - groups[-1][0] <= SNIPPET_CHARS:
            groups[-1][1].append(match)
            continue
        if groups:
            floor = max(floor, groups[-1][1][-1][1])
        groups.append((_context_start(text, match[0], floor), [match]))
    fragments = []
    for number, (start, group) in enumerate(groups):
        last = group[-1][1]
        ceiling = groups[number + 1][0] if number + 1 < len(groups) else len(text)
        end = _word_end(text, last, min(last + CONTEXT_CHARS, start + SNIPPET_CHARS, ceiling))
        fragments.append((start, end, group))
    return fragments


def _context_start(text: str, first_mark: int, floor: int) -> int:
    """Where a fragment whose first marked word begins at first_mark starts: at the first word
    beginning CONTEXT_CHARS before it, not before floor."""
    beginning = _WORD_BEGINNING.search(text, max(floor, first_mark - CONTEXT_CHARS), first_mark)
    return beginning.start() if beginning else first_mark


def _word_end(text: str, last_mark: int, end: int) -> int:
    """end, moved back out of a word it would cut and off the spaces before it, but not
    before the last marked word's end."""
    if end <= last_mark:
        return last_mark
    if end < len(text) and _WORD_CHAR.match(text, end - 1) and _WORD_CHAR.match(text, end):
        partial = _PARTIAL_WORD_AT_END.search(text, last_mark, end)
        if partial is not None:
            end = partial.start()
    return last_mark + len(text[last_mark:end].rstrip())


def _segments(text: str, start: int, end: int, found: list[Match]) -> list[Segment]:
    """text[start:end] as (text, matched) pairs, the marked words matched."""
    segments: list[Segment] = []
    position = start
    for word_start, word_end, _ in found:
        if word_start < position or word_end > end:
            continue
        if word_start > position:
            segments.append((text[position:word_start], False))
        segments.append((text[word_start:word_end], True))
        position = word_end
    if end > position:
        segments.append((text[position:end], False))
    return segments
