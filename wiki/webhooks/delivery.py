"""Sending deliveries, from `wiki worker` (and `wiki tick`), never from a request. Each is
claimed before it is sent (wiki/outbox.py), so two senders never post it twice; one attempt
has WIKI_WEBHOOK_TIMEOUT in all (connect, TLS, request, the whole answer); every failure is
recorded and tried again after 1, 2, 4 ... 64 minutes. Addresses on private networks are
refused unless allowed, checked on the address the connection is really made to (no redirect
is followed)."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import socket
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import case, func, select, update
from sqlalchemy.orm import Session

from wiki import outbox
from wiki.auth.models import User
from wiki.deadline import open_connection, tls_context, total_deadline
from wiki.extensions import db
from wiki.notifications.services import notify
from wiki.outbox import backoff, claim_one, database_now, stalled_after
from wiki.timeutil import utcnow
from wiki.webhooks.addresses import is_public
from wiki.webhooks.models import (
    DELIVERED,
    GIVEN_UP,
    MAX_ATTEMPTS,
    PAUSE_AFTER,
    PENDING,
    SENDING,
    WebhookDelivery,
    WebhookEndpoint,
)


class RefusedAddress(Exception):
    """The endpoint's address is one the wiki may not post to."""


def check_url(url: str) -> tuple[str, int, str, bool]:
    """(host, port, path, is_https) of an http(s) URL; raises RefusedAddress saying why not."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RefusedAddress("Give an http:// or https:// address.")
    if parts.username or parts.password:
        raise RefusedAddress("Put no user name or password in the address; use the secret.")
    secure = parts.scheme == "https"
    try:
        port = parts.port or (443 if secure else 80)
    except ValueError:
        raise RefusedAddress("The address has an invalid port.") from None
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.hostname, port, path, secure


def resolved_address(host: str, port: int, allow_private: bool) -> str:
    """The address to connect to: every address the host resolves to must be public."""
    try:
        found = {info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)}
    except OSError as error:
        raise RefusedAddress(f"{host} cannot be resolved ({error}).") from None
    for address in found:
        if not allow_private and not is_public(address):
            raise RefusedAddress(
                f"{host} is on a private, loopback or link-local address ({address}); the wiki "
                "does not post there unless WIKI_WEBHOOK_ALLOW_PRIVATE is set."
            )
    return sorted(found)[0]


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """sha256=<hex HMAC of "<timestamp>.<body>">, so that a captured request cannot be sent
    again later with another timestamp."""
    message = timestamp.encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Outgoing:
    """What one attempt sends, read before the network is touched (no transaction stays open
    while a receiver takes its time)."""

    delivery_id: int
    endpoint_id: int
    url: str
    secret: str
    event: str
    body: str
    attempts: int


def post(outgoing: Outgoing) -> int:
    """POST the body; the status code, or an exception (refused address, network, deadline)."""
    config = current_app.config
    host, port, path, secure = check_url(outgoing.url)
    address = resolved_address(host, port, config["WEBHOOK_ALLOW_PRIVATE"])
    timestamp = str(int(utcnow().timestamp()))
    data = outgoing.body.encode()
    with total_deadline(config["WEBHOOK_TIMEOUT"]):
        raw = open_connection(address, port)
        if secure:
            raw = tls_context().wrap_socket(raw, server_hostname=host)
        connection = http.client.HTTPConnection(host, port)
        connection.sock = raw  # the checked address, whatever DNS answers a second time
        try:
            connection.request(
                "POST",
                path,
                body=data,
                headers={
                    "Content-Type": "application/json",
                    "User-Agent": "Onramp-Wiki-Webhooks",
                    "X-Onramp-Event": outgoing.event,
                    "X-Onramp-Delivery": str(outgoing.delivery_id),
                    "X-Onramp-Timestamp": timestamp,
                    "X-Onramp-Signature": signature(outgoing.secret, timestamp, data),
                },
            )
            response = connection.getresponse()
            response.read(65536)
            return response.status  # a redirect (3xx) is an answer like any other: not followed
        finally:
            connection.close()


def _as_of(clock: datetime, now: datetime | None) -> datetime:
    """What is due is due by the database's clock; `wiki tick --now` may only look ahead."""
    return max(clock, now) if now else clock


def _due(moment: datetime):
    """Waiting, its wait over, on an endpoint neither paused nor busy: one delivery at a time
    per endpoint, so that a receiver that takes its time holds one sender, never all of them
    (and each endpoint gets its events in order)."""
    active = select(WebhookEndpoint.id).where(WebhookEndpoint.paused.is_(False))
    busy = select(WebhookDelivery.endpoint_id).where(WebhookDelivery.state == SENDING)
    return (
        (WebhookDelivery.state == PENDING)
        & (WebhookDelivery.next_attempt_at <= moment)
        & WebhookDelivery.endpoint_id.in_(active)
        & WebhookDelivery.endpoint_id.not_in(busy)
    )


