"""Account rules: authentication, creating and inviting people, roles and deactivation."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from flask import current_app
from sqlalchemy import bindparam, delete, exists, func, select
from werkzeug.security import check_password_hash, generate_password_hash

from wiki import events
from wiki.audit import services as audit
from wiki.auth.models import ROLES, EndedSession, User, UserRole
from wiki.auth.tokens import revoke_tokens_of, secret_hash
from wiki.errors import DomainError, NotFound, ValidationError
from wiki.extensions import db
from wiki.notifications.services import UNREAD_OF_USER, remember_unread
from wiki.textutil import clean_line
from wiki.timeutil import utcnow

if TYPE_CHECKING:
    from wiki.auth.directory import DirectoryPerson
    from wiki.auth.oidc import ProviderPerson

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD_LENGTH = 10
# Checked against when the email is unknown, so that a wrong email costs as long as a wrong
# password and the two cannot be told apart by timing.
DUMMY_HASH = generate_password_hash("not a real password", method="scrypt")


@dataclass(frozen=True)
class PersonForm:
    email: str
    name: str
    roles: tuple[str, ...] = ("member",)
    job_title: str = ""
    start_date: date | None = None
    # An admin's permission for company sign-in to take over the account by its email, once
    # (User.company_link_allowed); None leaves it as it is.
    company_link_allowed: bool | None = None


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


def apply_company_entry(
    person: User, found: DirectoryPerson | ProviderPerson, source: str = "directory"
) -> bool:
    """Name, email and roles as the company has them (roles only where a role map gives them,
    or for a new account); a change of roles is audited. False when the company's email
    belongs to another wiki account: this one keeps its own (sign-in refuses that case before
    it gets here; a directory sync reports it)."""
    person.name = found.name[:120]
    holder = find_user_by_email(found.email)
    email_follows = holder is None or holder is person
    if email_follows:
        person.email = found.email
    before = person.roles
    if (found.roles_managed or not before) and before != set(found.roles):
        set_roles(person, found.roles)
        if before:
            audit.record(
                "role_changed",
                subject=f"person:{person.id}",
                subject_label=person.email,
                detail=f"{', '.join(sorted(before))} → {', '.join(found.roles)} ({source})",
            )
    return email_follows


def password_login_allowed(email: str) -> bool:
    """Whether this login may use a password: always, unless WIKI_PASSWORD_LOGIN is off, when
    only the break-glass admin may (a way in when company sign-in is down)."""
    break_glass = break_glass_email()
    return current_app.config["PASSWORD_LOGIN"] or bool(
        break_glass and clean_line(email).lower() == break_glass
    )


def break_glass_email() -> str:
    return (current_app.config["BREAK_GLASS_EMAIL"] or "").strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email.strip().lower()))


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("There is no such person.")
    return user


# Built once: every request runs it, and building the statement cost as much as running it.
# The roles come as one column rather than as rows joined in (which cost as much again as the
# user), and the unread count for the bell every screen shows rides along.
_SIGNED_IN_USER = (
    select(
        User,
        select(func.aggregate_strings(UserRole.role, ","))
        .where(UserRole.user_id == User.id)
        .scalar_subquery(),
        UNREAD_OF_USER,
    )
    .where(
        User.id == bindparam("user_id"),
        User.session_generation == bindparam("generation"),
        ~exists().where(EndedSession.session_id == bindparam("session_id")),
    )
    .execution_options(populate_existing=True)
)


def signed_in_user(user_id: int, generation: int, session_id: str | None) -> User | None:
    """The person of a session with their roles, unless they logged out of it or everywhere
    since: one query, as every screen asks it."""
    values = {"user_id": user_id, "generation": generation, "session_id": session_id or ""}
    row = db.session.execute(_SIGNED_IN_USER, values).first()
    if row is None:
        return None
    user, roles, unread = row
    user.roles_read_with_user(roles.split(",") if roles else [])
    remember_unread(user, unread)
    return user


def active_people() -> list[User]:
    """Everyone who can be chosen in a form (a buddy, a member, an owner), by name."""
    return list(db.session.scalars(select(User).where(User.active).order_by(User.name)))


def list_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(func.lower(User.name))))


def create_user(form: PersonForm, password: str | None = None) -> User:
    """Create a person. Without a password they log in after accepting an invitation."""
    email, name, roles = _checked_person(form)
    if find_user_by_email(email) is not None:
        raise ValidationError({"email": f"{email} already has an account."})
    if password is not None:
        check_password(password)
    user = User(
        email=email,
        name=name,
        job_title=clean_line(form.job_title),
        start_date=form.start_date,
        password_hash=hash_password(password) if password is not None else None,
    )
    user.role_rows = [UserRole(role=role) for role in roles]
    db.session.add(user)
    db.session.commit()
    return user


def update_user(actor: User, user: User, form: PersonForm) -> User:
    email, name, roles = _checked_person(form)
    if actor.id == user.id and actor.has_role("admin") and "admin" not in roles:
        # Otherwise the last admin could lock everyone out of the admin screens.
        raise ValidationError({"roles": "You cannot remove your own admin role."})
    other = find_user_by_email(email)
    if other is not None and other.id != user.id:
        raise ValidationError({"email": f"{email} already has an account."})
    user.email, user.name, user.job_title = email, name, clean_line(form.job_title)
    user.start_date = form.start_date
    before = user.roles
    set_roles(user, roles)
    if set(before) != set(roles):
        audit.record(
            "role_changed",
            actor,
            subject=f"person:{user.id}",
            subject_label=user.email,
            detail=f"{', '.join(sorted(before)) or 'none'} → {', '.join(sorted(roles))}",
        )
    allowed = form.company_link_allowed
    if allowed is not None and allowed != user.company_link_allowed:
        if allowed and user.email == break_glass_email():
            raise ValidationError(
                {"company_link_allowed": "The break-glass account is never linked."}
            )
        user.company_link_allowed = allowed
        audit.record(
            "company_link_allowed" if allowed else "company_link_withdrawn",
            actor,
            subject=f"person:{user.id}",
            subject_label=user.email,
        )
    db.session.commit()
    return user


def set_roles(user: User, roles: tuple[str, ...]) -> None:
    kept = [row for row in user.role_rows if row.role in roles]
    added = [UserRole(role=role) for role in roles if role not in user.roles]
    user.role_rows = kept + added


def set_active(actor: User, user: User, active: bool) -> None:
    if actor.id == user.id and not active:
        raise DomainError("You cannot deactivate your own account.")
    if user.active != active:
        kind = "reactivated" if active else "deactivated"
        audit.record(kind, actor, subject=f"person:{user.id}", subject_label=user.email)
    was_active, user.active = user.active, active
    if was_active and not active:
        events.person_deactivated.send(user, actor=actor)
    if not active:
        user.session_generation += 1
        revoke_tokens_of(user)
        # A pending invitation would let the link's holder set a password and come back in.
        user.invitation_hash = None
        user.invitation_expires_at = None
    db.session.commit()


def new_session_id() -> str:
    """The id of a session being begun, kept in its cookie (see end_session)."""
    return secrets.token_urlsafe(32)


def end_session(session_id: str | None) -> None:
    """Log out of this one session: a copy of its cookie no longer signs anyone in. Sessions
    begun before ids were given end only with "log out everywhere"."""
    now = utcnow()
    db.session.execute(delete(EndedSession).where(EndedSession.expires_at < now))
    if session_id:
        lifetime = current_app.config["PERMANENT_SESSION_LIFETIME"]
        db.session.merge(EndedSession(session_id=session_id, expires_at=now + lifetime))
    db.session.commit()


def end_sessions(user: User) -> None:
    """Log the person out everywhere: every cookie issued so far stops working."""
    user.session_generation += 1
    audit.record("logout_everywhere", user)
    db.session.commit()


def set_password(user: User, password: str, kind: str = "password_changed") -> None:
    check_password(password)
    audit.record(kind, user)
    user.password_hash = hash_password(password)
    user.session_generation += 1
    user.invitation_hash = None
    user.invitation_expires_at = None
    db.session.commit()


def change_password(user: User, current_password: str, new_password: str) -> None:
    if user.password_hash is None or not check_password_hash(user.password_hash, current_password):
        raise ValidationError({"current_password": "That is not your current password."})
    set_password(user, new_password)


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            {"password": f"A password has at least {MIN_PASSWORD_LENGTH} characters."}
        )


def accept_invitation(user: User, password: str) -> None:
    set_password(user, password, kind="invitation_used")


def invite(user: User, actor: User | None = None) -> str:
    """A fresh invitation token for the user; only its hash is stored."""
    token = secrets.token_urlsafe(32)
    audit.record("invitation_sent", actor, subject=f"person:{user.id}", subject_label=user.email)
    user.invitation_hash = secret_hash(token)
    user.invitation_expires_at = utcnow() + timedelta(days=current_app.config["INVITATION_DAYS"])
    db.session.commit()
    return token


def find_invited_user(token: str) -> User:
    user = db.session.scalar(select(User).where(User.invitation_hash == secret_hash(token)))
    if user is None or user.invitation_expires_at is None or not user.active:
        raise NotFound("This invitation link is not valid. Ask an admin for a new one.")
    if user.invitation_expires_at < utcnow():
        raise NotFound("This invitation has expired. Ask an admin for a new one.")
    return user


def _checked_person(form: PersonForm) -> tuple[str, str, tuple[str, ...]]:
    email = clean_line(form.email).lower()
    name = clean_line(form.name)
    roles = tuple(sorted(set(form.roles) | {"member"}))
    errors: dict[str, str] = {}
    if not EMAIL_PATTERN.match(email) or len(email) > 254:
        errors["email"] = "Enter an email address such as jill@example.com."
    if not name:
        errors["name"] = "A person needs a name."
    elif len(name) > 120:
        errors["name"] = "A name has at most 120 characters."
    unknown = [role for role in roles if role not in ROLES]
    if unknown:
        errors["roles"] = f"Unknown role “{unknown[0]}”; roles are {', '.join(ROLES)}."
    if len(form.job_title) > 120:
        errors["job_title"] = "A job title has at most 120 characters."
    if errors:
        raise ValidationError(errors)
    return email, name, roles
