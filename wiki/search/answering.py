"""Answering a search: pages holding every meaningful word first, then (for a question, or
when none holds them all) those holding most of them; an ERP code's own page first; and a
"did you mean" only where it would find something."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import Protocol

from wiki.search import questions, whoosh_questions
from wiki.search.index import SearchIndex
from wiki.search.index_schema import Filters, Hit, Results

# With fewer hits than this, words within an edit or two are tried, and a question's
# partial matches are added.
FEW = 3
# Without these, a query that finds something found every word in a document the person may
# read: it has nothing to correct, and "did you mean" is not asked (a query's worth of time).
OPTIONAL_WORDS = {"OR", "ANDMAYBE"}
# A question of more words than this is not loosened word by word (see answer).
MAX_FUZZY_CONCEPTS = 3
# Pages holding only some of the words are shown this many pages deep.
MAX_PARTIAL_PAGES = 5
# An ERP transaction as the team writes it: ZFI_3WM, ZAP_HOLD. Its page is the one tagged
# with it (zfi-3wm).
ERP_CODE = re.compile(r"^[a-z][a-z0-9]{1,5}_[a-z0-9_]+$")
MAX_CODES = 2
# A chosen page is looked for among this many of its code's matches.
CHOSEN_AMONG = 50
# A verified page passes the unverified hit just above it when it scores at least this share
# of that hit's score: a preference between near equals, never a burial of a better answer.
VERIFIED_MARGIN = 0.9


class Outcome(Protocol):
    """What answering reads and sets of a search's outcome (services.SearchOutcome)."""

    text: str
    fuzzy: bool
    partial: bool
    did_you_mean: str | None


def answer(
    index,
    outcome: Outcome,
    reading: questions.Reading,
    filters: Filters,
    page: int,
    size: int,
    chosen: dict[str, str] | None = None,
    places: dict[str, float] | None = None,
    verified_among: Callable[[list[str]], set[str]] | None = None,
) -> Results:
    """Pages holding every meaningful word first; when fewer than FEW do (or none, for a
    short query), then the pages holding most of them, ranked BM25-style. `chosen` maps the
    ERP codes asked for (codes_asked) to the document a trainer chose as each one's page;
    `places`, how many places up people's signals for this query move a document (on the
    first page, under a code's own page); `verified_among`, which of some keys are pages
    verified now (each passes a near-equal unverified hit above it)."""
    # A question's searches (as typed, with the glossary's words, then most of them) read
    # each word's documents once (whoosh), or share a connection (PostgreSQL).
    with index.reading_shared():
        results = index.search(reading.text, filters, page, size)
        if results.total < FEW and reading.expanded:
            expanded = index.search(reading.expanded, filters, page, size)
            if expanded.total > results.total:
                results = expanded
                reading.text = reading.expanded  # what the partial matches come after
        # Near spellings of every word of a long question rarely all match: the pages holding
        # most of its words, some loosened, answer it better and sooner.
        if results.total < FEW and len(reading.concepts) <= MAX_FUZZY_CONCEPTS:
            fuzzy = index.search_fuzzy(reading.text, filters, page, size)
            if fuzzy is not None and fuzzy.total > results.total:
                results, outcome.fuzzy = fuzzy, True
        # With one concept, "most of the words" would be the words themselves.
        wanted = len(reading.concepts) > 1 and (
            results.total == 0 or reading.question and results.total < FEW
        )
        if wanted:
            partial = _with_partial(index, results, reading, filters, page, size)
            if partial is not results:
                outcome.partial = results.total == 0
                results = partial
        if results.total == 0 or outcome.fuzzy or OPTIONAL_WORDS & set(outcome.text.split()):
            outcome.did_you_mean = index.did_you_mean(outcome.text, filters)
            if outcome.did_you_mean and outcome.partial:
                # Offered only when it finds pages with all its words: a question's other words
                # ("wants") are not typos of words the wiki happens to hold ("waits").
                corrected = questions.read(outcome.did_you_mean, reading.glossary)
                if index.search(corrected.text, filters, 1, 1).total == 0:
                    outcome.did_you_mean = None
        if verified_among is not None and results.hits:
            results.hits = verified_first(
                results.hits, verified_among([hit.key for hit in results.hits])
            )
        if page == 1:
            results.hits = moved_up(results.hits, places or {})
            results = _codes_first(index, results, reading, filters, chosen or {})
        return results