def release_stalled() -> int:
    """A claim past any deadline belongs to a sender that died mid-send: that attempt failed."""
    with Session(db.engine) as session:
        limit = database_now(session) - stalled_after(current_app.config["WEBHOOK_TIMEOUT"])
        return outbox.release_stalled(
            session,
            WebhookDelivery,
            (WebhookDelivery.state == SENDING) & (WebhookDelivery.claimed_at <= limit),
            {
                "state": case((WebhookDelivery.attempts >= MAX_ATTEMPTS, GIVEN_UP), else_=PENDING),
                "claimed_by": None,
                "last_error": "the sender stopped before finishing",
            },
        )


def send_one(now: datetime | None = None, tried: set[int] | None = None) -> bool | None:
    """Claim the oldest due delivery and send it: True when delivered, False when it failed,
    None when nothing is due. Deliveries in `tried` are left alone, and the one sent is added:
    one run of `wiki tick --now` (ahead of the clock) tries each once."""
    with Session(db.engine) as session:
        due = _due(_as_of(database_now(session), now))
        if tried:
            due = due & WebhookDelivery.id.not_in(tried)
        claim = claim_one(
            session,
            WebhookDelivery,
            due,
            (WebhookDelivery.claimed_by, WebhookDelivery.claimed_at),
            {"state": SENDING, "attempts": WebhookDelivery.attempts + 1},
        )
        if claim is None:
            return None
        if tried is not None:
            tried.add(claim.row_id)
        delivery = session.get(WebhookDelivery, claim.row_id)
        endpoint = delivery.endpoint
        outgoing = Outgoing(
            delivery.id, endpoint.id, endpoint.url, endpoint.secret, delivery.event,
            delivery.body, delivery.attempts,
        )  # fmt: skip
        session.rollback()
        try:
            status = post(outgoing)
            error = "" if 200 <= status < 300 else f"answered {status}"
        except (RefusedAddress, OSError, http.client.HTTPException) as problem:
            status, error = None, str(problem) or type(problem).__name__
        return _record(session, outgoing, claim.token, status, error[:500], now)


def _record(
    session: Session,
    outgoing: Outgoing,
    token: str,
    status: int | None,
    error: str,
    now: datetime | None,
) -> bool:
    clock = database_now(session)
    if error:
        values = {
            "state": GIVEN_UP if outgoing.attempts >= MAX_ATTEMPTS else PENDING,
            "next_attempt_at": clock + backoff(outgoing.attempts),
        }
    else:
        values = {"state": DELIVERED, "delivered_at": clock}
    mine = session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == outgoing.delivery_id, WebhookDelivery.claimed_by == token)
        .values(last_status=status, last_error=error, claimed_by=None, **values)
        .execution_options(synchronize_session=False)
    )
    if mine.rowcount != 1:  # taken for stalled meanwhile: the newer claim's result stands
        session.rollback()
        return not error
    if error:
        count_failure(session, outgoing.endpoint_id, error, _as_of(clock, now))
    else:
        session.execute(
            update(WebhookEndpoint)
            .where(WebhookEndpoint.id == outgoing.endpoint_id)
            .values(failures_in_a_row=0, failing_since=None)
            .execution_options(synchronize_session=False)
        )
    session.commit()
    return not error


def count_failure(session: Session, endpoint_id: int, error: str, moment: datetime) -> None:
    """One more failure in a row, counted by the database itself so that senders at once lose
    no count (uncommitted); past MAX_ATTEMPTS failures spread over PAUSE_AFTER by `moment`,
    the endpoint is paused and its admin told, once."""
    clock = database_now(session)
    failures, since = session.execute(
        update(WebhookEndpoint)
        .where(WebhookEndpoint.id == endpoint_id)
        .values(
            failures_in_a_row=WebhookEndpoint.failures_in_a_row + 1,
            failing_since=func.coalesce(WebhookEndpoint.failing_since, clock),
        )
        .returning(WebhookEndpoint.failures_in_a_row, WebhookEndpoint.failing_since)
        .execution_options(synchronize_session=False)
    ).one()
    if failures < MAX_ATTEMPTS or since > moment - PAUSE_AFTER:
        return
    paused = session.execute(
        update(WebhookEndpoint)
        .where(WebhookEndpoint.id == endpoint_id, WebhookEndpoint.paused.is_(False))
        .values(paused=True)
        .execution_options(synchronize_session=False)
    )
    if paused.rowcount != 1:
        return
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    admins = [endpoint.created_by] if endpoint.created_by else []
    admins = (
        admins
        or session.scalars(
            select(User).where(User.role_rows.any(role="admin"), User.active.is_(True))
        ).all()
    )
    notify(
        admins,
        "webhook_paused",
        f"Webhook paused: {endpoint.url}"[:300],
        f"It failed {failures} times in a row since {since:%Y-%m-%d %H:%M} UTC (last: {error}). "
        "Nothing more is sent to it until an admin resumes it.",
        "/admin/webhooks",
        session=session,
    )


def send_due(now: datetime | None = None) -> tuple[int, int]:
    """Every delivery whose wait is over, on endpoints not paused, until none is left;
    returns (delivered, failed). `wiki tick` runs it too, for a site without the worker."""
    release_stalled()
    delivered = failed = 0
    tried: set[int] = set()
    while (outcome := send_one(now, tried)) is not None:
        delivered, failed = (delivered + 1, failed) if outcome else (delivered, failed + 1)
    return delivered, failed
