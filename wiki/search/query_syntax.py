"""The wiki's query syntax, read the same way for PostgreSQL as whoosh reads it: words,
"phrases", OR, AND, NOT, -word, -"phrase", prefix*, parentheses. Parsed here into a small tree
and written out as a tsquery of quoted words only, so nothing a person types is ever read as
tsquery syntax. No database here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from wiki.search import index_query as shared

WORD = re.compile(r"\w+")
CHUNK = re.compile(r'[^\s()"]+')
# A parenthesis deeper than this is read as a space: a query is not a recursion test.
MAX_DEPTH = 20


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


def simplify(node: Node) -> Node | None:
    """Drop what cannot narrow the query; a query with nothing but exclusions matches no
    document (it would read every one of them)."""
    if node.kind == "and":
        kids = [simplify(child) for child in node.children]
        positive = [k for k in kids if k is not None and k.kind != "not"]
        if NOTHING in positive or not positive:
            return NOTHING
        negative = [k for k in kids if k is not None and k.kind == "not"]
        return _join("and", [*positive, *negative])
    if node.kind == "or":
        kids = [simplify(child) for child in node.children]
        kept = [k for k in kids if k is not None and k is not NOTHING and k.kind != "not"]
        return _join("or", kept) or NOTHING
    if node.kind == "not":
        inner = simplify(node.children[0])
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
