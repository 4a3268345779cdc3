"""Queries of the PostgreSQL search backend: ranked hits with totals, facets and their marking;
typo tolerance and "did you mean" from the vocabulary (pg_trgm); quick-find on titles. Every
query filters by the reader's labels inside the database, so a document someone may not read
never reaches their hits, counts, facets or suggestions.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from functools import partial

from rapidfuzz.distance import Levenshtein
from sqlalchemy import Connection, text

from wiki.search import index_query as shared
from wiki.search.index_query import STOP_WORDS, correctable_words
from wiki.search.index_schema import Filters, Hit, Results, marked
from wiki.search.postgres_marking import Marking
from wiki.search.query_syntax import (
    NOTHING,
    WORD,
    Node,
    parse,
    positive_terms,
    simplify,
    tsquery,
)

# Prefixes and loosened words of one query that are expanded; the rest stay as typed.
MAX_EXPANDED = 5
# Words a correction is looked for among: the nearest by trigrams.
NEIGHBOURS = 40
# Up to this many matches are counted exactly and ranked by every field they hold. Past it,
# the total is estimated ("about N") and the best hits are those whose title, headings, tags
# or processes hold a word of the query, then the rest by recency: ranking tens of thousands
# of matches would read every one of their bodies...
RANKED = 500
# ...and the facets of such a search count this many of the best hits.
MANY_SAMPLE = 200


def expand(connection: Connection, node: Node, fuzzy: bool = False) -> Node:
    """Prefixes as the commonest words they start, and with `fuzzy`, plain words no document
    holds also as the words within an edit or two of them; NOTHING when no document can
    match."""
    budget = [MAX_EXPANDED]

    def visit(node: Node, negated: bool) -> Node:
        if node.kind == "prefix":
            if budget[0] <= 0:
                return Node("term", node.words, [])
            budget[0] -= 1
            words = _prefix_words(connection, node.words[0])
            return Node("or", [], [Node("term", [w], []) for w in words]) if words else NOTHING
        if node.kind == "term" and fuzzy and not negated and len(node.words[0]) > 2:
            if budget[0] <= 0:
                return node
            budget[0] -= 1
            known, near = _neighbours(connection, node.words[0])
            if known:  # as typed: see wiki.search.index_query.loosen
                return node
            return Node("or", [], [node, *(Node("term", [w], []) for w in near)])
        if node.kind in ("and", "or", "not"):
            kids = [visit(child, negated or node.kind == "not") for child in node.children]
            return Node(node.kind, [], kids)
        return node

    return simplify(visit(node, False)) or NOTHING


def _prefix_words(connection: Connection, prefix: str) -> list[str]:
    """The commonest words starting with `prefix`: at most MAX_EXPANSIONS, and no more than
    it takes to reach MAX_PREFIX_POSTINGS documents (a query costs what its words match)."""
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    rows = connection.execute(
        text(
            "SELECT word, documents FROM search_words WHERE word LIKE :pattern"
            " ORDER BY documents DESC, word LIMIT :limit"
        ),
        {"pattern": escaped + "%", "limit": shared.MAX_EXPANSIONS},
    ).all()
    words: list[str] = []
    postings = 0
    for word, documents in rows:
        if words and postings + documents > shared.MAX_PREFIX_POSTINGS:
            break
        words.append(word)
        postings += documents
    return words


def _near_words(connection: Connection, word: str, distance: int | None = None) -> list[str]:
    """Words of the vocabulary within an edit (up to five letters) or two of `word`, with
    its first letter, nearest first, then commonest."""
    return _neighbours(connection, word, distance)[1]


def _neighbours(
    connection: Connection, word: str, distance: int | None = None
) -> tuple[bool, list[str]]:
    """Whether the vocabulary holds `word` itself, and its near words (see _near_words)."""
    if distance is None:
        distance = 1 if len(word) <= 5 else 2
    rows = connection.execute(
        text(
            "SELECT word, documents FROM search_words"
            " WHERE word LIKE :first AND length(word) BETWEEN :shortest AND :longest"
            " ORDER BY word <-> :word LIMIT :limit"
        ),
        {
            "first": word[0].replace("_", "\\_") + "%",
            "shortest": len(word) - distance,
            "longest": len(word) + distance,
            "word": word,
            "limit": NEIGHBOURS,
        },
    ).all()
    near = []
    for candidate, documents in rows:
        edits = Levenshtein.distance(word, candidate, score_cutoff=distance)
        if candidate != word and edits <= distance:
            near.append((edits, -documents, candidate))
    known = any(candidate == word for candidate, _ in rows)
    return known, [candidate for _, _, candidate in sorted(near)]


# -- searching -------------------------------------------------------------------------------

# The matches, in the order the table holds them (a bitmap scan reads it front to back), up
# to a limit: how many there are, and how far into the table the last one was found.
COUNTED = """
SELECT count(*) AS matched, coalesce(max((found.ctid::text::point)[0]), 0) + 1 AS reached,
       pg_relation_size('search_documents') / current_setting('block_size')::int AS blocks,
       (SELECT reltuples FROM pg_class WHERE oid = 'search_documents'::regclass) AS rows
