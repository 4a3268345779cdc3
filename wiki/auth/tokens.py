"""Personal access tokens: made, listed, revoked, and checked when a program presents one."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update

from wiki.audit import services as audit
from wiki.auth.models import ApiToken, User
from wiki.errors import DomainError, NotAllowed, NotFound, ValidationError
from wiki.extensions import db
from wiki.textutil import clean_line
from wiki.timeutil import utcnow

DEFAULT_DAYS = 90
MAX_DAYS = 365
MAX_NAME_LENGTH = 80
# The prefix lets a secret scanner (and a person) recognise a leaked token.
PREFIX = "onr_"
# Writing the time of last use on every request would make each API call a write.
LAST_USE_RESOLUTION = timedelta(minutes=1)


class TokenRefused(DomainError):
    """The presented token does not let anyone in."""

    status_code = 401


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str


def create_token(
    user: User, name: str, *, write: bool = False, days: int = DEFAULT_DAYS
) -> NewToken:
    """A new token of the person; the secret is returned here and never again."""
    name = clean_line(name)
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = "Give the token a name, such as the script that will use it."
    elif len(name) > MAX_NAME_LENGTH:
        errors["name"] = f"A token's name has at most {MAX_NAME_LENGTH} characters."
    if not 1 <= days <= MAX_DAYS:
        errors["days"] = f"A token lasts from 1 to {MAX_DAYS} days."
    if not user.active:
        errors["user"] = f"{user.name} is deactivated and cannot have tokens."
    if errors:
        raise ValidationError(errors)
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=name,
        token_hash=secret_hash(secret),
        can_write=write,
        expires_at=utcnow() + timedelta(days=days),
    )
    db.session.add(token)
    db.session.flush()
    audit.record(
        "token_created", user, subject=f"token:{token.id}", subject_label=name,
        detail="read-write" if write else "read-only",
    )  # fmt: skip
    db.session.commit()
    return NewToken(token=token, secret=secret)


def tokens_of(user: User) -> list[ApiToken]:
    return list(
        db.session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
        )
    )


def all_tokens(actor: User) -> list[ApiToken]:
    if not actor.has_role("admin"):
        raise NotAllowed("Only admins see everyone's tokens.")
    return list(db.session.scalars(select(ApiToken).order_by(ApiToken.id.desc())))


def revoke_token(actor: User, token_id: int) -> ApiToken:
    """Revoke one token: its own person or an admin may."""
    token = db.session.get(ApiToken, token_id)
    if token is None or (token.user_id != actor.id and not actor.has_role("admin")):
        raise NotFound("There is no such token.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record(
            "token_revoked", actor, subject=f"token:{token.id}", subject_label=token.name,
            detail=f"a token of {token.user.email}",
        )  # fmt: skip
        db.session.commit()
    return token


def revoke_tokens_of(user: User) -> None:
    """Revoke every token of the person, in the caller's transaction (deactivation)."""
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def presented_secret(header: str) -> str | None:
    """The token an Authorization header presents ("Bearer <token>", the scheme in any case,
    with any spaces around), or None when it presents none."""
    scheme, _, secret = header.strip().partition(" ")
    return (secret.strip() or None) if scheme.lower() == "bearer" else None


def bearer_token(header: str) -> ApiToken:
    """The usable token an Authorization header presents."""
    secret = presented_secret(header)
    if secret is None:
        raise TokenRefused("Send the token as “Authorization: Bearer <token>”.")
    return authenticate_token(secret)


def authenticate_token(secret: str) -> ApiToken:
    """The usable token with this secret, its last use noted; TokenRefused says why not."""
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == secret_hash(secret)))
    now = utcnow()
    if token is None:
        raise TokenRefused("This token is not known. Check that it was copied whole.")
    if token.revoked_at is not None:
        raise TokenRefused("This token has been revoked.")
    if token.expires_at <= now:
        raise TokenRefused("This token has expired. Make a new one on your profile page.")
    if not token.user.active:
        raise TokenRefused("The person of this token is deactivated.")
    if token.last_used_at is None or now - token.last_used_at >= LAST_USE_RESOLUTION:
        token.last_used_at = now
        db.session.commit()
    return token


def secret_hash(secret: str) -> str:
    """The stored form of a random secret (a token, an invitation)."""
    # Such a secret carries 256 random bits, so a fast hash is enough (unlike a password).
    return hashlib.sha256(secret.encode()).hexdigest()
