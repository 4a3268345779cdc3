"""Whoosh queries: parsing what a person typed, finding and ranking the matches, facet counts,
highlights, and the helpers of corrections and prefixes. Pure functions over a searcher;
wiki.search.index holds the searcher and calls these."""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterator
from functools import partial

from whoosh import qparser, query
from whoosh.analysis import STOP_WORDS
from whoosh.matching import ListMatcher, NullMatcher
from whoosh.searching import Searcher

from wiki.search.index_marking import marks
from wiki.search.index_schema import (
    EVERYONE,
    FACET_SEPARATOR,
    PREFIX_FIELDS,
    RESTRICTED,
    SCHEMA,
    SEARCHED_FIELDS,
    STEMMED,
    Filters,
    Hit,
    Results,
)

MIN_PREFIX = 2
# A prefix stands for at most this many words (the commonest of the first MAX_CANDIDATES).
MAX_EXPANSIONS = 40
MAX_CANDIDATES = 2000
# ...and no more words than it takes to reach this many documents in all: the cost of a query
# grows with the documents its words are in.
MAX_PREFIX_POSTINGS = 20_000
# Facet counts are taken over this many of the best hits; ties at the edge of a page are
# settled among this many more.
FACET_SAMPLE = 500
TIE_MARGIN = 50
# Up to this many matches are ranked by every field. Past it, ranking them all would keep a
# person waiting (two words can match half of 50,000 pages): the best hits are then those
# with a word of the query in these fields, ranked by them, then the rest newest first.
RANKED = 500
# In an And, a part's documents are looked up one by one, not read whole, when the documents
# left are fewer than its own by this factor (a lookup skips through whole blocks of 128).
LOOKUP_RATIO = 8
# whoosh scores a word's fields (an Or) in an array of this many documents when the index
# holds fewer than 5,000, zeroing all of it for each word of the query: on a smaller index
# that costs more than the documents it scores (two thirds of a search's time on the demo).
ARRAY_PART = 2048
HEAD_FIELDS = {"title", "title_words", "headings", "process", "tags"}
# "-word" and -"a phrase" exclude, as in web search; a hyphen inside a word does not.
MINUS = r"(^|(?<=[\s(]))-(?=[\w\"(])"
WORD = re.compile(r"\w+")
OPERATORS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"}
# A word's (a query leaf's) documents, by the leaf.
Postings = dict[query.Query, frozenset[int]]


def parse(text: str, fields: list[str] = SEARCHED_FIELDS) -> query.Query:
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


def run(
    searcher: Searcher,
    parsed: query.Query,
    filters: Filters,
    page: int,
    size: int,
    postings: Postings | None = None,
) -> Results:
    """postings: the documents of each word already read by this searcher, kept while several
    searches over the same words run (a question's); None reads them all anew."""
    wanted = max(page, 1) * size
    parsed = capped_prefixes(parsed, searcher.reader())
    if searcher.doc_count_all() < ARRAY_PART:
        parsed = _unions_as_trees(parsed)
    # Every match, as a set (whoosh's filters take no frozenset): the exact total, and the
    # filter of the ranking below.
    matching = set(_matching(searcher, parsed, {} if postings is None else postings))
    matching -= hidden_from(searcher, filters.readers)
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
        found = searcher.search(_ScoredAmong(_Among(matching, searcher), parsed), limit=limit)
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
                url=stored["url"],
                process_id=stored.get("process_id"),
                score=score,
                updated=stored["updated"],
                marking=partial(marks, stored["title"], stored.get("body", ""), terms),
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


