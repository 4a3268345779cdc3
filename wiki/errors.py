"""Domain errors raised by services and translated into responses by views and the API."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain refused the request; the message is meant for the user."""

    status_code = 400

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationError(DomainError):
    """Input is invalid; `errors` maps each form field to its message."""

    status_code = 422

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        field, message = next(iter(errors.items()))
        super().__init__(message, field)


class NotFound(DomainError):
    status_code = 404


class NotAllowed(DomainError):
    status_code = 403


class CompanySignInUnavailable(DomainError):
    """The company directory or OpenID provider does not answer (or cannot be trusted):
    sign-in waits for it."""

    status_code = 503

    def __init__(self, what: str = "the directory does not answer") -> None:
        super().__init__(
            f"Company sign-in is unavailable right now: {what}. "
            "Local admins can still sign in with their wiki password."
        )


class SignInRefused(DomainError):
    """The company sign-in came back with something the wiki must not trust; `reason` says
    what, for the audit trail."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class NoAccess(DomainError):
    """The directory or provider knows the person, but none of their groups gives a wiki role."""

    status_code = 403

    def __init__(self) -> None:
        super().__init__(
            "Your company account has no access to the wiki: ask for a group that gives one."
        )
