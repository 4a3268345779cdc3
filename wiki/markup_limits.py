"""Bounds that keep Python-Markdown's work linear in the length of a text, whatever its shape.

Each bound is far above what a written document uses, so such documents render as they always
did; past it, the rest of the construct shows as the author typed it (nothing is dropped).
bench/markup_bench.py measures the shapes each bound is for."""

from __future__ import annotations

import re
from collections.abc import Callable

import markdown
from markdown.blockprocessors import BlockProcessor, OListProcessor, ParagraphProcessor
from markdown.extensions.tables import TableProcessor
from markdown.inlinepatterns import (
    IMAGE_LINK_RE,
    IMAGE_REFERENCE_RE,
    LINK_RE,
    REFERENCE_RE,
    ImageInlineProcessor,
    ImageReferenceInlineProcessor,
    InlineProcessor,
    LinkInlineProcessor,
    ReferenceInlineProcessor,
    ShortImageReferenceInlineProcessor,
    ShortReferenceInlineProcessor,
)
from markdown.preprocessors import Preprocessor

# How far past its "](" a link's target may reach. Markdown looks for the closing ")" up to the
# end of the text for every "[...](" that has none, so a post of them took time quadratic in
# its length (20 KB of "[a](": seconds, on every view).
MAX_LINK_TARGET = 2000
# How long a link's text ("[...]") may be. Markdown finds the "]" that closes each "[" by
# reading the whole paragraph again after every link it makes: 40 KB of "[a](b) " took minutes.
MAX_LINK_TEXT = 2000
# A "<" with no ">" before the next "<" can start no tag; the HTML parser still looks for one's
# end to the end of the text each time. Past this many in a text, they are written as &lt;.
MAX_STRAY_ANGLES = 64
# The elements one text may make: this many, or one per ELEMENT_CHARS characters in a longer
# text. Markdown and the sanitiser spend a fixed time on each element (some 30 µs), so a text
# made of nothing else ("*a*a*a...", "a\n\na\n\n...", one-letter table cells) cost fifteen
# times an ordinary page of its length. The demo pages make one per 42 characters. Past the
# budget, inline markup shows as typed, a table or list stays a paragraph, and the blocks left
# at a level are read as one paragraph.
MAX_ELEMENTS = 2000
ELEMENT_CHARS = 20
# Quote and list markers opening one line ("> > > ..."): each one is a level of nesting the
# block parser descends into. Markers past this depth are escaped and show as typed.
MAX_NESTING = 32
# A list item's first line, which makes an element of its own.
LIST_ITEM = re.compile(r"^[ \t]*(?:[-*+]|[0-9]{1,9}[.)])[ \t]", re.MULTILINE)


def _bounded_link_target(get_link):
    """Markdown's getLink, looking at most MAX_LINK_TARGET characters ahead, and not at all
    when no ")" is there (found at C speed, where Markdown walks character by character)."""

    def bounded(self, data: str, index: int):
        window = data[: index + MAX_LINK_TARGET]
        if ")" not in window[index:] and not window[index:].lstrip().startswith("<"):
            return "", None, index, False
        return get_link(self, window, index)

    return bounded


def _bracket_ends(data: str) -> list[int | None]:
    """For each index of data, the index just past the "]" that closes a "[" opened before it,
    or None: one pass that visits only the brackets."""
    ends: list[int | None] = [None] * (len(data) + 1)
    # Runs of indexes between two brackets share a depth and so a closing bracket; the runs
    # still open, deepest last.
    open_runs: list[tuple[int, int, int]] = []
    start, depth = 0, 0
    for found in re.finditer(r"[\[\]]", data):
        position = found.start()
        open_runs.append((start, position, depth))
        if found.group() == "[":
            depth += 1
        else:
            while open_runs and open_runs[-1][2] >= depth:
                first, last, _ = open_runs.pop()
                ends[first : last + 1] = [position + 1] * (last + 1 - first)
            depth -= 1
        start = position + 1
    return ends


class _BracketEnds:
    """A link pattern's getText, finding the "]" of a "[" within MAX_LINK_TEXT characters.

    The closing brackets of a text are found in one pass and kept; after each link Markdown
    makes, the text it passes back differs only before the link, so the windows that follow
    are compared with the kept text (at C speed) instead of being read again."""

    def getText(self, data: str, index: int):  # noqa: N802 (Markdown's API)
        window = data[index : index + MAX_LINK_TEXT]
        if "]" not in window:
            return data[index:], len(data), False
        kept: list[tuple[str, list[int | None]]] = self.__dict__.setdefault("_kept_ends", [])
        found = next(
            (
                (text, ends, index + len(text) - len(data))
                for text, ends in kept
                if index + len(text) - len(data) >= 0
                and text.startswith(window, index + len(text) - len(data))
            ),
            None,
        )
        if found is None:
            found = (data, _bracket_ends(data), index)
            kept.insert(0, found[:2])
            del kept[4:]
        _, ends, origin = found
        end = ends[origin]
        if end is None or end - origin > len(window):
            return data[index:], len(data), False
        end += index - origin
        return data[index : end - 1], end, True


class _BoundedLink(_BracketEnds, LinkInlineProcessor):
    getLink = _bounded_link_target(LinkInlineProcessor.getLink)  # noqa: N815 (Markdown's API)


class _BoundedImage(_BracketEnds, ImageInlineProcessor):
    getLink = _bounded_link_target(ImageInlineProcessor.getLink)  # noqa: N815 (Markdown's API)


class _BoundedReference(_BracketEnds, ReferenceInlineProcessor):
    pass


class _BoundedShortReference(_BracketEnds, ShortReferenceInlineProcessor):
    pass


class _BoundedImageReference(_BracketEnds, ImageReferenceInlineProcessor):
    pass