class _Among(query.Query):
    """Exactly these documents (the searcher's numbers), each scoring nothing: as the required
    side of AndMaybe, a query is scored on them alone. Scored with them as a filter, whoosh
    walked every posting of every word (a question's common words hold most of the wiki) and
    dropped the documents outside it."""

    def __init__(self, docnums: set[int], top: Searcher):
        self.docnums, self.top = docnums, top

    def matcher(self, searcher: Searcher, context=None):
        offset = next(start for leaf, start in self.top.leaf_searchers() if leaf is searcher)
        end = offset + searcher.reader().doc_count_all()
        ids = sorted(docnum - offset for docnum in self.docnums if offset <= docnum < end)
        return ListMatcher(ids, weights=[0.0] * len(ids)) if ids else NullMatcher()

    def estimate_size(self, ixreader) -> int:
        return len(self.docnums)

    def __eq__(self, other) -> bool:
        return self is other

    def __hash__(self) -> int:
        return id(self)


class _ScoredAmong(query.AndMaybe):
    """AndMaybe(_Among(documents), query): the query scored on those documents alone. A part
    of the index (a segment: each save adds one until they merge) holding none of them gets no
    matcher for the query, where whoosh would build one for every word of it in every part."""

    def matcher(self, searcher: Searcher, context=None):
        among = self.a.matcher(searcher, context)
        if not among.is_active():
            return NullMatcher()
        return self.matcherclass(among, self.b.matcher(searcher, context))


def _unions_as_trees(node: query.Query, top: bool = True) -> query.Query:
    """The query with each Or below its top whose matcher whoosh would choose (a word's
    fields, inside the words all required) scored as a tree of unions (see ARRAY_PART). An
    Or at the top (a question's words, matched by most of a small wiki) keeps one array for
    the whole query, and the prefixes' Ors the array they were given. In place: the query's
    compound parts are this search's own (capped_prefixes built them)."""
    if not top and isinstance(node, query.Or) and node.matcher_type == query.Or.AUTO_MATCHER:
        node.matcher_type = query.Or.DEFAULT_MATCHER
    for child in [] if node.is_leaf() else node.children():
        _unions_as_trees(child, top=False)
    return node


def _matching(searcher: Searcher, node: query.Query, postings: Postings) -> frozenset[int]:
    """The documents a query matches, from sets of each word's postings: whoosh's tree of
    matchers costs several times more once the words are in thousands of documents."""
    if isinstance(node, query.And):
        found = _all_of(searcher, node, postings)
        for child in node.subqueries:
            if isinstance(child, query.Not) and found:
                found -= _matching(searcher, child.query, postings)
        return found
    if isinstance(node, query.Or) and not node.minmatch:
        children = (_matching(searcher, child, postings) for child in node.subqueries)
        return frozenset().union(*children)
    if isinstance(node, query.Not):
        return _every(searcher) - _matching(searcher, node.query, postings)
    found = postings.get(node)
    if found is None:
        found = postings[node] = frozenset(searcher.docs_for_query(node))
    return found


def _all_of(searcher: Searcher, node: query.And, postings: Postings) -> frozenset[int]:
    """The documents every part of an And matches, the parts taken rarest first: once the
    documents left are few beside a part's, they are looked up in its postings instead of
    reading them all (a question's common words are each in most of the wiki), and nothing
    more is read once none are left."""
    kept = [child for child in node.subqueries if not isinstance(child, query.Not)]
    if not kept:
        return _every(searcher)
    reader = searcher.reader()
    sizes = {id(child): _size(child, reader, postings) for child in kept}
    kept.sort(key=lambda child: sizes[id(child)])
    found = _matching(searcher, kept[0], postings)
    for child in kept[1:]:
        if not found:
            break
        if len(found) * LOOKUP_RATIO < sizes[id(child)]:
            found = frozenset(_holding(searcher, child, set(found), postings))
        else:
            found &= _matching(searcher, child, postings)
    return found


def _size(node: query.Query, reader, postings: Postings) -> int:
    known = postings.get(node)
    return len(known) if known is not None else node.estimate_size(reader)


