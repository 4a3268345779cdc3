"""Marking a PostgreSQL hit: its title, and the best fragments of its body around the words
PostgreSQL matched, cut as a whoosh hit's are (wiki.search.index_marking). A word is marked when
the `english` configuration reads it as one of the query's lexemes; the lexemes come from
PostgreSQL itself (the query's, and those of the words of the shown hits that may stem to one of
them, asked once per word and kept), so the words marked are the words the search matched.
ts_headline, which parsed and stemmed every word of every shown hit in the database, cost more
than the search. Nothing here knows about Flask."""

from __future__ import annotations

import re
from threading import Lock

from sqlalchemy import Engine, text

from wiki.search.index_marking import MAX_MARKED, Match, snippet_around, whole
from wiki.search.index_schema import Marks

# A word as PostgreSQL's parser splits text: letters and digits ("ZFI_3WM" is "zfi" and "3wm",
# "three-way" is "three" and "way" besides the whole, which a query of \w+ words never asks).
WORD = re.compile(r"[^\W_]+")
# Lexemes of words kept per worker; the `english` configuration does not change under it.
KEPT_WORDS = 100_000
_lexemes: dict[str, tuple[str, ...]] = {}
_lexemes_lock = Lock()
# A word PostgreSQL's parser reads as a part of a path, an address, a host, a file name or a
# tag ("GR/IR", "/APPROVAL", "legal/customs", "zap-hold-queue.png", "<closed"), or digits after
# a hyphen (a negative number: "INV-10284" is "inv" and "-10284"), is not a word of the
# document's vector, and so is not marked: the candidates' beginning and end say so.
JOINED_BEFORE = r"(?<![^\W_])(?<![/@<])(?<![^\W_]\.)(?!(?<=-)\d)"
JOINED_AFTER = r"[^\W_]*+(?!(?:-[^\W_]+)*(?:[/@]|\.[^\W_]))"
# What the parser reads as a tag ("<closed period>", '<a href="x">'), words and all.
TAG = re.compile(r'</?[A-Za-z][\w:.-]*(?:\s+[A-Za-z_][\w:.-]*(?:="[^"<>]*")?)*\s*/?>')
_QUOTED = re.compile(r"'((?:[^']|'')*)'")

SHOWN = """
SELECT d.key, d.body, q.query::text AS query
FROM search_documents d, to_tsquery('english', :marked) AS q(query)
WHERE d.key = ANY(CAST(:keys AS text[]))
"""
LEXEMES = """
SELECT w.word, tsvector_to_array(to_tsvector('english', w.word))
FROM unnest(CAST(:words AS text[])) AS w(word)
"""


class Marking:
    """The marked titles and snippets of one page of hits, drawn the first time one of them is
    shown (a question runs several searches and shows one merged page): the bodies and the
    query's lexemes in one statement, the lexemes of words not seen before in a second."""

    def __init__(self, engine: Engine, titles: dict[str, str], terms: list[str]) -> None:
        self.engine, self.titles, self.terms = engine, titles, terms
        self.bodies: dict[str, str] | None = None
        # Each text's words that may stem to one of the query's lexemes: where, and the word.
        self.spots: dict[str, list[tuple[int, int, str]]] = {}
        # Those words that do, and the lexeme each stems to.
        self.matching: dict[str, str] = {}

    def of(self, key: str) -> Marks:
        if self.bodies is None:
            self._read()
        assert self.bodies is not None
        # A document removed since the search: its title, without a snippet.
        title, body = self.titles[key], self.bodies.get(key, "")
        return whole(title, self._found(title)), snippet_around(body, self._found(body))

    def _read(self) -> None:
        self.bodies = {}
        if not self.terms or not self.titles:
            return
        with self.engine.connect() as connection:
            rows = connection.execute(
                text(SHOWN), {"marked": " | ".join(self.terms), "keys": list(self.titles)}
            ).all()
            self.bodies = {row.key: row.body for row in rows}
            query = rows[0].query if rows else ""
            wanted = {lexeme.replace("''", "'") for lexeme in _QUOTED.findall(query)}
            if not wanted:
                return  # stop words only, or every hit removed since
            beginnings = sorted(_beginnings(wanted), key=len, reverse=True)
            candidate = re.compile(
                JOINED_BEFORE + "(?:" + "|".join(map(re.escape, beginnings)) + ")" + JOINED_AFTER,
                re.IGNORECASE,
            )
            for source in (*self.bodies.values(), *self.titles.values()):
                if source not in self.spots:
                    self.spots[source] = _outside_tags(
                        source,
                        [
                            (word.start(), word.end(), word.group().lower())
                            for word in candidate.finditer(source)
                        ],
                    )
            candidates = {word for spots in self.spots.values() for _, _, word in spots}
            # .get: another thread may empty the kept words between a test and a read.
            kept = {word: _lexemes.get(word) for word in candidates}
            known = {word: lexemes for word, lexemes in kept.items() if lexemes is not None}
            unknown = sorted(candidates - known.keys())
            if unknown:
                asked = dict(connection.execute(text(LEXEMES), {"words": unknown}).all())
                known.update((word, tuple(lexemes)) for word, lexemes in asked.items())
                with _lexemes_lock:
                    if len(_lexemes) + len(asked) > KEPT_WORDS:
                        _lexemes.clear()
                    _lexemes.update((word, known[word]) for word in asked)
        for word, lexemes in known.items():
            matched = next((lexeme for lexeme in lexemes if lexeme in wanted), None)
            if matched is not None:
                self.matching[word] = matched

    def _found(self, source: str) -> list[Match]:
        """The words of the text that PostgreSQL reads as one of the query's lexemes."""
        found = [
            (start, end, self.matching[word])
            for start, end, word in self.spots.get(source, ())
            if word in self.matching
        ]
        return found[:MAX_MARKED]


def _outside_tags(source: str, spots: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    if "<" not in source:
        return spots
    tags = [(tag.start(), tag.end()) for tag in TAG.finditer(source)]
    return [spot for spot in spots if not any(start < spot[0] < end for start, end in tags)]


def _beginnings(lexemes: set[str]) -> set[str]:
    """How a word that stems to one of these lexemes begins. The english (Porter2) stemmer
    keeps a word's start and changes at most the stem's last letter (happy → happi, companies
    → compani, hoping → hope), but for dying, lying and tying (die, lie, tie): a word that does
    not begin so cannot stem to the lexeme, and is never asked about."""
    found = set()
    for lexeme in lexemes:
        found.add(lexeme[: max(1, len(lexeme) - 1)])
        if lexeme.endswith("ie"):
            found.add(lexeme[:-2] + "y")
    return found
