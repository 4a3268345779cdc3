"""Questions on the whoosh backend: pages ranked by the concepts of a question they hold
(BM25F: rarer words count more, title and headings above the body), for when no page holds
every word. The rest of whoosh lives in wiki.search.index, whose queries this reuses."""

from __future__ import annotations

from whoosh import query

from wiki.search.index import SearchIndex
from wiki.search.index_query import known_word
from wiki.search.index_schema import Filters, Results
from wiki.search.index_store import damage_surfaces
from wiki.search.questions import Concept

# Words of a question that no page holds are looked for among near spellings, this many at
# most: a fuzzy term costs more than a plain one.
MAX_LOOSENED = 2
# A near spelling counts for less than a word as typed: it may be another word altogether.
LOOSENED_BOOST = 0.5


@damage_surfaces  # whoosh's errors on damaged files, as the index's own methods report them
def best_match(
    search_index: SearchIndex, concepts: list[Concept], filters: Filters, page: int, size: int
) -> Results:
    """Every document that holds any of the concepts, ranked by how many, how rare and where."""
    searcher = search_index._searcher()
    # Each concept's words and phrases, parsed at once: one parse of "a OR b OR \"c d\"" is
    # the Or of theirs (their words are \w+ words, lowercase: no operator among them).
    texts: list[str] = []
    loosened_words: list[query.Query] = []
    loosened = 0
    known = False
    for concept in concepts:
        texts += [
            words[0] if len(words) == 1 else '"' + " ".join(words) + '"'
            for words in concept.alternatives
        ]
        single = [words[0] for words in concept.alternatives if len(words) == 1]
        if not single or any(known_word(searcher, word) for word in single):
            known = True
        elif loosened < MAX_LOOSENED:
            word = single[0]
            if len(word) > 3:
                loosened += 1
                distance = 1 if len(word) <= 5 else 2
                loosened_words.append(
                    query.FuzzyTerm(
                        "words", word, maxdist=distance, prefixlength=1, boost=LOOSENED_BOOST
                    )
                )
    parsed = query.Or([search_index.parse(" OR ".join(texts)), *loosened_words]).normalize()
    # Near spellings alone ("parking quokkas" → "packing") are guesses, not an answer.
    if parsed is query.NullQuery or not known:
        return Results(
            hits=[], total=0, page=1, page_count=1, facets={"type": {}, "tag": {}, "scope": {}}
        )
    return search_index._run(searcher, parsed, filters, page, size)
