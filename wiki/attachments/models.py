"""Blobs (file contents, one row per distinct SHA-256) and the page attachments that name them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wiki.attachments.filetypes import media_type_for
from wiki.auth.models import User
from wiki.extensions import db
from wiki.processes.models import Page
from wiki.timeutil import utcnow


class Blob(db.Model):
    """The bytes of a file as stored (images already stripped of their metadata), kept once
    however many attachments share them. In the database, so every host sees every file and a
    backup of the database holds them all."""

    __tablename__ = "blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int]
    media_type: Mapped[str] = mapped_column(String(100))
    # Images only, so a page can reserve their space before they load.
    width: Mapped[int | None]
    height: Mapped[int | None]
    # Loaded only when the bytes are served or exported, never with a listing.
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Attachment(db.Model):
    """One version of a named file on a page. Uploading a name again adds a version; removing
    one keeps the row (who removed it and when) and stops serving it."""

    __tablename__ = "attachments"
    __table_args__ = (
        UniqueConstraint("page_id", "name", "version"),
        Index("ix_attachments_blob_sha256", "blob_sha256"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[int]
    blob_sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"))
    uploaded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    removed_at: Mapped[datetime | None]

    page: Mapped[Page] = relationship()
    blob: Mapped[Blob] = relationship(lazy="joined")
    uploaded_by: Mapped[User | None] = relationship(foreign_keys=[uploaded_by_id])
    removed_by: Mapped[User | None] = relationship(foreign_keys=[removed_by_id])

    @property
    def media_type(self) -> str:
        return media_type_for(self.name, self.blob.media_type)

    @property
    def is_image(self) -> bool:
        return self.blob.media_type.startswith("image/")


class PendingUpload(db.Model):
    """A file pasted into a new page before the page exists: kept for its uploader until the
    page is saved (then it becomes the page's attachment) or `wiki tick` cleans it up."""

    __tablename__ = "pending_uploads"
    __table_args__ = (UniqueConstraint("user_id", "process_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    process_id: Mapped[int] = mapped_column(
        ForeignKey("processes.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    blob_sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"), index=True)
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
