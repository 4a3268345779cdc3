"""Known devices: a browser someone signed in on keeps a signed cookie naming their account,
and a correct password from it passes the failed-login limits. Otherwise anyone could lock a
person out (ten wrong passwords from anywhere) or a whole office behind one address."""

from __future__ import annotations

from flask import Response, current_app, request
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.security import check_password_hash

from wiki.auth.models import User
from wiki.auth.services import find_user_by_email

COOKIE = "wiki_device"
DAYS = 180
# A shared computer may know a few people; the oldest is forgotten past this.
MOST_ACCOUNTS = 5


def remember_device(response: Response, user: User) -> None:
    """Let this browser through the failed-login limits for `user` from now on."""
    accounts = [user.id, *(known for known in _accounts() if known != user.id)]
    response.set_cookie(
        COOKIE,
        _serializer().dumps(accounts[:MOST_ACCOUNTS]),
        max_age=DAYS * 24 * 3600,
        secure=request.is_secure,
        httponly=True,
        samesite="Lax",
    )


def right_password_from_known_device() -> bool:
    """Whether this login form gives the right wiki password of an active account this
    browser knows (for Flask-Limiter's exempt_when: such a login is never held back)."""
    if COOKIE not in request.cookies:  # most tries; nothing to check
        return False
    user = find_user_by_email(request.form.get("email", ""))
    if user is None or user.id not in _accounts() or not user.active:
        return False
    password = request.form.get("password", "")
    return user.password_hash is not None and check_password_hash(user.password_hash, password)


def _accounts() -> list[int]:
    try:
        accounts = _serializer().loads(request.cookies.get(COOKIE, ""))
    except BadSignature:
        return []
    return (
        [known for known in accounts if isinstance(known, int)]
        if isinstance(accounts, list)
        else []
    )


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="known-device")