FROM (
    SELECT d.ctid FROM search_documents d, to_tsquery('english', :query) AS q(query)
    WHERE d.vector @@ q.query AND d.readers && CAST(:readers AS text[]) {narrowing}
    LIMIT :limit
) AS found
"""
ROWS = "d.key, d.type, d.tags, d.scope, d.updated, d.title, d.url, d.process_id"
# A few matches: ranked by every field (ts_rank weighs title, headings, processes, body).
RANKED_ROWS = f"""
SELECT {ROWS}, ts_rank(d.vector, q.query) AS score
FROM search_documents d, to_tsquery('english', :query) AS q(query)
WHERE d.vector @@ q.query AND d.readers && CAST(:readers AS text[]) {{narrowing}}
ORDER BY score DESC, d.updated DESC, d.key LIMIT :limit
"""
# Many matches: first those with a word of the query in their head, ranked by it (the head
# is small and kept in the row; both conditions are answered by GIN indexes)...
HEAD_ROWS = f"""
SELECT {ROWS}, ts_rank(d.head, a.query) AS score
FROM search_documents d, to_tsquery('english', :query) AS q(query),
     to_tsquery('english', :any) AS a(query)
WHERE {{whole}} d.head @@ a.query
    AND d.readers && CAST(:readers AS text[]) {{narrowing}}
ORDER BY score DESC, d.updated DESC, d.key LIMIT :limit
"""
# ...then the others, the most recently updated first.
BODY_ROWS = f"""
SELECT {ROWS}, 0.0 AS score
FROM search_documents d, to_tsquery('english', :query) AS q(query),
     to_tsquery('english', :any) AS a(query)
WHERE d.vector @@ q.query AND NOT d.head @@ a.query
    AND d.readers && CAST(:readers AS text[]) {{narrowing}}