def _holding(searcher: Searcher, node: query.Query, candidates: set[int], postings: Postings):
    """Those of the candidates the query matches, each looked up in its words' postings."""
    if isinstance(node, query.Or) and not node.minmatch:
        found: set[int] = set()
        for child in node.subqueries:
            if not candidates:
                break
            held = _holding(searcher, child, candidates, postings)
            found |= held
            candidates = candidates - held
        return found
    if isinstance(node, query.And) and not any(
        isinstance(child, query.Not) for child in node.subqueries
    ):
        for child in node.subqueries:
            candidates = _holding(searcher, child, candidates, postings)
        return candidates
    if type(node) is query.Term and node not in postings:
        return _term_holding(searcher, node, candidates)
    return candidates & _matching(searcher, node, postings)


def _term_holding(searcher: Searcher, term: query.Term, candidates: set[int]) -> set[int]:
    found = set()
    for leaf, offset in searcher.leaf_searchers():
        reader = leaf.reader()
        end = offset + reader.doc_count_all()
        wanted = sorted(docnum - offset for docnum in candidates if offset <= docnum < end)
        if not wanted or (term.fieldname, term.text) not in reader:
            continue
        # Skipping to a document passes whole blocks of postings unread.
        matcher = reader.postings(term.fieldname, term.text)
        for docnum in wanted:
            if not matcher.is_active():
                break
            matcher.skip_to(docnum)
            if matcher.is_active() and matcher.id() == docnum:
                found.add(docnum + offset)
    return found


def _every(searcher: Searcher) -> frozenset[int]:
    return frozenset(searcher.reader().all_doc_ids())


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


def known_word(searcher: Searcher, word: str) -> bool:
    """Whether any document holds the word, as typed or in another form of it."""
    return bool(
        searcher.doc_frequency("words", word)
        or any(searcher.doc_frequency("body", token.text) for token in STEMMED(word))
        or any(searcher.doc_frequency("title", token.text) for token in STEMMED(word))
    )


def loosen(node: query.Query, searcher: Searcher) -> query.Query:
    """Each word the index lacks also as the words within an edit or two of it. A word some
    page holds stays as typed: it is no typo "did you mean" would correct, and its near
    spellings ("bank" → "banks", "back") only dilute the query, at the price of walking the
    vocabulary for each (most of a short query's time)."""
    if isinstance(node, query.Not):
        return node
    if isinstance(node, query.Term) and node.fieldname == "words" and len(node.text) > 2:
        if known_word(searcher, node.text):
            return node
        distance = 1 if len(node.text) <= 5 else 2
        return query.Or(
            [node, query.FuzzyTerm("words", node.text, maxdist=distance, prefixlength=1)]
        )
    if node.is_leaf():
        return node
    return node.apply(lambda child: loosen(child, searcher))


def _prefixes_on_words(node: query.Query) -> query.Query:
    if isinstance(node, query.Prefix):
        if len(node.text) < MIN_PREFIX:
            return query.NullQuery  # "a*" would match a good part of the vocabulary
        if node.fieldname in PREFIX_FIELDS:
            return query.Prefix(PREFIX_FIELDS[node.fieldname], node.text, boost=node.boost)
    return node


def capped_prefixes(node: query.Query, reader) -> query.Query:
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
    return node.apply(lambda child: capped_prefixes(child, reader))


def _without_unpositioned_phrases(node: query.Query) -> query.Query:
    """A phrase spread over every field also lands on fields kept without word positions."""
    if isinstance(node, query.Phrase) and not SCHEMA[node.fieldname].format.supports("positions"):
        return query.NullQuery
    return node


def hidden_from(searcher: Searcher, readers: list[str]) -> set[int]:
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
    """What the person chose to narrow to: a process subtree, a kind, a tag, verified pages."""
    chosen: list[query.Query] = []
    if filters.verified is not None:
        # No verified page at all: a key no document has.
        keys = sorted(filters.verified) or [""]
        chosen.append(query.Or([query.Term("key", key) for key in keys]))
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
