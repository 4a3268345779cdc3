"""Reading a page as its reader does: the visible words, tags removed, white space collapsed."""

from __future__ import annotations

import re


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())
