"""Linking a chat account to a wiki account: chat gives the person a signed address that holds
their chat identity; opening it while signed in to the wiki proves both accounts are theirs.
Nothing is linked by e-mail or name: chat sends neither with a command in a form one could
trust, and a directory or chat e-mail taking over a wiki account is what issue 30 closed."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from wiki.audit import services as audit
from wiki.auth.models import User
from wiki.errors import DomainError, NotFound
from wiki.extensions import db
from wiki.integrations.models import PLATFORMS, ChatLink
from wiki.textutil import clean_line

LINK_SECONDS = 15 * 60


@dataclass(frozen=True)
class ChatIdentity:
    platform: str  # a key of PLATFORMS
    workspace: str
    chat_user: str
    chat_name: str = ""

    @property
    def label(self) -> str:
        name = f"“{self.chat_name}”" if self.chat_name else self.chat_user
        return f"{PLATFORMS[self.platform]} account {name}"


class LinkRefused(DomainError):
    status_code = 400


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="chat-link")


def link_url(identity: ChatIdentity) -> str:
    token = _serializer().dumps(
        [identity.platform, identity.workspace, identity.chat_user, identity.chat_name]
    )
    base = current_app.config["BASE_URL"].rstrip("/")
    return base + url_for("integrations.link", token=token)


def identity_in(token: str) -> ChatIdentity:
    try:
        platform, workspace, chat_user, chat_name = _serializer().loads(token, max_age=LINK_SECONDS)
    except SignatureExpired as error:
        raise LinkRefused("This link is older than 15 minutes: ask chat for a new one.") from error
    except (BadSignature, ValueError, TypeError) as error:
        raise LinkRefused("This link is not one the wiki gave: ask chat for a new one.") from error
    if platform not in PLATFORMS:
        raise LinkRefused("This link is not one the wiki gave: ask chat for a new one.")
    return ChatIdentity(platform, workspace, chat_user, chat_name)


def linked_person(identity: ChatIdentity) -> User | None:
    found = _link_of(identity)
    return found.user if found is not None and found.user.active else None


def link(person: User, identity: ChatIdentity) -> ChatLink:
    """Link the chat account to the person; one already linked to someone else stays theirs
    until they unlink it."""
    found = _link_of(identity)
    if found is not None:
        if found.user_id != person.id:
            raise LinkRefused(
                f"That {identity.label} is linked to another wiki account; it must be "
                "unlinked there first."
            )
        return found
    made = ChatLink(
        user=person,
        platform=identity.platform,
        workspace=identity.workspace[:100],
        chat_user=identity.chat_user[:200],
        chat_name=clean_line(identity.chat_name)[:200],
    )
    db.session.add(made)
    audit.record("chat_linked", person, subject=f"person:{person.id}", detail=identity.label)
    db.session.commit()
    return made


def links_of(person: User) -> list[ChatLink]:
    return list(
        db.session.scalars(
            select(ChatLink).where(ChatLink.user_id == person.id).order_by(ChatLink.linked_at)
        )
    )


def unlink(person: User, link_id: int) -> None:
    found = db.session.get(ChatLink, link_id)
    if found is None or found.user_id != person.id:
        raise NotFound("That chat account is not linked to you.")
    label = ChatIdentity(found.platform, found.workspace, found.chat_user, found.chat_name).label
    db.session.delete(found)
    audit.record("chat_unlinked", person, subject=f"person:{person.id}", detail=label)
    db.session.commit()


def _link_of(identity: ChatIdentity) -> ChatLink | None:
    return db.session.scalar(
        select(ChatLink).where(
            ChatLink.platform == identity.platform,
            ChatLink.workspace == identity.workspace,
            ChatLink.chat_user == identity.chat_user,
        )
    )
