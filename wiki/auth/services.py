"""Account rules: authentication, creating and inviting people, roles and deactivation."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from flask import current_app
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from wiki.audit import services as audit
from wiki.auth.models import ROLES, User, UserRole
from wiki.auth.tokens import revoke_tokens_of, secret_hash
from wiki.errors import (
    CompanySignInUnavailable,
    DomainError,
    NoAccess,
    NotAllowed,
    NotFound,
    SignInRefused,
    ValidationError,
)
from wiki.extensions import db
from wiki.textutil import clean_line
from wiki.timeutil import utcnow

if TYPE_CHECKING:
    from wiki.auth.directory import DirectoryPerson
    from wiki.auth.oidc import ProviderPerson

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD_LENGTH = 10
# Checked against when the email is unknown, so that a wrong email costs as long as a wrong
# password and the two cannot be told apart by timing.
_DUMMY_HASH = generate_password_hash("not a real password", method="scrypt")


@dataclass(frozen=True)
class PersonForm:
    email: str
    name: str
    roles: tuple[str, ...] = ("member",)
    job_title: str = ""
    start_date: date | None = None


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, or None; the cause is not told apart to
    the person, only in the audit trail (which never holds the password).

    With a company directory configured, everyone but the wiki's own accounts (a break-glass
    admin, say) signs in there; its refusals that the person can act on raise DomainError, as
    does a password when WIKI_PASSWORD_LOGIN is off and they are not the break-glass admin."""
    user = find_user_by_email(email)
    if not password_login_allowed(email):
        audit.record(
            "login_failed", user, detail="password login is off", email=clean_line(email).lower()
        )
        db.session.commit()
        raise NotAllowed("Sign-in with a password is turned off: use your company account.")
    if current_app.config["LDAP_URL"] and (user is None or user.directory_dn is not None):
        return _directory_sign_in(email, password)
    if user is None or user.password_hash is None:
        check_password_hash(_DUMMY_HASH, password)
        failure = "no account with a password"
    elif not check_password_hash(user.password_hash, password):
        failure = "wrong password"
    elif not user.active:
        failure = "account deactivated"
    else:
        audit.record("login", user)
        db.session.commit()
        return user
    audit.record("login_failed", user, detail=failure, email=clean_line(email).lower())
    db.session.commit()
    return None


def _directory_sign_in(login: str, password: str) -> User | None:
    # Imported here: ldap3 is loaded only by a wiki that uses a directory.
    from wiki.auth import directory

    company = directory.Directory(current_app.config)
    typed = clean_line(login).lower()
    try:
        found = company.find(login) if password else None
        right = found is not None and company.password_is_right(found, password)
    except CompanySignInUnavailable:
        audit.record("login_failed", detail="directory unavailable", email=typed)
        db.session.commit()
        raise
    refusal: DomainError | None = None  # a refusal with its own message, else the usual one
    if not password:
        failure = "directory: empty password"
    elif not right:
        failure = "directory: unknown person or wrong password"
    elif not found.roles:
        failure, refusal = "directory: in no mapped group", NoAccess()
    else:
        linked = db.session.scalar(select(User).where(User.directory_dn == found.dn))
        if _email_of_another_account(found.email, linked, "directory_dn"):
            failure = "directory: email of another account"
            refusal = _EmailOfAnotherAccount(found.email)
        else:
            person = _provisioned(found, linked)
            if person.active:
                audit.record("login", person, detail="directory")
                db.session.commit()
                return person
            failure = "directory: account deactivated in the wiki"
    audit.record("login_failed", detail=failure, email=typed)
    db.session.commit()
    if refusal is not None:
        raise refusal
    return None


def _email_of_another_account(email: str, linked: User | None, link: str) -> bool:
    """Whether the company's email for this person belongs to another wiki account: one linked
    (`link`: through the same sign-in) to another company account, or any other once this
    person has an account (their email changed at the company to one the wiki already knows).
    Emails are unique in the wiki."""
    holder = find_user_by_email(email)
    if holder is None or holder is linked:
        return False
    return linked is not None or getattr(holder, link) is not None


