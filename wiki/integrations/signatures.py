"""Is this request really from Slack or Teams, and new? Each platform signs with a secret it
shares with the wiki; a request is accepted once, within five minutes of being signed."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from wiki.errors import DomainError
from wiki.extensions import db
from wiki.integrations.models import SeenChatRequest
from wiki.timeutil import utcnow

MAX_AGE = timedelta(minutes=5)


class RequestRefused(DomainError):
    """Not signed by the platform with our secret, too old, or already answered."""

    status_code = 401


class NotConfigured(DomainError):
    status_code = 404


def check_slack(secret: str, timestamp: str, signature: str, body: bytes, now: datetime) -> None:
    """Slack's v0 scheme: HMAC-SHA256 of "v0:<timestamp>:<body>" with the signing secret."""
    if not secret:
        raise NotConfigured("Slack commands are not set up here (WIKI_SLACK_SIGNING_SECRET).")
    try:
        signed_at = datetime.fromtimestamp(int(timestamp), UTC).replace(tzinfo=None)
    except (ValueError, OverflowError, OSError) as error:
        raise RequestRefused("The request has no valid X-Slack-Request-Timestamp.") from error
    _check_age(signed_at, now)
    base = b"v0:" + timestamp.encode() + b":" + body
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        raise RequestRefused("The request's X-Slack-Signature is not Slack's for this wiki.")
    _first_time(expected)


def check_teams(secret: str, authorization: str, body: bytes, now: datetime) -> dict:
    """Teams' outgoing webhook: "HMAC <base64 of HMAC-SHA256 of the body>", keyed with the
    base64-decoded security token Teams showed when the webhook was made. Returns the
    activity (the body as JSON)."""
    if not secret:
        raise NotConfigured("Teams commands are not set up on this wiki (WIKI_TEAMS_SECRET).")
    try:
        key = base64.b64decode(secret, validate=True)
    except (binascii.Error, ValueError) as error:
        raise NotConfigured("WIKI_TEAMS_SECRET is not base64, as Teams gives it.") from error
    scheme, _, presented = authorization.partition(" ")
    expected = base64.b64encode(hmac.new(key, body, hashlib.sha256).digest()).decode()
    if scheme != "HMAC" or not hmac.compare_digest(expected, presented.strip()):
        raise RequestRefused("The request's Authorization is not Teams' HMAC for this wiki.")
    try:
        activity = json.loads(body)
        signed_at = datetime.fromisoformat(str(activity["timestamp"]).replace("Z", "+00:00"))
    except (ValueError, KeyError, TypeError) as error:
        raise RequestRefused("The request is not a Teams message with a timestamp.") from error
    if signed_at.tzinfo is not None:
        signed_at = signed_at.astimezone(UTC).replace(tzinfo=None)
    _check_age(signed_at, now)
    _first_time(hashlib.sha256(expected.encode()).hexdigest())
    return activity


def _check_age(signed_at: datetime, now: datetime) -> None:
    if abs(now - signed_at) > MAX_AGE:
        raise RequestRefused("The request was signed more than five minutes ago (or ahead).")


def _first_time(signature: str) -> None:
    """Remember the signature; a second request with it is a replay. The row is written in a
    transaction of its own, so two hosts given the same request cannot both answer it."""
    db.session.add(SeenChatRequest(signature=signature[:64], seen_at=utcnow()))
    try:
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        raise RequestRefused("This request was answered already (sent again?).") from error


def forget_old(now: datetime) -> int:
    """For `wiki tick`: signatures past the accepted age can never come back."""
    done = db.session.execute(
        delete(SeenChatRequest).where(SeenChatRequest.seen_at < now - 2 * MAX_AGE)
    )
    db.session.commit()
    return done.rowcount or 0
