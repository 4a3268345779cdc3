"""What a file is, decided from its bytes (puremagic, zipfile, a text check), never from its
name or the browser's word; and whether its name agrees. Pure: no Flask and no database."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

import puremagic

from wiki.attachments.names import extension_of


class FileRefused(Exception):
    """The file is not stored; the message says why, for the person who sent it."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    media_type: str
    extensions: tuple[str, ...]  # the first is given to a name that has none

    @property
    def is_image(self) -> bool:
        return self.media_type.startswith("image/")


OOXML = "application/vnd.openxmlformats-officedocument"
KINDS = {
    kind.key: kind
    for kind in (
        Kind("png", "PNG image", "image/png", ("png",)),
        Kind("jpeg", "JPEG image", "image/jpeg", ("jpg", "jpeg")),
        Kind("gif", "GIF image", "image/gif", ("gif",)),
        Kind("webp", "WebP image", "image/webp", ("webp",)),
        Kind("pdf", "PDF document", "application/pdf", ("pdf",)),
        Kind("text", "plain text", "text/plain", ("txt", "text", "log")),
        Kind("csv", "CSV table", "text/csv", ("csv",)),
        Kind("docx", "Word document", f"{OOXML}.wordprocessingml.document", ("docx",)),
        Kind("xlsx", "Excel workbook", f"{OOXML}.spreadsheetml.sheet", ("xlsx",)),
        Kind("pptx", "PowerPoint presentation", f"{OOXML}.presentationml.presentation", ("pptx",)),
    )
}
_BY_MAGIC_MIME = {
    "image/png": "png",
    "image/jpeg": "jpeg",
    "image/gif": "gif",
    "image/webp": "webp",
    "application/pdf": "pdf",
}
# Each Office kind is a zip holding this part (Office Open XML, ECMA-376 part 2).
_OFFICE_MAIN_PART = {
    "docx": "word/document.xml",
    "xlsx": "xl/workbook.xml",
    "pptx": "ppt/presentation.xml",
}
# Kinds named for the reason they are refused, so the message can say it.
_NEVER = {
    "svg": "SVG images can carry script",
    "html": "HTML pages can carry script",
    "htm": "HTML pages can carry script",
    "xhtml": "HTML pages can carry script",
    "xml": "XML files can be shown as web pages that run script",
    "js": "scripts are not accepted",
}

# Zip bombs (David Fifield, "A better zip bomb", 2019): a small archive that unpacks to far
# more, by compression or by entries that overlap. Office files unpack to a few times their
# size; these bounds leave ordinary documents far inside them.
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
MAX_ZIP_ENTRIES = 5000

_TEXT_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_MARKUP_START = re.compile(r"\s*<[A-Za-z!?/]")
_MARKUP_INSIDE = re.compile(rb"<(script|html|svg|iframe|body|head|!doctype|\?xml)\b", re.I)


def detect(data: bytes) -> Kind:
    """The kind of a file from its bytes; FileRefused for anything the wiki does not take."""
    try:
        candidates = puremagic.magic_string(data)
    except puremagic.PureError:
        candidates = []
    mimes = [candidate.mime_type for candidate in candidates]
    for mime in mimes:
        if mime in _BY_MAGIC_MIME:
            return KINDS[_BY_MAGIC_MIME[mime]]
    if data.startswith(b"PK\x03\x04"):
        return _office_kind(data)
    if any("html" in mime or "xml" in mime or "svg" in mime for mime in mimes):
        raise FileRefused(_markup_message())
    return _text_kind(data)


def check_name(name: str, kind: Kind) -> str:
    """The name, with the kind's extension added when it has none; FileRefused when the name
    says another type than the contents do (an HTML page named .png)."""
    extension = extension_of(name)
    if not extension:
        return f"{name}.{kind.extensions[0]}"
    # Plain text and CSV have the same bytes: a text file named .csv is a CSV table.
    if extension in kind.extensions or (kind.key == "text" and extension == "csv"):
        return name
    if extension in _NEVER:
        raise FileRefused(f"“{name}” is not accepted: {_NEVER[extension]}.")
    named = next((other for other in KINDS.values() if extension in other.extensions), None)
    if named is None:
        raise FileRefused(
            f"“{name}” is not accepted: .{extension} files are not among the types the wiki "
            f"takes ({accepted_types()})."
        )
    raise FileRefused(
        f"“{name}” is named as a {named.label}, but its contents are a {kind.label}. "
        "Rename it to what it is, or upload the right file."
    )


