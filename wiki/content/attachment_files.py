"""A page's files in the content folder: `<page-slug>.files/<name>` beside `<page-slug>.md`,
each listed with its SHA-256 under `attachments:` in the page's front matter, which a load
checks. No database here."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wiki.attachments.names import normalise_filename
from wiki.content.errors import ContentError

FILES_SUFFIX = ".files"
_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class AttachmentEntry:
    name: str
    path: Path
    sha256: str

    def read(self) -> bytes:
        return self.path.read_bytes()


def files_folder(page_file: Path) -> Path:
    return page_file.with_name(page_file.stem + FILES_SUFFIX)


def is_files_folder(folder: Path) -> bool:
    return folder.name.endswith(FILES_SUFFIX)


def read_attachments(meta: dict[str, Any], page_file: Path) -> list[AttachmentEntry]:
    """The files the page's front matter lists, each present and with the hash it lists."""
    listed = meta.get("attachments") or {}
    folder = files_folder(page_file)
    if not isinstance(listed, dict):
        raise ContentError(f"{page_file}:2: “attachments” maps each file name to its SHA-256.")
    entries = []
    for name, sha256 in listed.items():
        name, sha256 = str(name), str(sha256).lower()
        if normalise_filename(name) != name:
            raise ContentError(f"{page_file}:2: “{name}” is not a plain file name.")
        if not _SHA256.fullmatch(sha256):
            raise ContentError(f"{page_file}:2: the SHA-256 of “{name}” is not 64 hex digits.")
        path = folder / name
        if not path.is_file():
            raise ContentError(f"{path}: the file listed in {page_file.name} is missing.")
        if hashlib.sha256(path.read_bytes()).hexdigest() != sha256:
            raise ContentError(
                f"{path}: its SHA-256 is not the one {page_file.name} lists (a damaged or "
                "changed copy; if the change is wanted, list the new hash)."
            )
        entries.append(AttachmentEntry(name, path, sha256))
    if folder.is_dir():
        unlisted = sorted(p.name for p in folder.iterdir() if p.name not in listed)
        if unlisted:
            raise ContentError(
                f"{folder / unlisted[0]}: not listed under “attachments” in {page_file.name}."
            )
    return entries


def check_files_folders(folder: Path) -> None:
    """Every `.files` folder in a process folder belongs to a page beside it."""
    for files in folder.iterdir():
        if files.is_dir() and is_files_folder(files):
            page_file = files.with_name(files.name.removesuffix(FILES_SUFFIX) + ".md")
            if not page_file.exists():
                raise ContentError(f"{files}: there is no page {page_file.name} for these files.")


def write_attachments(page_file: Path, files: Iterable[tuple[str, bytes]]) -> dict[str, str]:
    """Write the page's files beside it, drop any others there; return the manifest."""
    folder = files_folder(page_file)
    manifest: dict[str, str] = {}
    for name, data in files:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
        manifest[name] = hashlib.sha256(data).hexdigest()
    if folder.is_dir():
        for stale in folder.iterdir():
            if stale.name not in manifest:
                stale.unlink()
        if not manifest:
            folder.rmdir()
    return manifest