class _BoundedShortImageReference(_BracketEnds, ShortImageReferenceInlineProcessor):
    pass


class _StrayAngles(Preprocessor):
    """Writes each "<" that cannot start a tag as &lt; when a text holds many of them."""

    def run(self, lines: list[str]) -> list[str]:
        text = "\n".join(lines)
        angles = [(found.start(), found.group()) for found in re.finditer(r"[<>]", text)]
        if len(angles) <= MAX_STRAY_ANGLES:
            return lines
        stray = [
            position
            for (position, angle), following in zip(angles, angles[1:] + [(None, "<")], strict=True)
            if angle == "<" and following[1] == "<"
        ]
        if len(stray) <= MAX_STRAY_ANGLES:
            return lines
        parts, start = [], 0
        for position in stray:
            parts += [text[start:position], "&lt;"]
            start = position + 1
        parts.append(text[start:])
        return "".join(parts).split("\n")


# One quote or list marker at the start of a line, after the markers before it.
NESTING_MARKER = re.compile(r"[ \t]*(?:>|(?:[-*+]|[0-9]{1,9}[.)])(?=[ \t]))")


class _NestingDepth(Preprocessor):
    """Escapes the quote and list markers that open a line past MAX_NESTING of them."""

    def run(self, lines: list[str]) -> list[str]:
        return [self._bounded(line) if len(line) > MAX_NESTING else line for line in lines]

    @staticmethod
    def _bounded(line: str) -> str:
        position = 0
        for _ in range(MAX_NESTING):
            marker = NESTING_MARKER.match(line, position)
            if marker is None:
                return line
            position = marker.end()
        marker = NESTING_MARKER.match(line, position)
        if marker is None:
            return line
        # A backslash before the marker's last character makes it text ("\>", "\-", "1\.").
        cut = marker.end() - 1
        return line[:cut] + "\\" + line[cut:]


class _Budgets(Preprocessor):
    """Counts the elements one conversion makes, and makes Markdown's inline patterns and block
    parser stop making them past the budget (MAX_ELEMENTS, ELEMENT_CHARS). Runs first, once every
    extension has registered its parts, so the patterns of other extensions count too."""

    def run(self, lines: list[str]) -> list[str]:
        length = sum(len(line) + 1 for line in lines)
        self.elements_left = max(MAX_ELEMENTS, length // ELEMENT_CHARS)
        for pattern in self.md.inlinePatterns:
            if isinstance(pattern, InlineProcessor) and not hasattr(pattern, "_unbounded"):
                pattern._unbounded = pattern.handleMatch
                pattern.handleMatch = self._counted(pattern._unbounded)
        for processor in self.md.parser.blockprocessors:
            if not hasattr(processor, "_unbounded"):
                processor._unbounded = (processor.test, processor.run)
                if isinstance(processor, ParagraphProcessor):
                    processor.run = self._paragraph_run(processor.run)
                else:
                    processor.test, processor.run = self._bounded_block(processor)
        return lines

    def _counted(self, handle_match: Callable):
        def counted(match: re.Match[str], data: str):
            if self.elements_left <= 0:
                return None, None, None
            found = handle_match(match, data)
            if found[1] is not None:
                self.elements_left -= 1
            return found

        return counted

    def _bounded_block(self, processor: BlockProcessor):
        """The processor's test, refusing a block once it would make more elements than are
        left, and its run, counting them when it did take the block (many a test says yes
        and its run declines)."""
        test, run = processor.test, processor.run
        if isinstance(processor, TableProcessor):
            weight = self._table_cells
        elif isinstance(processor, OListProcessor):
            weight = self._list_items
        else:
            weight = self._one

        def bounded_test(parent, block: str) -> bool:
            return (
                self.elements_left > 0
                and test(parent, block)
                and (weight(block) <= self.elements_left)
            )

        def counted_run(parent, blocks: list[str]):
            block = blocks[0] if blocks else ""
            taken = run(parent, blocks)
            if taken is not False:
                self.elements_left -= weight(block)
            return taken

        return bounded_test, counted_run

    @staticmethod
    def _table_cells(block: str) -> int:
        return block.count("|") + block.count("\n") + 3

    @staticmethod
    def _list_items(block: str) -> int:
        return len(LIST_ITEM.findall(block)) + 1

    @staticmethod
    def _one(block: str) -> int:
        return 1

    def _paragraph_run(self, run: Callable):
        def bounded(parent, blocks: list[str]):
            self.elements_left -= 1
            if self.elements_left < 0 and len(blocks) > 1:
                blocks[:] = ["\n\n".join(blocks)]
            return run(parent, blocks)

        return bounded


class BoundedWork(markdown.Extension):
    """Keeps Markdown's work linear in the length of a text, whatever its shape."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (Markdown's API)
        md.inlinePatterns.register(_BoundedReference(REFERENCE_RE, md), "reference", 170)
        md.inlinePatterns.register(_BoundedLink(LINK_RE, md), "link", 160)
        md.inlinePatterns.register(_BoundedImage(IMAGE_LINK_RE, md), "image_link", 150)
        md.inlinePatterns.register(
            _BoundedImageReference(IMAGE_REFERENCE_RE, md), "image_reference", 140
        )
        md.inlinePatterns.register(_BoundedShortReference(REFERENCE_RE, md), "short_reference", 130)
        md.inlinePatterns.register(
            _BoundedShortImageReference(IMAGE_REFERENCE_RE, md), "short_image_ref", 125
        )
        md.preprocessors.register(_Budgets(md), "budgets", 40)
        md.preprocessors.register(_StrayAngles(md), "stray_angles", 25)
        md.preprocessors.register(_NestingDepth(md), "nesting_depth", 24)