def moved_up(hits: list[Hit], places: dict[str, float]) -> list[Hit]:
    """The hits with each moved up by its places: one place passes the hit above it."""
    if not places:
        return hits
    order = {
        hit.key: (number - places.get(hit.key, 0.0), -places.get(hit.key, 0.0))
        for number, hit in enumerate(hits)
    }
    return sorted(hits, key=lambda hit: order[hit.key])


def verified_first(hits: list[Hit], verified: set[str]) -> list[Hit]:
    """Each verified hit passes the unverified one just above it if it scores nearly as well
    (one place at most)."""
    hits = list(hits)
    for number in range(1, len(hits)):
        above, hit = hits[number - 1], hits[number]
        if (
            hit.key in verified
            and above.key not in verified
            and hit.score >= above.score * VERIFIED_MARGIN
        ):
            hits[number - 1], hits[number] = hit, above
    return hits


def codes_asked(reading: questions.Reading) -> list[str]:
    """The ERP codes a query holds, as its words have them (zfi_3wm)."""
    return [
        concept.alternatives[0][0]
        for concept in reading.concepts
        if len(concept.alternatives[0]) == 1 and ERP_CODE.match(concept.alternatives[0][0])
    ][:MAX_CODES]


def _codes_first(
    index, results: Results, reading: questions.Reading, filters: Filters, chosen: dict[str, str]
) -> Results:
    """An ERP code's own page before the pages that merely mention it: the page a trainer
    chose for it, else the page tagged with it (zfi-3wm for ZFI_3WM)."""
    canonical = []
    for code in codes_asked(reading):
        if code in chosen:
            # The chosen page mentions the code (the registry offers no other), so it is
            # among the code's matches.
            mentions = index.search(code, filters, 1, CHOSEN_AMONG).hits
            found = [hit for hit in mentions if hit.key == chosen[code]]
            if found:
                canonical += found
                continue
        tagged = replace(filters, tag=code.replace("_", "-"))
        canonical += index.search(code, tagged, 1, 1).hits
    if not canonical:
        return results
    keys = {hit.key for hit in canonical}
    hits = [*canonical, *(hit for hit in results.hits if hit.key not in keys)]
    results.hits = hits[: max(len(results.hits), len(keys))]
    results.total = max(results.total, len(results.hits))
    return results


def _with_partial(
    index, strict: Results, reading: questions.Reading, filters: Filters, page: int, size: int
) -> Results:
    """The few pages holding every word, then those holding some, without repeats; the
    results unchanged when the partial matches add nothing."""
    page = min(page, MAX_PARTIAL_PAGES)
    # Fewer than FEW strict hits: all on its first page, which both backends return for a
    # page past the last.
    best = _best_match(index, reading.concepts, filters, page * size + FEW)
    keys = {hit.key for hit in strict.hits}
    merged = [*strict.hits, *(hit for hit in best.hits if hit.key not in keys)]
    total = best.total + len(keys - {hit.key for hit in best.hits})
    if total <= strict.total:
        return strict
    page_count = min(MAX_PARTIAL_PAGES, max(1, -(-total // size)))
    page = min(page, page_count)
    return Results(
        hits=merged[(page - 1) * size : page * size],
        total=total,
        page=page,
        page_count=page_count,
        facets=best.facets,
        facets_sampled=best.facets_sampled,
        approximate=best.approximate,
    )


def _best_match(index, concepts, filters: Filters, size: int) -> Results:
    """The documents holding most of a question's concepts, from whichever backend serves."""
    if isinstance(index, SearchIndex):
        return whoosh_questions.best_match(index, concepts, filters, 1, size)
    return index.best_match(concepts, filters, 1, size)
