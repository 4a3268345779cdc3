"""Queries of the PostgreSQL search backend: the wiki's query syntax (words, "phrases", OR, AND,
NOT, -word, prefix*, parentheses) parsed here and handed to PostgreSQL as one tsquery made of
quoted words only, so nothing a person types is read as tsquery syntax; ranked hits with totals,
facets and highlights; typo tolerance and "did you mean" from the vocabulary (pg_trgm); and
quick-find on titles. Every query filters by the reader's labels inside the database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from rapidfuzz.distance import Levenshtein
from sqlalchemy import Connection, text

from wiki.search import index as shared
from wiki.search.index import STOP_WORDS, Filters, Hit, Results, Segment, correctable_words

WORD = re.compile(r"\w+")
CHUNK = re.compile(r'[^\s()"]+')
# A parenthesis deeper than this is read as a space: a query is not a recursion test.
MAX_DEPTH = 20
# Prefixes and loosened words of one query that are expanded; the rest stay as typed.
MAX_EXPANDED = 5
# Words a correction is looked for among: the nearest by trigrams.
NEIGHBOURS = 40
START, STOP, BETWEEN = "\x02", "\x03", "\x01"
TITLE_MARKS = f"HighlightAll=true, StartSel={START}, StopSel={STOP}"
SNIPPET_MARKS = (
    f"MaxFragments=2, MaxWords=30, MinWords=12, StartSel={START}, StopSel={STOP}, "
    f"FragmentDelimiter={BETWEEN}"
)


@dataclass
class Node:
    """A parsed query: kind is term, phrase, prefix, and, or, not; words for the first three."""

    kind: str
    words: list[str]
    children: list[Node]


NOTHING = Node("nothing", [], [])  # matches no document: a prefix no word starts with


def parse(text: str) -> Node | None:
    """The query as typed, or None when it holds nothing to look for."""
    return _Parser(_tokens(text)).parse()


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    while position < len(text):
        char = text[position]
        following = text[position + 1 : position + 2]
        if char.isspace():
            position += 1
        elif char in "()":
            tokens.append((char, char))
            position += 1
        elif char == '"':
            end = text.find('"', position + 1)
            if end == -1:  # an unbalanced quote: the words after it stay plain words
                position += 1
                continue
            tokens.append(("phrase", text[position + 1 : end]))
            position = end + 1
        elif char == "-" and following and (following in '"(' or WORD.match(following)):
            # "-word" and -"a phrase" exclude, as in web search; a hyphen inside a word doesn't.
            tokens.append(("not", char))
            position += 1
        else:
            chunk = CHUNK.match(text, position).group()
            position += len(chunk)
            kind = chunk.lower() if chunk in ("AND", "OR", "NOT") else "chunk"
            tokens.append((kind, chunk))
    return tokens


class _Parser:
    """OR binds tighter than AND, which two words side by side mean, as in web search."""

    def __init__(self, tokens: list[tuple[str, str]]):
        self.tokens = tokens
        self.position = 0
        self.depth = 0

    def parse(self) -> Node | None:
        node = self._all()
        while self.position < len(self.tokens):  # text after a stray ")"
            self.position += 1
            more = self._all()
            node = _join("and", [node, more])
        return node

    def _peek(self) -> str | None:
        return self.tokens[self.position][0] if self.position < len(self.tokens) else None

    def _all(self) -> Node | None:
        parts = []
        while self._peek() not in (None, ")"):
            if self._peek() == "and":
                self.position += 1
                continue
            parts.append(self._any())
        return _join("and", parts)

    def _any(self) -> Node | None:
        parts = [self._one()]
        while self._peek() == "or":
            self.position += 1
            if self._peek() not in (None, ")"):
                parts.append(self._one())
        return _join("or", parts)

    def _one(self) -> Node | None:
        kind, value = self.tokens[self.position]
        self.position += 1
        if kind in ("not", "and", "or"):
            if kind != "not" or self._peek() in (None, ")"):
                return None  # an operator with nothing to act on
            inner = self._one()
            return Node("not", [], [inner]) if inner is not None else None
        if kind == "(":
            if self.depth >= MAX_DEPTH:
                return None
            self.depth += 1
            inner = self._all()
            self.depth -= 1
            if self._peek() == ")":
                self.position += 1
            return inner
        if kind == ")":
            return None
        words = [word.lower() for word in WORD.findall(value)]
        if not words:
            return None
        if kind == "phrase":
            return Node("phrase", words, []) if len(words) > 1 else Node("term", words, [])
        if value.endswith("*") and value.rstrip("*")[-1:].lower() == words[-1][-1:]:
            last = Node("prefix", [words[-1]], []) if len(words[-1]) >= shared.MIN_PREFIX else None
            return _join("and", [*(Node("term", [w], []) for w in words[:-1]), last])
        # "three-way" is one phrase of the words it holds, as the text parser indexes it.
        return Node("phrase", words, []) if len(words) > 1 else Node("term", words, [])


def _join(kind: str, parts: list[Node | None]) -> Node | None:
    kept = [part for part in parts if part is not None]
    if len(kept) <= 1:
        return kept[0] if kept else None
    return Node(kind, [], kept)


# -- from parsed query to tsquery ------------------------------------------------------------


def expand(connection: Connection, node: Node, fuzzy: bool = False) -> Node:
    """Prefixes as the commonest words they start, and with `fuzzy`, plain words also as
    the words within an edit or two of them; NOTHING when no document can match."""
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
            near = _near_words(connection, node.words[0])
            return Node("or", [], [node, *(Node("term", [w], []) for w in near)])
        if node.kind in ("and", "or", "not"):
            kids = [visit(child, negated or node.kind == "not") for child in node.children]
            return Node(node.kind, [], kids)
        return node

    return _simplify(visit(node, False)) or NOTHING


def _simplify(node: Node) -> Node | None:
    """Drop what cannot narrow the query; a query with nothing but exclusions matches no
    document (it would read every one of them)."""
    if node.kind == "and":
        kids = [_simplify(child) for child in node.children]
        positive = [k for k in kids if k is not None and k.kind != "not"]
        if NOTHING in positive or not positive:
            return NOTHING
        negative = [k for k in kids if k is not None and k.kind == "not"]
        return _join("and", [*positive, *negative])
    if node.kind == "or":
        kids = [_simplify(child) for child in node.children]
        kept = [k for k in kids if k is not None and k is not NOTHING and k.kind != "not"]
        return _join("or", kept) or NOTHING
    if node.kind == "not":
        inner = _simplify(node.children[0])
        if inner is None or inner is NOTHING:
            return None  # excluding nothing excludes nothing
        return Node("not", [], [inner])
    return node


def tsquery(node: Node) -> str:
    """tsquery text of quoted words (\\w+ only, so no quote or operator can slip in)."""
    if node is NOTHING:
        return ""
    if node.kind == "term":
        return f"'{node.words[0]}'"
    if node.kind == "phrase":
        return "(" + " <-> ".join(f"'{word}'" for word in node.words) + ")"
    if node.kind == "not":
        return "!" + tsquery(node.children[0])
    operator = " & " if node.kind == "and" else " | "
    return "(" + operator.join(tsquery(child) for child in node.children) + ")"


def positive_terms(node: Node) -> list[str]:
    """What highlights mark: every word the query looks for, none it excludes."""
    if node.kind in ("term", "phrase"):
        return [tsquery(node)]
    if node.kind == "not":
        return []
    return [term for child in node.children for term in positive_terms(child)]


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
    return [candidate for _, _, candidate in sorted(near)]


# -- searching -------------------------------------------------------------------------------

MATCHED = """
WITH matched AS MATERIALIZED (
    SELECT d.key, d.type, d.tags, d.scope, d.updated, ts_rank_cd(d.vector, q.query) AS score
    FROM search_documents d, to_tsquery('english', :query) AS q(query)
    WHERE d.vector @@ q.query AND d.readers && CAST(:readers AS text[]) {narrowing}
)
SELECT (SELECT count(*) FROM matched) AS total, key, type, tags, scope, score, updated
FROM matched ORDER BY score DESC, updated DESC, key LIMIT :limit
"""

SHOWN = """
SELECT d.key, d.title, d.url, d.process_id,
       ts_headline('english', d.title, q.query, :title_marks),
       ts_headline('english', d.body, q.query, :snippet_marks)
