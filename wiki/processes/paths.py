"""Slugs and slug paths: pure functions, no Flask and no database."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import unquote, urlsplit

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_SLUG_LENGTH = 80


def slugify(text: str) -> str:
    """'GR/IR clearing' -> 'gr-ir-clearing'; accents are folded to ASCII."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:MAX_SLUG_LENGTH].rstrip("-")


def is_valid_slug(slug: str) -> bool:
    return len(slug) <= MAX_SLUG_LENGTH and bool(SLUG_PATTERN.match(slug))


def join_path(*parts: str) -> str:
    return "/".join(part for part in parts if part)


def parent_path(path: str) -> str:
    return path.rpartition("/")[0]


def is_within(path: str, top: str) -> bool:
    """Whether path is top or anywhere below it ("a/b" is within "a", "ab" is not)."""
    return path == top or path.startswith(top + "/")


def wiki_link_path(target: str, current_process_path: str) -> str:
    """The slug path a wiki link points at.

    "[[Three-way match]]" is relative to the linking page's process;
    "[[/procure-to-pay/invoice-processing/Three-way match]]" is absolute: process slugs, then a
    title (or the slug of a process, to link to the process itself).
    """
    if target.startswith("/"):
        segments = [slugify(segment) for segment in target.strip("/").split("/")]
        return join_path(*segments)
    return join_path(current_process_path, slugify(target))


def address_path(address: str) -> str:
    """The slug path of a page or process address as people paste it: the address bar's whole
    URL (any host, with a query or an anchor), "/p/a/b", "p/a/b" or "a/b" -> "a/b"."""
    text = address.strip()
    if "://" in text or text.startswith("//"):
        text = urlsplit(text).path
    else:
        text = text.split("#", 1)[0].split("?", 1)[0]
    text = unquote(text).strip("/")
    # The page's own screens (history, edit, a revision) name the same page.
    text = text.split("/+", 1)[0]
    return text.removeprefix("p/") if text.startswith("p/") else text
