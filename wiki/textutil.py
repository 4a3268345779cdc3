"""Cleaning text: pure functions, no Flask. Control characters never reach the database, where
PostgreSQL refuses NUL and XML (the Atom feed) refuses the rest; no CSV cell is a formula."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(text: str) -> str:
    """Multi-line text: Unix line ends, no control characters but tab and newline."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def clean_line(text: str) -> str:
    """One-line text: control characters removed and runs of white space made one space."""
    return " ".join(_CONTROL.sub("", text).split())


# What XML 1.0 cannot hold at all, not even escaped: C0 controls but tab and line ends,
# lone surrogates, U+FFFE and U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """Text with every character XML cannot hold removed: a feed stays well-formed whatever
    was stored (text from before cleaning, a name a directory sent)."""
    return _NOT_XML.sub("", text)


# A cell starting with one of these is a formula to a spreadsheet: it is written with a quote.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """A cell as text that no spreadsheet runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