ORDER BY d.updated DESC, d.key LIMIT :limit
"""
# Set on a connection whose transaction has index scans off (see _many).
INDEX_SCANS_OFF = "search: index scans off"
# The condition that the whole document matches, in HEAD_ROWS.
WHOLE = "d.vector @@ q.query AND"


def search(
    connection: Connection,
    text_: str,
    filters: Filters,
    page: int,
    size: int,
    fuzzy: bool = False,
) -> Results | None:
    """Ranked hits, the total, facets over the best hits; with `fuzzy`, None when there is
    no plain word to loosen."""
    parsed = parse(text_)
    if parsed is None:
        return None if fuzzy else _empty()
    expanded = expand(connection, parsed)
    if fuzzy:
        loosened = expand(connection, parsed, fuzzy=True)
        if tsquery(loosened) == tsquery(expanded):
            return None
        expanded = loosened
    if expanded is NOTHING:
        return _empty()
    narrowing, parameters = _narrowing(filters)
    parameters.update(query=tsquery(expanded), readers=filters.readers)
    wanted = max(page, 1) * size
    counted = connection.execute(
        text(COUNTED.format(narrowing=narrowing)), {**parameters, "limit": RANKED + 1}
    ).one()
    if counted.matched <= RANKED:
        total, approximate = counted.matched, False
        limit = max(shared.FACET_SAMPLE, wanted)
        rows = _rows(connection, RANKED_ROWS, narrowing, parameters, limit)
    else:
        # The share of the table read to find RANKED + 1 matches tells how many there are.
        total = max(RANKED + 1, _about(counted.matched * counted.blocks / counted.reached))
        approximate = True
        limit = max(min(shared.FACET_SAMPLE, MANY_SAMPLE), wanted)
        # Reading the newest documents until enough match costs a stored vector per
        # document read; collecting every match and sorting them costs a row read each,
        # about a tenth of that: the first wins when a good share of documents match.
        share = total / max(counted.rows, total)
        newest_first = share > math.sqrt(10 * limit / max(counted.rows, 1))
        rows = _many(connection, expanded, narrowing, parameters, limit, newest_first)
    page_count = max(1, -(-total // size))
    page = min(max(page, 1), page_count, max(1, -(-len(rows) // size)))
    shown = rows[(page - 1) * size : page * size]
    return Results(
        hits=_hits(connection, shown, positive_terms(expanded)),
        total=total,
        page=page,
        page_count=page_count,
        facets=_facets(rows),
        facets_sampled=len(rows) if total > len(rows) else 0,
        approximate=approximate,
    )


def _rows(
    connection: Connection,
    sql: str,
    narrowing: str,
    parameters: dict,
    limit: int,
    whole: str = WHOLE,
):
    return connection.execute(
        text(sql.format(narrowing=narrowing, whole=whole)), {**parameters, "limit": limit}
    ).all()


def _many(
    connection: Connection,
    query: Node,
    narrowing: str,
    parameters: dict,
    limit: int,
    newest_first: bool,
):
    """The best `limit` of many matches: head matches by rank, then the rest by recency."""
    words = {**parameters, "any": " | ".join(positive_terms(query))}
    # The head is the start of the vector: when "any of its words" is the query itself (one
    # word, a phrase, words joined by OR), a head that matches is a match, and not asking the
    # vector as well spares reading every such document's whole vector (2-4x faster).
    implied = words["query"] in (words["any"], f"({words['any']})")
    rows = _rows(connection, HEAD_ROWS, narrowing, words, limit, "" if implied else WHOLE)
    if len(rows) < limit:
        if not newest_first:  # the planner cannot tell the two costs apart
            connection.execute(text("SET LOCAL enable_indexscan = off"))
            connection.info[INDEX_SCANS_OFF] = True  # for a next search on this connection
        rows += _rows(connection, BODY_ROWS, narrowing, words, limit - len(rows))
    return rows


def _about(estimate: float) -> int:
    """An estimate to two significant figures: 23,456 → 23,000."""
    digits = max(0, len(str(int(estimate))) - 2)
    return int(round(estimate, -digits))


def _empty() -> Results:
    return Results(hits=[], total=0, page=1, page_count=1, facets=_facets([]))


def _narrowing(filters: Filters) -> tuple[str, dict]:
    """What the person chose to narrow to: a process subtree, a kind, a tag, verified pages."""
    clauses, parameters = [], {}
    if filters.verified is not None:
        clauses.append("d.key = ANY(CAST(:verified AS text[]))")
        parameters["verified"] = sorted(filters.verified)
    if filters.scope:
        clauses.append("d.scope @> ARRAY[CAST(:scope AS text)]")
        parameters["scope"] = filters.scope
    if filters.type:
        clauses.append("d.type = :type")
        parameters["type"] = filters.type
    if filters.tag:
        clauses.append("d.tags @> ARRAY[CAST(:tag AS text)]")
        parameters["tag"] = filters.tag.lower()
    return "".join(" AND " + clause for clause in clauses), parameters


def _facets(rows) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {"type": {}, "tag": {}, "scope": {}}
    for row in rows:
        for name, values in (("type", [row.type]), ("tag", row.tags), ("scope", row.scope)):
            for value in values:
                counts[name][value] = counts[name].get(value, 0) + 1
    return counts


def _hits(connection: Connection, rows, terms: list[str]) -> list[Hit]:
    """The page's hits; their titles and snippets are marked when first shown."""
    marking = Marking(connection.engine, {row.key: row.title for row in rows}, terms)
    return [
        Hit(
            key=row.key,
            type=row.type,
            url=row.url,
            process_id=row.process_id,
            score=float(row.score),
            updated=_seconds(row.updated),
            marking=partial(marking.of, row.key),
        )
        for row in rows
    ]


