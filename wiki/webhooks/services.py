"""The rules for webhook endpoints: admins add, resume and remove them (each change audited),
the address is checked when it is added as well as at every delivery, and a test event can be
sent at any time."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from wiki.audit import services as audit
from wiki.auth.models import User
from wiki.errors import NotAllowed, NotFound, ValidationError
from wiki.extensions import db
from wiki.outbox import wake_worker
from wiki.textutil import clean_line
from wiki.webhooks import delivery, events
from wiki.webhooks.models import EVENTS, TEST_EVENT, WebhookDelivery, WebhookEndpoint

RECENT = 10


@dataclass
class EndpointDraft:
    url: str
    events: list[str]
    secret: str = ""


def _require_admin(actor: User | None) -> None:
    # None is the shell (`wiki webhooks`), run by whoever runs the server.
    if actor is not None and not actor.has_role("admin"):
        raise NotAllowed("Only admins manage webhooks.")


def add_endpoint(actor: User | None, draft: EndpointDraft) -> tuple[WebhookEndpoint, str]:
    """The new endpoint and its secret (generated when none was given)."""
    _require_admin(actor)
    url = clean_line(draft.url)
    errors: dict[str, str] = {}
    try:
        host, port, _, _ = delivery.check_url(url)
        delivery.resolved_address(host, port, current_app.config["WEBHOOK_ALLOW_PRIVATE"])
    except delivery.RefusedAddress as refused:
        errors["url"] = str(refused)
    if len(url) > 2000:
        errors["url"] = "Keep the address under 2,000 characters."
    unknown = [name for name in draft.events if name not in EVENTS]
    if not draft.events or unknown:
        errors["events"] = "Choose one or more events: " + ", ".join(EVENTS)
    secret = draft.secret.strip() or secrets.token_urlsafe(32)
    if len(secret) < 16 or len(secret) > 200:
        errors["secret"] = "A secret has 16 to 200 characters (leave it empty for a new one)."
    if errors:
        raise ValidationError(errors)
    endpoint = WebhookEndpoint(
        url=url, events=",".join(sorted(set(draft.events))), secret=secret, created_by=actor
    )
    db.session.add(endpoint)
    db.session.flush()
    audit.record(
        "webhook_added", actor, subject=f"webhook:{endpoint.id}", subject_label=url,
        detail=endpoint.events,
    )  # fmt: skip
    db.session.commit()
    return endpoint, secret


def get_endpoint(endpoint_id: int) -> WebhookEndpoint:
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise NotFound("There is no such webhook.")
    return endpoint


def list_endpoints() -> list[tuple[WebhookEndpoint, list[WebhookDelivery]]]:
    """Every endpoint with its latest deliveries."""
    endpoints = db.session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)).all()
    return [
        (
            endpoint,
            list(
                db.session.scalars(
                    select(WebhookDelivery)
                    .where(WebhookDelivery.endpoint_id == endpoint.id)
                    .order_by(WebhookDelivery.id.desc())
                    .limit(RECENT)
                )
            ),
        )
        for endpoint in endpoints
    ]


def resume(actor: User | None, endpoint: WebhookEndpoint) -> None:
    """Start sending again; deliveries that waited while it was paused go out at once."""
    _require_admin(actor)
    endpoint.paused, endpoint.failures_in_a_row, endpoint.failing_since = False, 0, None
    wake_worker(db.session)
    audit.record(
        "webhook_changed", actor, subject=f"webhook:{endpoint.id}", subject_label=endpoint.url,
        detail="resumed",
    )  # fmt: skip
    db.session.commit()


def remove_endpoint(actor: User | None, endpoint: WebhookEndpoint) -> None:
    _require_admin(actor)
    audit.record(
        "webhook_removed", actor, subject=f"webhook:{endpoint.id}", subject_label=endpoint.url
    )
    db.session.delete(endpoint)
    db.session.commit()


def send_test(actor: User, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """A test event to this endpoint only, queued for the worker (no request waits on the
    receiver); the endpoint's list of deliveries shows how it went."""
    _require_admin(actor)
    made = events.queue(
        [endpoint],
        TEST_EVENT,
        {"type": "test", "sent_by": actor.name},
        f"Test event from the wiki, sent by {actor.name}",
        "/admin/webhooks",
    )
    db.session.commit()
    return made[0]
