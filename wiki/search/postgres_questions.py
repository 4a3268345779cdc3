"""Questions on the PostgreSQL backend: pages ranked by the concepts of a question they hold,
BM25-style (each word's rank in the document, ts_rank weighing title A to body D, times how
rare the word is), for when no page holds every word. Reuses the hits, facets and filters of
wiki.search.postgres_query; nothing here knows about Flask."""

from __future__ import annotations

import math

from sqlalchemy import Connection, text

from wiki.search import postgres_query
from wiki.search.index_schema import Filters, Results
from wiki.search.query_syntax import Node, tsquery
from wiki.search.questions import Concept

# A word's documents are counted up to this many: past it, a word is common, and how common
# hardly changes its weight. It bounds the cost of counting.
COUNTED = 2000
# Only words in fewer documents than this choose the candidates; common ones add to their
# rank. When every word is common, the candidates are those with a word in their head.
RARE = 1000
# Candidates ranked at most: a question is answered by its best few pages.
CANDIDATES = 2000
MAX_LOOSENED = 2
LOOSENED_WEIGHT = 0.5

FREQUENCIES = """
SELECT t.term,
       (SELECT count(*) FROM (
            SELECT 1 FROM search_documents d
            WHERE d.vector @@ to_tsquery('english', t.term) LIMIT :counted) AS found),
       {documents} AS documents
FROM unnest(CAST(:terms AS text[])) AS t(term)
"""
# How many documents there are (a word's rarity is its share of them): counted up to
# EXACT_UP_TO, past which the planner's estimate (kept by autovacuum) is close enough and
# counting would cost a scan. The estimate alone is wrong for long after a table shrinks.
EXACT_UP_TO = 5_000
# (Asked with the frequencies, as one more column: a round trip less.)
DOCUMENTS = """
(SELECT CASE WHEN counted.n < :exact THEN counted.n
             ELSE greatest(c.reltuples::bigint, counted.n) END
FROM (SELECT count(*) AS n FROM (SELECT 1 FROM search_documents LIMIT :exact) AS s) AS counted,
     pg_class c
WHERE c.oid = 'search_documents'::regclass)
"""
# The candidates are read once: ranked, and counted (the total) as they are.
RANKED = """
SELECT {rows}, ({score}) AS score, d.total
FROM (
    SELECT d.*, count(*) OVER () AS total FROM (
        SELECT d.* FROM search_documents d
        WHERE d.{column} @@ to_tsquery('english', :any)
            AND d.readers && CAST(:readers AS text[]) {narrowing}
        LIMIT :candidates
    ) AS d
) AS d
ORDER BY score DESC, d.updated DESC, d.key LIMIT :limit
"""


def best_match(
    connection: Connection, concepts: list[Concept], filters: Filters, page: int, size: int
) -> Results:
    """Every document that holds any of the concepts, ranked by how many, how rare and where."""
    weights: dict[str, float] = {}
    frequencies: dict[str, int] = {}
    words_of: dict[str, tuple[str, ...]] = {}
    for concept in concepts:
        for words in concept.alternatives:
            words_of.setdefault(_tsquery(words), words)
            weights.setdefault(_tsquery(words), 1.0)
    counted, documents = _frequencies(connection, words_of, with_documents=True)
    frequencies.update(counted)
    loosened = 0
    for concept in concepts:
        single = [words for words in concept.alternatives if len(words) == 1]
        unknown = single and not any(frequencies.get(_tsquery(w)) for w in single)
        if unknown and loosened < MAX_LOOSENED and len(single[0][0]) > 3:
            loosened += 1
            near = {
                _tsquery((word,)): (word,)
                for word in postgres_query._near_words(connection, single[0][0])[:3]
            }
            frequencies.update(_frequencies(connection, near)[0])
            for term in near:
                weights.setdefault(term, LOOSENED_WEIGHT)
    terms = [term for term in weights if frequencies.get(term)]
    # Near spellings alone ("parking quokkas" → "packing") are guesses, not an answer.
    if not any(weights[term] == 1.0 for term in terms):
        return postgres_query._empty()
    parameters: dict = {}
    score = []
    for number, term in enumerate(terms):
        found = frequencies[term]
        rarity = math.log(1 + (documents - found + 0.5) / (found + 0.5))
        parameters[f"t{number}"] = term
        parameters[f"w{number}"] = rarity * weights[term]
        score.append(
            f"CAST(:w{number} AS float8) * ts_rank(d.vector, to_tsquery('english', :t{number}))"
        )
    rare = [term for term in terms if frequencies[term] < RARE]
    column = "vector" if rare else "head"
    narrowing, narrowed = postgres_query._narrowing(filters)
    parameters.update(
        narrowed,
        any=" | ".join(rare or terms),
        readers=filters.readers,
        candidates=CANDIDATES,
        limit=max(postgres_query.shared.FACET_SAMPLE, max(page, 1) * size),
    )
    rows = connection.execute(
        text(
            RANKED.format(
                rows=postgres_query.ROWS,
                score=" + ".join(score),
                column=column,
                narrowing=narrowing,
            )
        ),
        parameters,
    ).all()
    total = rows[0].total if rows else 0
    page_count = max(1, -(-total // size))
    page = min(max(page, 1), page_count)
    shown = rows[(page - 1) * size : page * size]
    return Results(
        hits=postgres_query._hits(connection, shown, terms),
        total=total,
        page=page,
        page_count=page_count,
        facets=postgres_query._facets(rows),
        approximate=total >= CANDIDATES,
    )


def _tsquery(words: tuple[str, ...]) -> str:
    """A word or phrase as tsquery text of quoted \\w+ words only."""
    return tsquery(Node("term" if len(words) == 1 else "phrase", list(words), []))


def _frequencies(
    connection: Connection, terms: dict[str, tuple[str, ...]], with_documents: bool = False
) -> tuple[dict[str, int], int]:
    """How many documents hold each term, counted up to COUNTED through the GIN index (not
    from the vocabulary's counts: those are exact only after a rebuild, and every word written
    since counts 1, which would make every word look rare); `with_documents`, and how many
    documents there are (else 1)."""
    if not terms:
        return {}, 1
    rows = connection.execute(
        text(FREQUENCIES.format(documents=DOCUMENTS if with_documents else "NULL")),
        {"terms": list(terms), "counted": COUNTED, "exact": EXACT_UP_TO},
    ).all()
    return {row[0]: row[1] for row in rows}, max(rows[0][2] or 0, 1)