def _seconds(moment: datetime) -> int:
    return int(moment.replace(tzinfo=UTC).timestamp())


# -- corrections and quick-find --------------------------------------------------------------

VISIBLE = """
SELECT c.word FROM unnest(CAST(:words AS text[])) WITH ORDINALITY AS c(word, n)
WHERE EXISTS (
    SELECT 1 FROM search_documents d
    WHERE d.vector @@ plainto_tsquery('english', c.word) AND d.readers && CAST(:readers AS text[])
)
ORDER BY c.n LIMIT 1
"""


def _first_visible(connection: Connection, words: list[str], readers: list[str]) -> str | None:
    """The first of these words that a document this reader may see holds."""
    if not words:
        return None
    return connection.scalar(text(VISIBLE), {"words": words, "readers": readers})


def did_you_mean(connection: Connection, text_: str, readers: list[str]) -> str | None:
    """The query with each unknown word replaced by the nearest word of a document this
    reader may see (so no hidden or deleted word leaks out)."""
    corrected = text_
    for word in correctable_words(text_)[: MAX_EXPANDED * 2]:
        lower = word.lower()
        if _first_visible(connection, [lower], readers):
            continue  # known, in this or another form ("procedures" for "procedure")
        for distance in (1, 2):
            near = _near_words(connection, lower, distance)[:5]
            found = _first_visible(connection, near, readers)
            if found:
                corrected = re.sub(rf"\b{re.escape(word)}\b", found, corrected, count=1)
                break
    return corrected if corrected != text_ else None


QUICK = """
SELECT key, type, title, url, process_id, updated, ts_rank(title_words, q.query) AS score
FROM search_documents, to_tsquery('simple', :query) AS q(query)
WHERE title_words @@ q.query AND readers && CAST(:readers AS text[])
ORDER BY score DESC, length(title), updated DESC LIMIT :limit
"""


def quick_find(connection: Connection, text_: str, readers: list[str], limit: int) -> list[Hit]:
    """Titles that hold every word typed, the last one as a prefix, in any order."""
    words = [w for w in WORD.findall(text_.lower()) if len(w) > 1 and w not in STOP_WORDS]
    if not words:
        return []
    terms = [f"'{word}'" for word in words[:-1]]
    last = words[-1]
    terms.append(f"'{last}':*" if len(last) >= shared.MIN_PREFIX else f"'{last}'")
    rows = connection.execute(
        text(QUICK), {"query": " & ".join(terms), "readers": readers, "limit": limit}
    ).all()
    return [
        Hit(
            key=row.key,
            type=row.type,
            marking=marked([(row.title, False)], []),
            url=row.url,
            process_id=row.process_id,
            score=float(row.score),
            updated=_seconds(row.updated),
        )
        for row in rows
    ]