FROM search_documents d, to_tsquery('english', :marked) AS q(query)
WHERE d.key = ANY(CAST(:keys AS text[]))
"""


def search(
    connection: Connection,
    text_: str,
    filters: Filters,
    page: int,
    size: int,
    fuzzy: bool = False,
) -> Results | None:
    """Ranked hits, the exact total, facets over the best hits; with `fuzzy`, None when
    there is no plain word to loosen."""
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
    wanted = max(page, 1) * size
    rows = connection.execute(
        text(MATCHED.format(narrowing=narrowing)),
        {
            "query": tsquery(expanded),
            "readers": filters.readers,
            "limit": max(shared.FACET_SAMPLE, wanted),
            **parameters,
        },
    ).all()
    total = rows[0].total if rows else 0
    page_count = max(1, -(-total // size))
    page = min(max(page, 1), page_count)
    shown = rows[(page - 1) * size : page * size]
    return Results(
        hits=_hits(connection, shown, positive_terms(expanded)),
        total=total,
        page=page,
        page_count=page_count,
        facets=_facets(rows),
        facets_sampled=len(rows) if total > len(rows) else 0,
    )


def _empty() -> Results:
    return Results(hits=[], total=0, page=1, page_count=1, facets=_facets([]))


def _narrowing(filters: Filters) -> tuple[str, dict]:
    """What the person chose to narrow to: a process subtree, a kind, a tag."""
    clauses, parameters = [], {}
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
    """The page's hits, highlighted: only these few are read in full."""
    if not rows:
        return []
    shown = connection.execute(
        text(SHOWN),
        {
            "marked": " | ".join(terms),
            "keys": [row.key for row in rows],
            "title_marks": TITLE_MARKS,
            "snippet_marks": SNIPPET_MARKS,
        },
    ).all()
    by_key = {row[0]: row for row in shown}
    hits = []
    for row in rows:
        _, title, url, process_id, marked_title, marked_body = by_key[row.key]
        hits.append(
            Hit(
                key=row.key,
                type=row.type,
                title=_segments(marked_title)[0] if marked_title else [(title, False)],
                snippet=_snippet(marked_body),
                url=url,
                process_id=process_id,
                score=float(row.score),
                updated=_seconds(row.updated),
            )
        )
    return hits


def _seconds(moment: datetime) -> int:
    return int(moment.replace(tzinfo=UTC).timestamp())


def _segments(marked: str) -> list[list[Segment]]:
    """ts_headline's text as fragments of (text, matched) pairs, for templates to escape."""
    fragments = []
    for fragment in marked.split(BETWEEN):
        segments: list[Segment] = []
        for number, piece in enumerate(re.split(f"[{START}{STOP}]", fragment)):
            if piece:
                segments.append((piece, number % 2 == 1))
        fragments.append(segments)
    return fragments


def _snippet(marked: str) -> list[list[Segment]]:
    if not marked:
        return []
    fragments = _segments(marked)
    if any(matched for fragment in fragments for _, matched in fragment):
        return fragments
    # No word of the body matched (a title hit): its start, as the whoosh backend shows it.
    plain = "".join(piece for fragment in fragments for piece, _ in fragment)
    return [[(plain[:200] + ("…" if len(plain) > 200 else ""), False)]]


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
            title=[(row.title, False)],
            snippet=[],
            url=row.url,
            process_id=row.process_id,
            score=float(row.score),
            updated=_seconds(row.updated),
        )
        for row in rows
    ]
