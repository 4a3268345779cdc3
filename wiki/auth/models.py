"""People who use the wiki and the roles they hold."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wiki.extensions import db
from wiki.timeutil import utcnow
from wiki.versioning import personal

ROLES = ("admin", "manager", "trainer", "member")


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("oidc_issuer", "oidc_subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    job_title: Mapped[str] = mapped_column(String(120), default="")
    # None until the person accepts an invitation: nobody can log in with an unset password.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    # A member with a start date is a newcomer.
    start_date: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Only a hash of the invitation token is kept, like a password.
    invitation_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    invitation_expires_at: Mapped[datetime | None]
    # Part of the id kept in the session cookie: raising it ends every session of the person
    # (password changed, deactivated, "log out everywhere"), since a signed cookie cannot be
    # taken back otherwise.
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")
    # The person's entry in the company directory when the directory manages the account
    # (it signs them in, names them and gives their roles); None for a wiki account.
    directory_dn: Mapped[str | None] = mapped_column(String(500), unique=True)
    # The person at the company's OpenID provider (its issuer and their `sub`, which never
    # changes, unlike an email) once they have signed in there; None otherwise.
    oidc_issuer: Mapped[str | None] = mapped_column(String(500))
    oidc_subject: Mapped[str | None] = mapped_column(String(255))
    # An admin's word that the company's sign-in may take over this account by its email, once
    # (an email alone is no proof: anyone the directory or provider lists with that address
    # would become this person). Cleared when the account is linked.
    company_link_allowed: Mapped[bool] = mapped_column(default=False, server_default="0")

    role_rows: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", order_by="UserRole.role"
    )

    # The roles as the signed-in person's own statement read them (auth.services.signed_in_user),
    # until their rows are loaded or changed: every screen asks has_role.
    _roles_read = None  # a frozenset once read

    def roles_read_with_user(self, roles: Iterable[str]) -> None:
        self._roles_read = frozenset(roles)

    @property
    def roles(self) -> set[str]:
        if self._roles_read is not None and "role_rows" not in self.__dict__:
            return set(self._roles_read)
        return {row.role for row in self.role_rows}

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    def get_id(self) -> str:
        return f"{self.id}.{self.session_generation}"

    @property
    def is_active(self) -> bool:  # flask-login refuses inactive users
        return self.active

    @property
    def is_newcomer(self) -> bool:
        return self.start_date is not None

    def __repr__(self) -> str:
        return f"<User {self.email}>"


@event.listens_for(User.role_rows, "set")
@event.listens_for(User.role_rows, "append")
@event.listens_for(User.role_rows, "remove")
def _forget_roles_read(user: User, *_args) -> None:
    """Roles given or taken in this request: from now on the rows say which."""
    user._roles_read = None


# Ending a session must empty the page caches, which would otherwise answer a copy of its
# cookie; what every reader sees is unchanged.
@personal
class EndedSession(db.Model):
    """A session its person logged out of. The session lives in a signed cookie, which a copy
    would keep alive: its id is kept here until the cookie would have expired anyway, and a
    cookie carrying it signs nobody in."""

    __tablename__ = "ended_sessions"

    session_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class UserRole(db.Model):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(20), primary_key=True)


class ApiToken(db.Model):
    """A personal access token: a program acting as its person, read-only or read-write."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    # Only a hash is kept: the token itself is shown once, when it is made.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    can_write: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

    @property
    def state(self) -> str:
        """One of "active", "revoked" or "expired", as the token list shows it."""
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expires_at <= utcnow() else "active"
