"""Reading a page's rendered, sanitised HTML: its table of contents, and a diff of two
renderings that marks the blocks (paragraphs, lists, tables...) that changed. No Flask here."""

from __future__ import annotations

import difflib
import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser

from markupsafe import Markup

# The headings the renderer gives an id (Markdown's toc extension): h1 to h3 make the outline.
_HEADING = re.compile(r"<h([1-3]) id=\"([^\"]+)\">(.*?)</h\1>", re.DOTALL)
_TAGS = re.compile(r"<[^>]+>")
TOC_MIN_HEADINGS = 3
_VOID = frozenset({"area", "br", "col", "hr", "img", "input", "source", "wbr"})


@dataclass(frozen=True)
class Heading:
    level: int
    anchor: str
    text: str


def table_of_contents(page_html: str) -> list[Heading]:
    """The page's headings, when it has enough of them to be worth an outline."""
    headings = [
        Heading(int(level), anchor, html.unescape(_TAGS.sub("", inner)).strip())
        for level, anchor, inner in _HEADING.findall(page_html)
    ]
    return headings if len(headings) >= TOC_MIN_HEADINGS else []


class _TopLevel(HTMLParser):
    """Splits HTML into its top-level elements (and runs of top-level text)."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=False)
        self.text = text
        self.line_starts = [0]
        for match in re.finditer("\n", text):
            self.line_starts.append(match.end())
        self.depth = 0
        self.start: int | None = None
        self.blocks: list[str] = []

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def handle_starttag(self, tag: str, attrs) -> None:
        if self.depth == 0:
            self.start = self._offset()
        if tag in _VOID:
            if self.depth == 0:
                self.blocks.append(self.get_starttag_text() or "")
            return
        self.depth += 1

    def handle_startendtag(self, tag: str, attrs) -> None:
        if self.depth == 0:
            self.blocks.append(self.get_starttag_text() or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID or self.depth == 0:
            return
        self.depth -= 1
        if self.depth == 0 and self.start is not None:
            end = self.text.index(">", self._offset()) + 1
            self.blocks.append(self.text[self.start : end])
            self.start = None

    def handle_data(self, data: str) -> None:
        if self.depth == 0 and data.strip():
            self.blocks.append(html.escape(data.strip(), quote=False))


def blocks_of(page_html: str) -> list[str]:
    parser = _TopLevel(page_html)
    parser.feed(page_html)
    parser.close()
    return parser.blocks


def rendered_diff(old_html: str, new_html: str) -> tuple[Markup, int]:
    """The new rendering with the blocks it added or changed marked <ins>, and the blocks it
    removed or replaced shown before them marked <del>; and how many blocks changed. Both
    inputs are the sanitiser's output, so the result is as safe as they are."""
    old_blocks, new_blocks = blocks_of(old_html), blocks_of(new_html)
    matcher = difflib.SequenceMatcher(None, old_blocks, new_blocks, autojunk=False)
    parts: list[str] = []
    changed = 0
    for operation, old_from, old_to, new_from, new_to in matcher.get_opcodes():
        if operation == "equal":
            parts.extend(new_blocks[new_from:new_to])
            continue
        for block in old_blocks[old_from:old_to]:
            changed += 1
            parts.append(
                '<del class="diff-block"><span class="visually-hidden">Removed: </span>'
                f"{block}</del>"
            )
        for block in new_blocks[new_from:new_to]:
            changed += 1
            parts.append(
                f'<ins class="diff-block"><span class="visually-hidden">Added: </span>{block}</ins>'
            )
    return Markup("\n".join(parts)), changed
