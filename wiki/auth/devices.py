"""Known devices: a browser someone signed in on keeps a signed cookie naming their account,
and a correct password from it passes the failed-login limits. Otherwise anyone could lock a
person out (ten wrong passwords from anywhere) or a whole office behind one address."""

from __future__ import annotations

from flask import Response, current_app, g, request
from itsdangerous import BadSignature, URLSafeSerializer, URLSafeTimedSerializer
from werkzeug.security import check_password_hash

from wiki.auth.models import User
from wiki.auth.services import find_user_by_email
from wiki.extensions import db
from wiki.notifications.services import notify

COOKIE = "wiki_device"
DAYS = 180
# How long a mailed link that makes a browser known stays good.
UNLOCK_HOURS = 1
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
    browser knows (for Flask-Limiter's exempt_when: such a login is never held back). Asked
    by each login limit: the password is checked once a request."""
    if COOKIE not in request.cookies:  # most tries; nothing to check
        return False
    if "known_device_login" not in g:
        g.known_device_login = _right_password_from_known_device()
    return g.known_device_login


def _right_password_from_known_device() -> bool:
    user = find_user_by_email(request.form.get("email", ""))
    if user is None or user.id not in _accounts() or not user.active:
        return False
    password = request.form.get("password", "")
    return user.password_hash is not None and check_password_hash(user.password_hash, password)


def send_unlock_link(email: str) -> None:
    """Mail the person with this address (a wiki account that signs in with a password) a link
    that makes the browser it is opened in known for them: the way through a lock that others'
    wrong passwords put on their account. Nobody is told whether the address has an account."""
    user = find_user_by_email(email)
    if user is None or not user.active or user.password_hash is None:
        return
    token = _unlock_serializer().dumps({"u": user.id, "g": user.session_generation})
    notify(
        [user],
        "sign_in_help",
        "A link to sign in on your device",
        "Someone, maybe you, asked for this after too many failed sign-ins to your account. "
        f"Open the link within {UNLOCK_HOURS} hour on the device you sign in with: it lets "
        "that device through, and you then sign in with your password as usual. If it was "
        "not you, ignore this mail; your password is unchanged.",
        f"/login/unlock/{token}",
    )
    db.session.commit()


def user_for_unlock(token: str) -> User | None:
    """The account a mailed unlock link names, while it is good (its hour, and no password
    change or "log out everywhere" since)."""
    try:
        found = _unlock_serializer().loads(token, max_age=UNLOCK_HOURS * 3600)
    except BadSignature:
        return None
    user = db.session.get(User, found.get("u")) if isinstance(found, dict) else None
    if user is None or not user.active or user.session_generation != found.get("g"):
        return None
    return user


def _unlock_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="device-unlock")


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
