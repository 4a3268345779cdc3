"""Signing in: with a wiki password, through the company directory or the company's OpenID
provider, and linking a company account to an existing wiki account on purpose.

An email is no proof of who someone is: a directory entry or a provider's claims may carry any
address. So a company sign-in becomes an existing wiki account only when that account is
already linked to it, when an admin allowed the link, or (provider only, whose emails are
verified) when an admin trusts the provider for the email's domain; otherwise the person
proves they hold both by linking from their account page once signed in. The break-glass
account is never linked."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import current_app
from sqlalchemy import select
from werkzeug.security import check_password_hash

from wiki.audit import services as audit
from wiki.auth.models import User
from wiki.auth.services import (
    DUMMY_HASH,
    apply_company_entry,
    break_glass_email,
    find_user_by_email,
    password_login_allowed,
)
from wiki.errors import (
    CompanySignInUnavailable,
    DomainError,
    NoAccess,
    NotAllowed,
    SignInRefused,
    ValidationError,
)
from wiki.extensions import db
from wiki.textutil import clean_line

if TYPE_CHECKING:  # ldap3 and Authlib are loaded only by a wiki that uses them
    from wiki.auth.directory import DirectoryPerson
    from wiki.auth.oidc import ProviderPerson

DIRECTORY = "directory"
PROVIDER = "OpenID"
# Each sign-in's link on the account: its column, and the column's value for a person.
_LINKS = {DIRECTORY: "directory_dn", PROVIDER: "oidc_subject"}


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
        check_password_hash(DUMMY_HASH, password)
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
    typed = clean_line(login).lower()
    found = _directory_person(login, password, typed)
    refusal: DomainError | None = None  # a refusal with its own message, else the usual one
    if not password:
        failure = "directory: empty password"
    elif found is None:
        failure = "directory: unknown person or wrong password"
    elif not found.roles:
        failure, refusal = "directory: in no mapped group", NoAccess()
    else:
        linked = db.session.scalar(select(User).where(User.directory_dn == found.dn))
        try:
            person = _account_for(found, linked, DIRECTORY)
        except _Refused as refused:
            failure, refusal = f"directory: {refused.failure}", refused.error
        else:
            person.directory_dn = found.dn
            apply_company_entry(person, found)
            if person.active:
                audit.record("login", person, detail="directory")
                db.session.commit()
                return person
            failure = "directory: account deactivated in the wiki"
    db.session.rollback()  # nothing of a refused sign-in is kept but its audit entry
    audit.record("login_failed", detail=failure, email=typed)
    db.session.commit()
    if refusal is not None:
        raise refusal
    return None


def _directory_person(login: str, password: str, typed: str) -> DirectoryPerson | None:
    """The directory's person for this login when the password is theirs, else None."""
    from wiki.auth import directory  # ldap3 is loaded only by a wiki that uses a directory

    company = directory.Directory(current_app.config)
    try:
        found = company.find(login) if password else None
        right = found is not None and company.password_is_right(found, password)
    except CompanySignInUnavailable:
        audit.record("login_failed", detail="directory unavailable", email=typed)
        db.session.commit()
        raise
    return found if right else None


@dataclass
class _Refused(Exception):
    failure: str  # why, for the audit log
    error: DomainError  # what the person is told


def _account_for(found: DirectoryPerson | ProviderPerson, linked: User | None, via: str) -> User:
    """The wiki account a person the company vouches for signs in to: the one `linked` to
    them; else, on their first company sign-in, a new account, or the one with their email
    where it may be linked (`_may_link_by_email`). Raises _Refused."""
    if found.email == break_glass_email():
        # Its roles would follow the company's groups from then on: it stays the wiki's own.
        raise _Refused(
            "the break-glass account",
            NotAllowed(
                "This is the wiki's break-glass account: it signs in with its wiki password only."
            ),
        )
    holder = find_user_by_email(found.email)
    if holder is not None and holder is not linked:
        if linked is not None or getattr(holder, _LINKS[via]) is not None:
            raise _Refused("email of another account", _EmailOfAnotherAccount(found.email))
        if not _may_link_by_email(holder, via):
            raise _Refused("email of an unlinked wiki account", _NotLinked(found.email))
        holder.company_link_allowed = False  # the admin's permission is used up
        audit.record(
            "company_linked",
            subject=f"person:{holder.id}",
            subject_label=holder.email,
            detail=f"{via}, by email",
        )
        return holder
    if linked is not None:
        return linked
    person = User(email=found.email, name=found.name[:120], password_hash=None, active=True)
    db.session.add(person)
    return person


def _may_link_by_email(holder: User, via: str) -> bool:
    """Whether a company sign-in with this account's email may become it: with an admin's
    permission for the account, or (provider only) for its email's domain, which never covers
    an admin account (the one most worth taking)."""
    if holder.company_link_allowed:
        return True
    domain = holder.email.rpartition("@")[2]
    trusted = current_app.config["OIDC_LINK_DOMAINS"]
    return via == PROVIDER and domain in trusted and not holder.has_role("admin")


