"""Rate limits (Flask-Limiter): per token and per address on the API, per account and per
address on failed logins; counted in the database, or in Redis when a URL names one."""

from __future__ import annotations

import json
import math
import time

from flask import Flask, current_app, g, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import parse
from limits.storage import Storage
from sqlalchemy import Float, String, case, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.wrappers import Request, Response

from wiki.extensions import db
from wiki.versioning import unseen

DATABASE_STORAGE = "wikidb://"
# Where an answer keeps the Retry-After it sets itself (see _retry_after_only_when_refused).
OWN_RETRY_AFTER = "own_retry_after"


def _audit_breach(limit) -> None:
    """Every refusal by a limit is in the audit log: who (when known), from where, which."""
    from flask_login import current_user

    from wiki.audit import services as audit

    person = current_user if current_user and current_user.is_authenticated else None
    audit.record(
        "rate_limit_hit",
        person,
        detail=f"{request.method} {request.path}: {limit.limit}",
        email=login_account()[len("login:") :] if request.endpoint == "auth.login" else "",
    )
    db.session.commit()


limiter = Limiter(key_func=get_remote_address, on_breach=_audit_breach)


@unseen
class RateCount(db.Model):
    """One rate-limit window's count, shared by every worker of every host."""

    __tablename__ = "rate_counts"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    count: Mapped[int]
    # Seconds since the epoch, as `limits` reckons windows.
    expires_at: Mapped[float] = mapped_column(Float)


class DatabaseStorage(Storage):
    """A `limits` storage in our own database (fixed windows), so that no host's memory holds
    a count: one upsert per hit, on its own connection, outside the request's transaction."""

    STORAGE_SCHEME = ["wikidb"]

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        table = RateCount.__table__
        dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
        expired = table.c.expires_at <= now
        statement = (
            dialect.insert(table)
            .values(key=key, count=amount, expires_at=now + expiry)
            .on_conflict_do_update(
                index_elements=[table.c.key],
                set_={
                    "count": case((expired, amount), else_=table.c.count + amount),
                    "expires_at": case((expired, now + expiry), else_=table.c.expires_at),
                },
            )
            .returning(table.c.count)
        )
        with db.engine.begin() as connection:
            return int(connection.execute(statement).scalar_one())

    def get(self, key: str) -> int:
        with db.engine.connect() as connection:
            count = connection.scalar(
                select(RateCount.count).where(
                    RateCount.key == key, RateCount.expires_at > time.time()
                )
            )
        return count or 0

    def get_expiry(self, key: str) -> float:
        with db.engine.connect() as connection:
            expires_at = connection.scalar(select(RateCount.expires_at).where(RateCount.key == key))
        return expires_at if expires_at is not None else time.time()

    def check(self) -> bool:
        with db.engine.connect() as connection:
            connection.scalar(select(1))
        return True

    def reset(self) -> int | None:
        with db.engine.begin() as connection:
            return connection.execute(delete(RateCount)).rowcount

    def clear(self, key: str) -> None:
        with db.engine.begin() as connection:
            connection.execute(delete(RateCount).where(RateCount.key == key))


def purge_expired_counts(now: float) -> int:
    """Remove the windows that ended by `now` (seconds since the epoch): an expired row is
    only ever overwritten by the next hit of its key, and most keys (an address, a token, a
    login name typed once) never come back. A window renewed meanwhile no longer matches."""
    removed = db.session.execute(delete(RateCount).where(RateCount.expires_at <= now))
    db.session.commit()
    return removed.rowcount


def init_app(app: Flask) -> None:
    config = app.config
    config["RATELIMIT_STORAGE_URI"] = config["RATELIMIT_STORAGE_URL"] or DATABASE_STORAGE
    config["RATELIMIT_HEADERS_ENABLED"] = True
    # A storage that cannot count (the database down) lets requests through, which then meet
    # the same outage and are answered 503, instead of failing in the limiter.
    config["RATELIMIT_SWALLOW_ERRORS"] = True
    # Registered before the limiter's own: Flask runs these last-registered first, so this one
    # sees the headers the limiter has added.
    app.after_request(_retry_after_only_when_refused)
    limiter.init_app(app)


def _retry_after_only_when_refused(response):
    """Flask-Limiter sends Retry-After with every answer it counts; it says "wait before you
    try again", so only a refusal keeps it (the X-RateLimit-* headers stay on every answer)."""
    if response.status_code != 429 and limiter.current_limit is not None:
        response.headers.pop("Retry-After", None)
    # A 503 says when to come back itself (the database unavailable): the limiter's own
    # Retry-After, about its window, must not stand in for it.
    own = g.get(OWN_RETRY_AFTER)
    if own is not None:
        response.headers["Retry-After"] = own
    return response


def configured(name: str):
    """A limit read from the configuration when it applies, so that each app has its own."""
    return lambda: current_app.config[name]


def login_account() -> str:
    """The account a login form names: its failures count against it from any address."""
    return "login:" + request.form.get("email", "").strip().lower()[:254]


def failed_login(response) -> bool:
    return response.status_code == 401


def wait_text() -> str:
    """How long the refused client has to wait, for the 429's message."""
    limit = limiter.current_limit
    seconds = max(1, math.ceil(limit.reset_at - time.time())) if limit else 60
    if seconds < 120:
        return f"{seconds} seconds"
    return f"{round(seconds / 60)} minutes"


def hit_or_refuse(app: Flask, environ: dict, scope: str) -> Response | None:
    """For an app served beside Flask's views (the MCP server): count the request as the API
    counts its own, against RATELIMIT_API for the token it presents and RATELIMIT_API_ADDRESS
    for its address (so that made-up tokens are no way round the limit). Returns the 429 to
    answer with when either is over, else None."""
    from wiki.auth import tokens

    incoming = Request(environ)
    header = incoming.headers.get("Authorization", "")
    secret = tokens.presented_secret(header) if header else None
    checks = [("RATELIMIT_API_ADDRESS", f"{scope}-address", incoming.remote_addr or "")]
    if secret:
        checks.append(("RATELIMIT_API", scope, "token:" + tokens.secret_hash(secret)[:32]))
    with app.app_context():
        if not app.config["RATELIMIT_ENABLED"]:
            return None
        for setting, window, caller in checks:
            limit = parse(app.config[setting])
            try:
                if limiter.limiter.hit(limit, window, caller):
                    continue
            except SQLAlchemyError:  # cannot count: let it through, as the views' limits do
                continue
            from wiki.audit import services as audit

            audit.record("rate_limit_hit", detail=f"{incoming.method} {incoming.path}: {limit}")
            db.session.commit()
            reset = limiter.limiter.get_window_stats(limit, window, caller).reset_time
            seconds = max(1, math.ceil(reset - time.time()))
            return Response(
                json.dumps({"error": f"Too many requests: wait {seconds} seconds.", "status": 429}),
                status=429,
                headers={"Retry-After": str(seconds)},
                mimetype="application/json",
            )
    return None
