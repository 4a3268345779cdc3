"""The whole check of an incoming file, from a name and bytes to what is stored: its name
normalised, its size, its type from the bytes, images cleaned. Pure: no Flask, no database."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

from wiki.attachments import filetypes, images
from wiki.attachments.filetypes import FileRefused, Kind
from wiki.attachments.names import normalise_filename


class FileTooLarge(FileRefused):
    """Over the size limit (answered with 413)."""


@dataclass(frozen=True)
class PreparedFile:
    name: str
    data: bytes
    kind: Kind
    media_type: str
    width: int | None = None
    height: int | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def prepare_file(filename: str, data: bytes, max_bytes: int) -> PreparedFile:
    """What would be stored for this upload; FileRefused (FileTooLarge) saying why not."""
    name = normalise_filename(filename)
    if not data:
        raise FileRefused(f"“{name}” is empty: there is nothing to store.")
    if len(data) > max_bytes:
        raise FileTooLarge(
            f"“{name}” is too large ({size_over(len(data))}); files may be at most "
            f"{megabytes(max_bytes)}. Nothing was stored."
        )
    kind = filetypes.detect(data)
    name = filetypes.check_name(name, kind)
    if kind.key == "text" and name.lower().endswith(".csv"):
        kind = filetypes.KINDS["csv"]
    if kind.is_image:
        image = images.clean_image(kind, data)
        return PreparedFile(name, image.data, kind, kind.media_type, image.width, image.height)
    media_type = kind.media_type
    if kind.key in ("text", "csv"):
        media_type += f"; charset={filetypes.text_charset(data)}"
    return PreparedFile(name, data, kind, media_type)


def megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB".replace(".0 MB", " MB")


def size_over(size: int) -> str:
    """The size of something over a limit, rounded up to a tenth of a MB: never shown as the
    limit itself (a file of 10 MB and one byte once read "is 10 MB; at most 10 MB")."""
    tenths = math.ceil(size * 10 / 1024 / 1024)
    return f"{tenths / 10:.1f} MB".replace(".0 MB", " MB")


def human_size(size: int) -> str:
    """A size as people read it: 512 bytes, 14 KB, 2.3 MB."""
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{round(size / 1024)} KB"
    return megabytes(size)
