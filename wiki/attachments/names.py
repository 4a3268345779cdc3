"""File names as stored and offered for download: pure functions, no Flask and no database."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote, unquote

MAX_NAME_LENGTH = 200
# Control characters, format characters (the bidi overrides that make "gpj.exe" read as
# "exe.jpg", zero-width joiners), surrogates, private use and unassigned code points.
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})
# Refused by Windows file systems, where an exported file would otherwise fail to be written.
_WINDOWS_RESERVED = re.compile(r'[<>:"|?*]')


def normalise_filename(raw: str) -> str:
    """The name a file is kept under: its last path part, without control or bidi characters,
    white space collapsed, no leading or trailing dots. Empty names become "file"."""
    name = unicodedata.normalize("NFC", raw)
    # Browsers send a bare name, but old ones and some tools send the client's whole path.
    name = re.split(r"[/\\]", name)[-1]
    name = " ".join(name.split())  # tabs and line breaks are white space, not nothing
    name = "".join(char for char in name if unicodedata.category(char) not in _DROPPED_CATEGORIES)
    name = _WINDOWS_RESERVED.sub("_", name).strip(". ")
    if len(name) > MAX_NAME_LENGTH:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) < 10:
            name = stem[: MAX_NAME_LENGTH - len(extension) - 1].rstrip(". ") + "." + extension
        else:
            name = name[:MAX_NAME_LENGTH].rstrip(". ")
    return name or "file"


def extension_of(name: str) -> str:
    """The lowercased extension without its dot, or "" when the name has none."""
    stem, dot, extension = name.rpartition(".")
    return extension.lower() if dot and stem else ""


def reference_target(name: str) -> str:
    """The link target that refers to an attachment by name in markdown."""
    return "attachment:" + quote(name, safe="")


def name_from_reference(target: str) -> str | None:
    """The attachment name a link target refers to, or None for any other target."""
    if not target.lower().startswith("attachment:"):
        return None
    return unquote(target[len("attachment:") :]) or None


def markdown_reference(name: str, is_image: bool) -> str:
    """What an upload inserts into a page's text: an image or a link, by name."""
    # An image's alt text is its name without the extension; brackets would end the label.
    label = re.sub(r"[\[\]\\]", "", (name.rpartition(".")[0] or name) if is_image else name)
    return f"{'!' if is_image else ''}[{label}]({reference_target(name)})"
