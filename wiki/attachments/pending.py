"""Files pasted or dropped into a new page before it exists: kept for their uploader, turned
into the page's attachments when the page is saved, removed by `wiki tick` when it never is."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import markdown
from flask import current_app, url_for
from sqlalchemy import delete, select

from wiki.attachments import services
from wiki.attachments.models import Blob, PendingUpload
from wiki.attachments.names import markdown_reference, name_from_reference
from wiki.attachments.rendering import FileTarget, _AttachmentExtension
from wiki.auth.models import User
from wiki.extensions import db
from wiki.processes.models import Page, Process
from wiki.timeutil import utcnow

# The target of a markdown link or image: what upload references look like.
_TARGETS = re.compile(r"\]\(<?([^)\s>]+)")


def upload_pending(user: User, process: Process, filename: str, data: bytes) -> PendingUpload:
    """Check and keep a file for a page the person is writing in process; the same name again
    replaces the earlier file (the page has no versions yet)."""
    prepared = services.check_upload(filename, data)
    if db.session.get(Blob, prepared.sha256) is None:
        db.session.add(
            Blob(
                sha256=prepared.sha256,
                size=len(prepared.data),
                media_type=prepared.media_type,
                width=prepared.width,
                height=prepared.height,
                content=prepared.data,
            )
        )
    pending = _pending(user, process).get(prepared.name)
    if pending is None:
        pending = PendingUpload(user_id=user.id, process_id=process.id, name=prepared.name)
        db.session.add(pending)
    pending.blob_sha256, pending.uploaded_at = prepared.sha256, utcnow()
    db.session.commit()
    return pending


def reference_for(pending: PendingUpload) -> str:
    blob = db.session.get(Blob, pending.blob_sha256)
    return markdown_reference(pending.name, bool(blob and blob.media_type.startswith("image/")))


def _pending(user: User, process: Process) -> dict[str, PendingUpload]:
    rows = db.session.scalars(
        select(PendingUpload).where(
            PendingUpload.user_id == user.id, PendingUpload.process_id == process.id
        )
    )
    return {row.name: row for row in rows}


def adopt_pending(user: User, process: Process, page: Page, body: str) -> int:
    """Make the person's pending files that the new page's text names its attachments; the
    ones it does not name stay pending (another new page may use them) until they expire."""
    named = _referenced_names(body)
    adopted = 0
    for name, pending in _pending(user, process).items():
        if name not in named:
            continue
        blob = db.session.get(Blob, pending.blob_sha256)
        # Checked again as any upload is: the same bytes come out, so the blob is shared.
        services.store_prepared(user, page, services.check_upload(name, blob.content), False)
        db.session.delete(pending)
        adopted += 1
    db.session.commit()
    return adopted


def _referenced_names(body: str) -> set[str]:
    names = set()
    for target in _TARGETS.findall(body):
        name = name_from_reference(target)
        if name:
            names.add(name)
    return names


def preview_extension(user: User, process: Process) -> markdown.Extension:
    """Shows the person's pending files in the preview of the page they are writing."""
    pending = _pending(user, process)

    def resolve(name: str) -> FileTarget:
        row = pending.get(name)
        if row is None:
            return FileTarget("#", exists=False)
        blob = db.session.get(Blob, row.blob_sha256)
        return FileTarget(
            url_for("attachments.file", sha256=row.blob_sha256, name=row.name),
            blob.media_type.startswith("image/"),
            blob.width,
            blob.height,
        )

    return _AttachmentExtension(resolve)


def purge_pending_uploads(now: datetime) -> int:
    """Remove files kept for pages never saved, as old as drafts are allowed to grow."""
    cutoff = now - timedelta(days=current_app.config["DRAFT_DAYS"])
    removed = db.session.execute(delete(PendingUpload).where(PendingUpload.uploaded_at < cutoff))
    db.session.commit()
    return removed.rowcount or 0
