"""Learning from what people did with a search: a result opened from it, or marked helpful,
ranks higher for the same query afterwards. Counted per query (its words, lower case), once
per person, result, kind and day; each signal counts less as it ages, and a result moves up a
few places at most, so that a handful of clicks cannot bury a better answer."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from wiki.auth.models import User
from wiki.extensions import db
from wiki.search.models import SearchSignal, add_once_a_day
from wiki.search.questions import words_of
from wiki.timeutil import utcnow

OPENED = "opened"
HELPFUL = "helpful"
# How many places up one signal is worth, when new.
WEIGHTS = {OPENED: 1.0, HELPFUL: 3.0}
# A signal counts half after this many days, and not at all after MAX_AGE.
HALF_LIFE = timedelta(days=30)
MAX_AGE = timedelta(days=180)
# A result moves up at most this many places, however often it was opened.
MAX_PLACES = 5.0
MAX_QUERY = 500


def normalized(text: str) -> str:
    """The query as signals count it: its words, lower case, single spaces."""
    return " ".join(words_of(text))[:MAX_QUERY]


def link_token(user: User, text: str, document_key: str) -> str:
    """What a result's link carries so that only this person's own results page records an
    opening for them: another site cannot make up a link that counts."""
    message = f"{user.id}\x1f{normalized(text)}\x1f{document_key}".encode()
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:24]


def token_matches(user: User, text: str, document_key: str, token: str) -> bool:
    return hmac.compare_digest(link_token(user, text, document_key), token)


def record(user: User, text: str, document_key: str, kind: str) -> None:
    """Keep a signal, once per person, query, result, kind and day."""
    query = normalized(text)
    if not query or kind not in WEIGHTS:
        return
    add_once_a_day(
        SearchSignal,
        {"normalized": query, "document_key": document_key, "user_id": user.id, "kind": kind,
         "created_at": utcnow()},
        same=("user_id", "normalized", "document_key", "kind"),
    )  # fmt: skip


def opened_today(user: User, text: str) -> bool:
    """Whether the person opened a result of this query today already."""
    today = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    return (
        db.session.scalar(
            select(SearchSignal.id)
            .where(
                SearchSignal.user_id == user.id,
                SearchSignal.normalized == normalized(text),
                SearchSignal.kind == OPENED,
                SearchSignal.created_at >= today,
            )
            .limit(1)
        )
        is not None
    )


def places_up(text: str) -> dict[str, float]:
    """Document key → how many places its signals for this query move it up."""
    query = normalized(text)
    if not query:
        return {}
    now = utcnow()
    rows = db.session.execute(
        select(SearchSignal.document_key, SearchSignal.kind, SearchSignal.created_at).where(
            SearchSignal.normalized == query, SearchSignal.created_at >= now - MAX_AGE
        )
    )
    places: dict[str, float] = {}
    for document_key, kind, created_at in rows:
        # Whole days: signals of the same day count alike.
        days = max((now - created_at).days, 0)
        worth = WEIGHTS.get(kind, 0.0) * 0.5 ** (days / HALF_LIFE.days)
        places[document_key] = min(MAX_PLACES, places.get(document_key, 0.0) + worth)
    return places