class _EmailOfAnotherAccount(NotAllowed):
    def __init__(self, email: str) -> None:
        super().__init__(f"{email} already belongs to another wiki account: ask an admin.")


def _provisioned(found: DirectoryPerson, linked: User | None) -> User:
    """The wiki account of a directory person (`linked` to their entry already, or else not
    yet), created on the first sign-in and brought up to date (name, email, roles) on every
    later one."""
    person = _company_account(linked, found)
    person.directory_dn = found.dn
    apply_company_entry(person, found)
    return person


def _company_account(linked: User | None, found: DirectoryPerson | ProviderPerson) -> User:
    """The account linked to the person the company vouches for; else, on their first sign-in,
    the account with their email, or a new one without a wiki password."""
    person = linked or find_user_by_email(found.email)
    if person is None:
        person = User(email=found.email, name=found.name[:120], password_hash=None, active=True)
        db.session.add(person)
    return person


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
    break_glass = _break_glass_email()
    return current_app.config["PASSWORD_LOGIN"] or bool(
        break_glass and clean_line(email).lower() == break_glass
    )


def _break_glass_email() -> str:
    return (current_app.config["BREAK_GLASS_EMAIL"] or "").strip().lower()


def start_provider_sign_in(redirect_uri: str):
    """The redirect that sends the browser to the company's OpenID provider."""
    from wiki.auth import oidc  # Authlib only for a wiki that uses a provider

    try:
        return oidc.Provider(current_app.config).start(redirect_uri)
    except CompanySignInUnavailable:
        audit.record("login_failed", detail="OpenID: provider unavailable")
        db.session.commit()
        raise


def finish_provider_sign_in() -> User:
    """The person the provider sends back, their account created on the first sign-in (linked
    by the provider's subject, or else by their verified email) and brought up to date on every
    one. Every refusal raises DomainError with a message for them, and is audited."""
    from wiki.auth import oidc

    try:
        found = oidc.Provider(current_app.config).finish()
    except SignInRefused as refused:
        _provider_refusal(f"OpenID: {refused.reason}", "")
        raise
    except CompanySignInUnavailable:
        _provider_refusal("OpenID: provider unavailable", "")
        raise
    if not found.email or not found.email_verified:
        _provider_refusal("OpenID: email not verified", found.email)
        raise NotAllowed(
            "Your company account has no verified email address, which the wiki needs: ask "
            "your IT department to verify it."
        )
    if not found.roles:
        _provider_refusal("OpenID: in no mapped group", found.email)
        raise NoAccess()
    if found.email == _break_glass_email():
        # Its roles would follow the provider's groups from then on: it stays the wiki's own.
        _provider_refusal("OpenID: the break-glass account", found.email)
        raise NotAllowed(
            "This is the wiki's break-glass account: it signs in with its wiki password only."
        )
    linked = db.session.scalar(
        select(User).where(User.oidc_issuer == found.issuer, User.oidc_subject == found.subject)
    )
    if _email_of_another_account(found.email, linked, "oidc_subject"):
        _provider_refusal("OpenID: email of another account", found.email)
        raise _EmailOfAnotherAccount(found.email)
    person = _company_account(linked, found)
    if not person.active:
        _provider_refusal("OpenID: account deactivated in the wiki", found.email)
        raise NotAllowed("Your wiki account is deactivated: ask an admin if that is a mistake.")
    person.oidc_issuer, person.oidc_subject = found.issuer, found.subject
    apply_company_entry(person, found, "OpenID Connect")
    audit.record("login", person, detail="OpenID Connect")
    db.session.commit()
    return person


def _provider_refusal(failure: str, email: str) -> None:
    audit.record("login_failed", detail=failure, email=email)
    db.session.commit()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email.strip().lower()))


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("There is no such person.")
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
    user.active = active
    if not active:
        user.session_generation += 1
        revoke_tokens_of(user)
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
    if user is None or user.invitation_expires_at is None:
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
