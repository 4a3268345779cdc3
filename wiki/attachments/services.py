"""Attachment services: upload (a new version of a name), remove (recorded), list, and find
what may be served to whom."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, undefer

from wiki import events
from wiki.attachments.filetypes import FileRefused
from wiki.attachments.intake import FileTooLarge, PreparedFile, prepare_file
from wiki.attachments.models import Attachment, Blob, PendingUpload
from wiki.auth.models import User
from wiki.errors import DomainError, NotAllowed, NotFound, ValidationError
from wiki.extensions import db
from wiki.processes.links import forget_rendered_html
from wiki.processes.models import Page
from wiki.processes.pages import can_review
from wiki.timeutil import utcnow

_WORD_BREAKS = re.compile(r"[\W_]+")
# Two uploads of one name to one page at the same moment both want the next version number;
# the unique key lets one win, and the other takes the number after it.
_ATTEMPTS = 3


class UploadTooLarge(DomainError):
    status_code = 413


@dataclass(frozen=True)
class NameHistory:
    """A name's versions, newest first; `current` is the newest one not removed."""

    name: str
    versions: list[Attachment]

    @property
    def current(self) -> Attachment | None:
        return next((version for version in self.versions if version.removed_at is None), None)


def max_upload_bytes() -> int:
    return int(current_app.config["MAX_UPLOAD_MB"] * 1024 * 1024)


def check_upload(filename: str, data: bytes) -> PreparedFile:
    """The file as it would be stored; a domain error (on the field "file") saying why not."""
    try:
        return prepare_file(filename, data, max_upload_bytes())
    except FileTooLarge as error:
        raise UploadTooLarge(error.message, "file") from error
    except FileRefused as error:
        raise ValidationError({"file": error.message}) from error


def upload_attachment(actor: User | None, page: Page, filename: str, data: bytes) -> Attachment:
    """Store a file on the page, as a new version if the name is there already. One
    transaction: a refused or failed upload leaves nothing behind."""
    return store_prepared(actor, page, check_upload(filename, data))


def store_prepared(
    actor: User | None, page: Page, prepared: PreparedFile, commit: bool = True
) -> Attachment:
    for attempt in range(_ATTEMPTS):
        try:
            attachment = _add_version(actor, page, prepared)
            forget_rendered_html(page.id)
            if commit:
                db.session.commit()
            else:
                db.session.flush()
            return attachment
        except IntegrityError:
            if not commit:
                raise
            db.session.rollback()
            if attempt == _ATTEMPTS - 1:
                raise DomainError(
                    f"“{prepared.name}” was being uploaded by someone else at the same moment; "
                    "nothing was stored. Please try again.",
                    "file",
                ) from None
    raise AssertionError("unreachable")  # the loop returns or raises


def _add_version(actor: User | None, page: Page, prepared: PreparedFile) -> Attachment:
    sha256 = prepared.sha256
    if db.session.get(Blob, sha256) is None:
        db.session.add(
            Blob(
                sha256=sha256,
                size=len(prepared.data),
                media_type=prepared.media_type,
                width=prepared.width,
                height=prepared.height,
                content=prepared.data,
            )
        )
        db.session.flush()
    newest = db.session.scalar(
        select(func.max(Attachment.version)).where(
            Attachment.page_id == page.id, Attachment.name == prepared.name
        )
    )
    attachment = Attachment(
        page_id=page.id,
        name=prepared.name,
        version=(newest or 0) + 1,
        blob_sha256=sha256,
        uploaded_by=actor,
    )
    db.session.add(attachment)
    db.session.flush()
    events.file_added.send(page, actor=actor, name=prepared.name)
    return attachment


def can_remove(user: User, attachment: Attachment) -> bool:
    return attachment.uploaded_by_id == user.id or can_review(user, attachment.page)


def remove_attachment(actor: User, attachment: Attachment) -> None:
    """Stop serving one version; the row stays as the record of who removed it and when."""
    if not can_remove(actor, attachment):
        raise NotAllowed(
            "Only the person who uploaded a file, the page's owner, managers and admins can "
            "remove it."
        )
    if attachment.removed_at is not None:
        raise NotFound(f"Version {attachment.version} of “{attachment.name}” is already removed.")
    attachment.removed_at = utcnow()
    attachment.removed_by = actor
    events.file_removed.send(attachment.page, actor=actor, name=attachment.name)
    forget_rendered_html(attachment.page_id)
    db.session.commit()


