"""Three-way merge of page texts, line by line: pure functions, no Flask and no database."""

from __future__ import annotations

import difflib
from dataclasses import dataclass


@dataclass(frozen=True)
class _Change:
    start: int  # first base line replaced
    end: int  # one past the last base line replaced (== start for an insertion)
    lines: tuple[str, ...]


def _changes(base: list[str], other: list[str]) -> list[_Change]:
    # autojunk keeps the matcher fast on texts of many repeated lines (without it a 3,000
    # character edit of "a\n" lines took half a minute); its diffs are still exact, only
    # sometimes less minimal, which can only turn a merge into a conflict.
    matcher = difflib.SequenceMatcher(None, base, other)
    return [
        _Change(i1, i2, tuple(other[j1:j2]))
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if tag != "equal"
    ]


def _overlap(a: _Change, b: _Change) -> bool:
    # Changes that start at the same line, or whose ranges cross, touch the same text.
    return a.start == b.start or (a.start < b.end and b.start < a.end)


def merge_texts(base: str, theirs: str, mine: str) -> str | None:
    """Both sets of changes applied to base, or None when they touch the same lines."""
    base_lines = base.splitlines(keepends=True)
    changes = sorted(
        {*_changes(base_lines, theirs.splitlines(keepends=True)),
         *_changes(base_lines, mine.splitlines(keepends=True))},
        key=lambda change: (change.start, change.end),
    )  # fmt: skip
    for first, second in zip(changes, changes[1:], strict=False):
        if _overlap(first, second):
            return None
    merged: list[str] = []
    position = 0
    for change in changes:
        merged += base_lines[position : change.start]
        merged += change.lines
        position = change.end
    merged += base_lines[position:]
    return "".join(merged)