class _EmailOfAnotherAccount(NotAllowed):
    def __init__(self, email: str) -> None:
        super().__init__(f"{email} already belongs to another wiki account: ask an admin.")


class _NotLinked(NotAllowed):
    def __init__(self, email: str) -> None:
        super().__init__(
            f"The wiki account of {email} is not linked to your company account. Sign in with "
            "its wiki password and link your company account under “Your account”, or ask an "
            "admin to allow the link."
        )


def start_provider_sign_in(redirect_uri: str):
    """The redirect that sends the browser to the company's OpenID provider."""
    from wiki.auth import oidc  # Authlib only for a wiki that uses a provider

    try:
        return oidc.Provider(current_app.config).start(redirect_uri)
    except CompanySignInUnavailable:
        audit.record("login_failed", detail="OpenID: provider unavailable")
        db.session.commit()
        raise


def finish_provider_sign_in(linking: User | None = None) -> User:
    """The person the provider sends back, their account created on the first sign-in (or
    linked, see `_account_for`) and brought up to date on every one; with `linking`, the
    signed-in account they link to their company account instead. Every refusal raises
    DomainError with a message for them, and is audited."""
    from wiki.auth import oidc

    try:
        found = oidc.Provider(current_app.config).finish()
    except SignInRefused as refused:
        _provider_refusal(refused.reason, "")
        raise
    except CompanySignInUnavailable:
        _provider_refusal("provider unavailable", "")
        raise
    if not found.email or not found.email_verified:
        _provider_refusal("email not verified", found.email)
        raise NotAllowed(
            "Your company account has no verified email address, which the wiki needs: ask "
            "your IT department to verify it."
        )
    if not found.roles:
        _provider_refusal("in no mapped group", found.email)
        raise NoAccess()
    linked = db.session.scalar(
        select(User).where(User.oidc_issuer == found.issuer, User.oidc_subject == found.subject)
    )
    try:
        if linking is not None:
            person = _linked_on_purpose(found, linked, linking, PROVIDER)
        else:
            person = _account_for(found, linked, PROVIDER)
    except _Refused as refused:
        _provider_refusal(refused.failure, found.email)
        raise refused.error from None
    if not person.active:
        _provider_refusal("account deactivated in the wiki", found.email)
        raise NotAllowed("Your wiki account is deactivated: ask an admin if that is a mistake.")
    person.oidc_issuer, person.oidc_subject = found.issuer, found.subject
    apply_company_entry(person, found, "OpenID Connect")
    audit.record("login", person, detail="OpenID Connect")
    db.session.commit()
    return person


def _provider_refusal(failure: str, email: str) -> None:
    db.session.rollback()  # nothing of a refused sign-in is kept but its audit entry
    audit.record("login_failed", detail=f"OpenID: {failure}", email=email)
    db.session.commit()


def _linked_on_purpose(
    found: DirectoryPerson | ProviderPerson, linked: User | None, person: User, via: str
) -> User:
    """`person`, signed in to the wiki, proving they also hold the company account `found`:
    their account, linked to it. Raises _Refused where the link would take someone else's."""
    if person.email == break_glass_email() or found.email == break_glass_email():
        raise _Refused(
            "the break-glass account",
            NotAllowed("The break-glass account stays the wiki's own: it is never linked."),
        )
    if getattr(person, _LINKS[via]) is not None and linked is not person:
        raise _Refused(
            "account linked to another company account",
            NotAllowed("Your wiki account is linked to another company account already."),
        )
    if linked is not None and linked is not person:
        raise _Refused(
            "company account linked to another",
            NotAllowed("That company account is linked to another wiki account: ask an admin."),
        )
    holder = find_user_by_email(found.email)
    if holder is not None and holder is not person:
        raise _Refused("email of another account", _EmailOfAnotherAccount(found.email))
    if linked is None:
        audit.record(
            "company_linked",
            person,
            subject=f"person:{person.id}",
            subject_label=person.email,
            detail=f"{via}, by the person",
        )
    return person


def link_directory_account(person: User, login: str, password: str) -> None:
    """Link the signed-in `person` to their entry in the company directory, proven by its
    password; from then on they sign in there. Raises ValidationError for a wrong login or
    password, DomainError for a link the rules refuse."""
    typed = clean_line(login).lower()
    found = _directory_person(login, password, typed) if login.strip() else None
    if found is None:
        audit.record("login_failed", person, detail="directory link: wrong login or password")
        db.session.commit()
        raise ValidationError(
            {"company_password": "That company user name and password do not match."}
        )
    if not found.roles:
        raise NoAccess()
    linked = db.session.scalar(select(User).where(User.directory_dn == found.dn))
    try:
        _linked_on_purpose(found, linked, person, DIRECTORY)
    except _Refused as refused:
        db.session.rollback()
        audit.record("login_failed", person, detail=f"directory link: {refused.failure}")
        db.session.commit()
        raise refused.error from None
    person.directory_dn = found.dn
    apply_company_entry(person, found)
    db.session.commit()