def get_attachment(page: Page, attachment_id: int) -> Attachment:
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.page_id != page.id:
        raise NotFound("The page has no such file.")
    return attachment


def history(page: Page) -> list[NameHistory]:
    """Every name ever uploaded to the page, each with all its versions."""
    rows = db.session.scalars(
        select(Attachment)
        .where(Attachment.page_id == page.id)
        .options(joinedload(Attachment.uploaded_by), joinedload(Attachment.removed_by))
        .order_by(Attachment.name, Attachment.version.desc())
    )
    grouped: dict[str, list[Attachment]] = {}
    for row in rows:
        grouped.setdefault(row.name, []).append(row)
    return [NameHistory(name, versions) for name, versions in grouped.items()]


def current_attachments(page_id: int) -> dict[str, Attachment]:
    """The newest version not removed of each name on the page, by name."""
    rows = db.session.scalars(
        select(Attachment)
        .where(Attachment.page_id == page_id, Attachment.removed_at.is_(None))
        .options(joinedload(Attachment.uploaded_by))
        .order_by(Attachment.name, Attachment.version.desc())
    )
    current: dict[str, Attachment] = {}
    for row in rows:
        current.setdefault(row.name, row)
    return current


def version_named(page: Page, name: str, version: int | None = None) -> Attachment:
    """The current version of a name (or the given version, unless removed)."""
    if version is None:
        found = current_attachments(page.id).get(name)
    else:
        found = db.session.scalar(
            select(Attachment).where(
                Attachment.page_id == page.id,
                Attachment.name == name,
                Attachment.version == version,
                Attachment.removed_at.is_(None),
            )
        )
    if found is None:
        raise NotFound(f"“{page.title}” has no file “{name}”.")
    return found


def can_read_page(user: User, page: Page) -> bool:
    """Whether the person may read the page and so its files: every active person who is
    logged in reads every page."""
    return bool(user.is_authenticated and user.is_active)


def servable(user: User, sha256: str, name: str) -> Blob:
    """The blob behind a file address, when a version under that name that is not removed
    sits on a page this person may read; NotFound otherwise, so a guess learns nothing."""
    rows = db.session.execute(
        select(Blob, Page)
        .join(Attachment, Attachment.blob_sha256 == Blob.sha256)
        .join(Page, Page.id == Attachment.page_id)
        .where(
            Blob.sha256 == sha256,
            Attachment.name == name,
            Attachment.removed_at.is_(None),
        )
    )
    blob = next((blob for blob, page in rows if can_read_page(user, page)), None)
    if blob is None and user.is_authenticated:
        # A file pasted into a page not saved yet is shown to its uploader alone.
        blob = db.session.scalar(
            select(Blob)
            .join(PendingUpload, PendingUpload.blob_sha256 == Blob.sha256)
            .where(
                Blob.sha256 == sha256,
                PendingUpload.name == name,
                PendingUpload.user_id == user.id,
            )
        )
    if blob is None:
        raise NotFound("There is no such file, or it was removed.")
    return blob


def blob_content(sha256: str) -> bytes:
    return db.session.scalar(
        select(Blob).where(Blob.sha256 == sha256).options(undefer(Blob.content))
    ).content


def names_by_page(session: Session, page_ids: list[int] | None = None) -> dict[int, list[str]]:
    """The names of each page's files that are not removed, for its search document."""
    query = (
        select(Attachment.page_id, Attachment.name)
        .where(Attachment.removed_at.is_(None))
        .distinct()
        .order_by(Attachment.page_id, Attachment.name)
    )
    if page_ids is not None:
        query = query.where(Attachment.page_id.in_(page_ids))
    names: dict[int, list[str]] = {}
    for page_id, name in session.execute(query):
        # Also word by word: "zap-hold.png" is found by "hold", which the index would
        # otherwise keep only as "hold.png".
        names.setdefault(page_id, []).append(name + " " + _WORD_BREAKS.sub(" ", name))
    return names


def purge_unused_blobs() -> int:
    """Delete the bytes no attachment names any longer (their pages were deleted). One
    statement, so an upload reusing a blob meanwhile either keeps it or is retried."""
    deleted = db.session.execute(
        delete(Blob).where(
            Blob.sha256.not_in(select(Attachment.blob_sha256)),
            Blob.sha256.not_in(select(PendingUpload.blob_sha256)),
        )
    )
    db.session.commit()
    return deleted.rowcount
