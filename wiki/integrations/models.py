"""A chat account linked to a wiki account, and the signed chat requests already answered."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wiki.auth.models import User
from wiki.extensions import db
from wiki.timeutil import utcnow

PLATFORMS = {"slack": "Slack", "teams": "Microsoft Teams"}


class ChatLink(db.Model):
    """A chat person (their id in one Slack workspace or Teams tenant) who proved, by opening
    a link the wiki gave them in chat while signed in to the wiki, that both accounts are
    theirs. Chat sends no e-mail address with a command, and a name proves nothing."""

    __tablename__ = "chat_links"
    __table_args__ = (UniqueConstraint("platform", "workspace", "chat_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(10))
    workspace: Mapped[str] = mapped_column(String(100))  # Slack team id, Teams tenant id
    chat_user: Mapped[str] = mapped_column(String(200))
    chat_name: Mapped[str] = mapped_column(String(200), default="")
    linked_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()


class SeenChatRequest(db.Model):
    """A signed request already answered, kept while its timestamp is still accepted, so the
    same request sent again (a replay) is refused on every host."""

    __tablename__ = "seen_chat_requests"

    signature: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 hex
    seen_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
