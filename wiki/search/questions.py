"""Reading what a person typed as a question: which words carry meaning, the team's other
words for them (the glossary), the query whose every word must match, and the concepts that
rank pages when no page holds them all. Pure functions: no database, no search engine."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from whoosh.analysis import STOP_WORDS as WHOOSH_STOP_WORDS

WORD = re.compile(r"\w+")
# What a query with syntax looks like: phrases, groups, prefixes, exclusions and operators.
# Such a query is run as typed: its author said exactly what must match.
SYNTAX = re.compile(r'["()*]|(^|\s)-\w|\b(AND|OR|NOT)\b')
EDGE_PUNCTUATION = "?!.,;:'`“”‘’"
# PostgreSQL's `english` configuration leaves these out of every document and query (the
# Snowball list); whoosh leaves out its own shorter list. A question's words are read with
# both, and with the words people wrap a question in, which no page is about.
_WORDS_SNOWBALL_STOP_WORDS = """
    i me my myself we our ours ourselves you your yours yourself yourselves he him his himself
    she her hers herself it its itself they them their theirs themselves what which who whom
    this that these those am is are was were be been being have has had having do does did
    doing a an the and but if or because as until while of at by for with about against between
    into through during before after above below to from up down in out on off over under again
    further then once here there when where why how all any both each few more most other some
    such no nor not only own same so than too very s t can will just don should now
"""
SNOWBALL_STOP_WORDS = frozenset(_WORDS_SNOWBALL_STOP_WORDS.split())
_WORDS_QUESTION_WORDS = """
    could would shall might must need needs want wants wanted please someone somebody anyone
    anybody something anything happens happen happened mean means meaning get gets got getting
    let lets thing things way tell know us ok okay hi hello thanks
"""
QUESTION_WORDS = frozenset(_WORDS_QUESTION_WORDS.split())
STOP_WORDS = SNOWBALL_STOP_WORDS | WHOOSH_STOP_WORDS | QUESTION_WORDS
# More concepts than this (a pasted paragraph) are not all looked for: the first ones are.
MAX_CONCEPTS = 12
# A glossary term is at most this many words long ("goods receipt invoice receipt").
MAX_TERM_WORDS = 5

Words = tuple[str, ...]
# A term's words → the words of the terms that mean the same (the term itself left out).
Glossary = dict[Words, list[Words]]


@dataclass(frozen=True)
class Concept:
    """One thing the person asked about, and every way the wiki may say it."""

    typed: str
    alternatives: tuple[Words, ...]  # the typed words first, then the glossary's


@dataclass
class Reading:
    text: str  # the query every word of which must match
    # The same with each glossary term as any of its words: tried when the words as typed
    # find few pages (so a keyword query that finds pages ranks them as it always has).
    expanded: str = ""
    concepts: list[Concept] = field(default_factory=list)
    # Asked in a sentence (words were left out as carrying no meaning) or with many words:
    # pages holding only some of them are worth showing after the few that hold them all.
    question: bool = False
    # Glossary terms found in the query, as their words (to show their definitions).
    terms: list[Words] = field(default_factory=list)
    # The glossary it was read with, to read a correction of it the same way.
    glossary: Glossary = field(default_factory=dict)


def words_of(text: str) -> Words:
    return tuple(word.lower() for word in WORD.findall(text))


def read(text: str, glossary: Glossary | None = None) -> Reading:
    """How to search for `text`: as typed when it uses query syntax; otherwise without the
    words that carry no meaning, each glossary term as any of the words that mean the same."""
    if SYNTAX.search(text):
        return Reading(text=text)
    glossary = glossary or {}
    units = []
    for chunk in text.split():
        chunk = chunk.strip(EDGE_PUNCTUATION)
        words = words_of(chunk)
        if words:
            units.append((chunk, words))
    concepts: list[Concept] = []
    parts: list[str] = []
    expanded: list[str] = []
    terms: list[Words] = []
    dropped = False
    position = 0
    while position < len(units):
        span, key = _term_at(units, position, glossary)
        if key is not None:
            typed = " ".join(chunk for chunk, _ in units[position : position + span])
            alternatives = _unique((key, *glossary[key]))
            concepts.append(Concept(typed, alternatives))
            others = [_as_query(words) for words in alternatives[1:]]
            parts.append(typed)
            expanded.append("(" + " OR ".join([f"({typed})", *others]) + ")")
            terms.append(key)
            position += span
            continue
        chunk, words = units[position]
        position += 1
        meaningful = tuple(word for word in words if word not in STOP_WORDS)
        if not meaningful:
            dropped = True
            continue
        parts.append(chunk)
        expanded.append(chunk)
        # A lone letter or digit ("note 3") narrows a search, but is no concept of its own.
        if len(words) > 1 or len(meaningful[0]) > 1:
            concepts.append(Concept(chunk, (words,) if len(words) > 1 else (meaningful,)))
    if not parts:  # nothing but words without meaning: searched as typed, finds little
        return Reading(text=text)
    concepts = _unique_concepts(concepts)[:MAX_CONCEPTS]
    strict = " ".join(parts[:MAX_CONCEPTS])
    return Reading(
        text=strict if dropped or len(parts) > MAX_CONCEPTS else text,
        expanded=" ".join(expanded[:MAX_CONCEPTS]) if terms else "",
        concepts=concepts,
        question=dropped or len(concepts) >= 3,
        terms=terms,
        glossary=glossary,
    )


def _term_at(units, position: int, glossary: Glossary) -> tuple[int, Words | None]:
    """The longest glossary term starting at this unit: (units it spans, its words)."""
    if not glossary:
        return 1, None
    for span in range(min(MAX_TERM_WORDS, len(units) - position), 0, -1):
        words = tuple(word for _, unit in units[position : position + span] for word in unit)
        for candidate in (words, _singular(words)):
            if candidate in glossary:
                return span, candidate
    return 1, None


def _singular(words: Words) -> Words:
    """ "suppliers" for "supplier": the last word without a plural s."""
    last = words[-1]
    if len(last) > 3 and last.endswith("s") and not last.endswith("ss"):
        return (*words[:-1], last[:-1])
    return words


def _as_query(words: Words) -> str:
    """Words as the query syntax reads them; only \\w+ words, so nothing is read as syntax."""
    return words[0] if len(words) == 1 else '"' + " ".join(words) + '"'


def _unique(alternatives) -> tuple[Words, ...]:
    seen: list[Words] = []
    for words in alternatives:
        if words and words not in seen:
            seen.append(words)
    return tuple(seen)


def _unique_concepts(concepts: list[Concept]) -> list[Concept]:
    seen: set[tuple[Words, ...]] = set()
    kept = []
    for concept in concepts:
        if concept.alternatives not in seen:
            seen.add(concept.alternatives)
            kept.append(concept)
    return kept