def accepted_types() -> str:
    return ", ".join(kind.label for kind in KINDS.values())


def _markup_message() -> str:
    return (
        "The file is HTML, SVG or XML markup, which the wiki never stores: a browser could run "
        "script in it."
    )


def _text_kind(data: bytes) -> Kind:
    text = _decoded(data)
    if text is None:
        raise FileRefused(
            f"The wiki cannot tell what this file is, so it is not stored. It takes "
            f"{accepted_types()}."
        )
    if _MARKUP_START.match(text) or _MARKUP_INSIDE.search(data[:4096]):
        raise FileRefused(_markup_message())
    # Plain text and CSV look alike; the name decides between them (check_name).
    return KINDS["text"]


def _decoded(data: bytes) -> str | None:
    """The text of a file in UTF-8 (or Windows-1252, which spreadsheets still export), or None
    when it holds bytes no text file has."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return None if _TEXT_CONTROL.search(text) else text
    return None


def media_type_for(name: str, stored: str) -> str:
    """The media type of a file's bytes under this name: the one stored with the bytes, but
    for text, whose bytes a CSV table shares (one stored file under both names), the one its
    name says, with the charset kept."""
    base, separator, parameters = stored.partition(";")
    if base.strip() not in ("text/plain", "text/csv"):
        return stored
    base = "text/csv" if extension_of(name) == "csv" else "text/plain"
    return base + separator + parameters


def text_charset(data: bytes) -> str:
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return "windows-1252"
    return "utf-8"


def _office_kind(data: bytes) -> Kind:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError) as error:
        raise FileRefused("The file is a damaged zip archive.") from error
    _refuse_zip_bomb(entries)
    names = {entry.filename for entry in entries}
    key = next((k for k, part in _OFFICE_MAIN_PART.items() if part in names), None)
    if "[Content_Types].xml" not in names or key is None:
        raise FileRefused(
            "The file is a zip archive, not a Word, Excel or PowerPoint document; zip files "
            "are not accepted."
        )
    content_types = archive.read("[Content_Types].xml")
    if b"macroEnabled" in content_types or any(n.endswith("vbaProject.bin") for n in names):
        raise FileRefused("The document contains macros, which are not accepted.")
    try:
        # Reading every part checks each one's CRC, which fails for an entry whose declared
        # size is a lie; the declared sizes bound the work.
        for entry in entries:
            with archive.open(entry) as part:
                while part.read(1 << 20):
                    pass
    except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError) as error:
        raise FileRefused("The document is damaged: a part of it cannot be read.") from error
    return KINDS[key]


def _refuse_zip_bomb(entries: list[zipfile.ZipInfo]) -> None:
    if len(entries) > MAX_ZIP_ENTRIES:
        raise FileRefused(f"The document has {len(entries):,} parts; at most {MAX_ZIP_ENTRIES:,}.")
    if any(entry.flag_bits & 0x1 for entry in entries):
        raise FileRefused("The document is encrypted, so the wiki cannot check it.")
    unzipped = sum(entry.file_size for entry in entries)
    bloated = [
        entry
        for entry in entries
        if entry.file_size > 1024 * 1024
        and entry.file_size > MAX_COMPRESSION_RATIO * max(entry.compress_size, 1)
    ]
    if unzipped > MAX_UNZIPPED_BYTES or bloated:
        raise FileRefused(
            "The document would unpack to far more than its size (a zip bomb), so it is not stored."
        )


def label_for(media_type: str) -> str:
    """How a stored media type reads to people ("PNG image")."""
    bare = media_type.split(";")[0].strip()
    return next((kind.label for kind in KINDS.values() if kind.media_type == bare), bare)
