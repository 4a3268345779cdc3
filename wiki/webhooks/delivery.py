"""Sending deliveries: right after the commit that made them, then by `wiki tick` with growing
waits. Each delivery is claimed before it is sent (a guarded UPDATE), so two senders never post
it twice; addresses on private networks are refused unless allowed, checked on the address the
connection is really made to (no redirect is followed)."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import socket
import ssl
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app, has_app_context
from sqlalchemy import event, or_, select, update
from sqlalchemy.orm import Session

from wiki.auth.models import User
from wiki.extensions import db
from wiki.notifications.services import notify
from wiki.timeutil import utcnow
from wiki.webhooks.addresses import is_public
from wiki.webhooks.models import (
    DELIVERED,
    GIVEN_UP,
    MAX_ATTEMPTS,
    PENDING,
    SENDING,
    WebhookDelivery,
    WebhookEndpoint,
)

SEND_AFTER_COMMIT = "wiki_webhooks_after_commit"
# A claim older than this belongs to a sender that died mid-send: the tick tries again.
STALLED_AFTER = timedelta(minutes=15)


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


def post(endpoint: WebhookEndpoint, delivery_id: int, event_name: str, body: str) -> int:
    """POST the body; the status code, or an exception (refused address, network, timeout)."""
    config = current_app.config
    host, port, path, secure = check_url(endpoint.url)
    address = resolved_address(host, port, config["WEBHOOK_ALLOW_PRIVATE"])
    timeout = config["WEBHOOK_TIMEOUT"]
    raw = socket.create_connection((address, port), timeout=timeout)
    if secure:
        raw = ssl.create_default_context().wrap_socket(raw, server_hostname=host)
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    connection.sock = raw  # the checked address, whatever DNS answers a second time
    timestamp = str(int(utcnow().timestamp()))
    data = body.encode()
    try:
        connection.request(
            "POST",
            path,
            body=data,
            headers={
                "Content-Type": "application/json",
                "User-Agent": "Onramp-Wiki-Webhooks",
                "X-Onramp-Event": event_name,
                "X-Onramp-Delivery": str(delivery_id),
                "X-Onramp-Timestamp": timestamp,
                "X-Onramp-Signature": signature(endpoint.secret, timestamp, data),
            },
        )
        response = connection.getresponse()
        response.read(65536)
        return response.status  # a redirect (3xx) is an answer like any other: not followed
    finally:
        connection.close()


def _claim(session: Session, delivery_id: int, now: datetime) -> bool:
    claimed = session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id == delivery_id,
            or_(
                WebhookDelivery.state == PENDING,
                (WebhookDelivery.state == SENDING)
                & (WebhookDelivery.next_attempt_at <= now - STALLED_AFTER),
            ),
        )
        .values(state=SENDING, next_attempt_at=now)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return claimed.rowcount == 1


def send(delivery_ids: list[int], now: datetime | None = None) -> tuple[int, int]:
    """Send these deliveries (those still waiting), in a session of their own; returns
    (delivered, failed)."""
    delivered = failed = 0
    with Session(db.engine) as session:
        for delivery_id in delivery_ids:
            moment = now or utcnow()
            if not _claim(session, delivery_id, moment):
                continue
            delivery = session.get(WebhookDelivery, delivery_id)
            endpoint = delivery.endpoint
            delivery.attempts += 1
            try:
                status = post(endpoint, delivery.id, delivery.event, delivery.body)
                error = "" if 200 <= status < 300 else f"answered {status}"
            except (RefusedAddress, OSError, http.client.HTTPException) as problem:
                status, error = None, str(problem) or type(problem).__name__
            delivery.last_status, delivery.last_error = status, error[:500]
            if not error:
                delivery.state, delivery.delivered_at = DELIVERED, utcnow()
                endpoint.failures_in_a_row = 0
                delivered += 1
            else:
                failed += 1
                _failed(session, delivery, endpoint, moment)
            session.commit()
    return delivered, failed


def _failed(
    session: Session, delivery: WebhookDelivery, endpoint: WebhookEndpoint, now: datetime
) -> None:
    # Waits of 1, 2, 4 ... 64 minutes between the eight tries.
    if delivery.attempts >= MAX_ATTEMPTS:
        delivery.state = GIVEN_UP
    else:
        delivery.state = PENDING
        delivery.next_attempt_at = now + timedelta(minutes=2 ** (delivery.attempts - 1))
    endpoint.failures_in_a_row += 1
    if endpoint.failures_in_a_row >= MAX_ATTEMPTS and not endpoint.paused:
        endpoint.paused = True
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
            f"It failed {endpoint.failures_in_a_row} times in a row (last: {delivery.last_error}). "
            "Nothing more is sent to it until an admin resumes it.",
            "/admin/webhooks",
            session=session,
        )


def retry_due(now: datetime) -> tuple[int, int]:
    """For `wiki tick`: every delivery whose wait is over, on endpoints not paused."""
    due = db.session.scalars(
        select(WebhookDelivery.id)
        .join(WebhookDelivery.endpoint)
        .where(
            WebhookEndpoint.paused.is_(False),
            or_(
                (WebhookDelivery.state == PENDING) & (WebhookDelivery.next_attempt_at <= now),
                (WebhookDelivery.state == SENDING)
                & (WebhookDelivery.next_attempt_at <= now - STALLED_AFTER),
            ),
        )
        .order_by(WebhookDelivery.id)
    ).all()
    return send(list(due), now)


@event.listens_for(Session, "after_commit")
def _send_after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return
    ids = session.info.pop(SEND_AFTER_COMMIT, None)
    if ids and has_app_context():
        try:
            send(sorted(ids))
        except Exception:  # a broken endpoint must not break the change just committed
            current_app.logger.exception("Webhook after commit failed; `wiki tick` retries it")


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(SEND_AFTER_COMMIT, None)
