"""Outgoing webhooks against a real HTTP receiver on loopback: signed JSON sent by the worker
after the commit (never for a rolled-back change), no words of a private question, retries with
growing waits, a pause after eight failures in a row, private addresses refused unless allowed.
The slow receivers and the claims of several senders are in tests/test_outbox.py."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests import factories
from tests.servers import RECEIVER_SECRET as SECRET
from wiki.errors import ValidationError
from wiki.extensions import db
from wiki.notifications.models import Notification
from wiki.timeutil import utcnow
from wiki.webhooks import services as webhooks
from wiki.webhooks.delivery import send_due
from wiki.webhooks.models import WebhookDelivery
from wiki.worker import deliver_due


@pytest.fixture
def app_config() -> dict:
    return {
        "WTF_CSRF_ENABLED": False,
        "WEBHOOK_ALLOW_PRIVATE": True,
        "WEBHOOK_TIMEOUT": 2,
        "BASE_URL": "https://wiki.example.com",
    }


def add(people, receiver, *events: str):
    endpoint, _ = webhooks.add_endpoint(
        people["admin"], webhooks.EndpointDraft(receiver.url, list(events), SECRET)
    )
    return endpoint


def test_an_event_is_posted_signed_after_the_commit_with_a_readable_text(
    client, auth, people, receiver
):
    auth.login("ada@example.com")
    page = client.post(
        "/admin/webhooks",
        data={"url": receiver.url, "events": ["page.created", "page.updated"], "secret": SECRET},
    )
    assert page.status_code == 200 and SECRET in page.get_data(as_text=True)
    made = factories.make_page("p2p", "Three-way match", "Match.", people["member"])
    assert receiver.requests == []  # nothing is sent from the request
    assert deliver_due()["webhooks"] == (1, 0)
    (request,) = receiver.requests
    headers, body = request["headers"], request["body"]
    expected = hmac.new(
        SECRET.encode(), headers["X-Onramp-Timestamp"].encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    assert headers["X-Onramp-Signature"] == f"sha256={expected}"
    assert headers["X-Onramp-Event"] == "page.created"
    sent = json.loads(body)
    assert set(sent) == {"event", "id", "occurred_at", "object", "text"}
    assert sent["object"]["id"] == made.id and sent["object"]["path"] == "p2p/three-way-match"
    assert sent["text"] == (
        "Priya Member wrote “Three-way match” in P2p "
        "<https://wiki.example.com/p/p2p/three-way-match>"
    )
    with pytest.raises(ValidationError):  # the same title again: refused, rolled back
        factories.make_page("p2p", "Three-way match", "Again.", people["member"])
    assert deliver_due()["webhooks"] == (0, 0)
    assert len(receiver.requests) == 1
    assert db.session.scalars(select(WebhookDelivery)).all()[0].state == "delivered"


def test_a_private_question_is_announced_without_its_words(people, receiver):
    add(people, receiver, "question.asked")
    factories.make_question(
        people["newcomer"],
        "p2p",
        [people["member"]],
        title="Why is my vendor blocked?",
        body="The ZAP_HOLD code on vendor 4711.",
        private=True,
    )
    deliver_due()
    body = receiver.requests[0]["body"].decode()
    for word in ("vendor", "blocked", "ZAP_HOLD", "4711"):
        assert word not in body
    assert json.loads(body)["text"].startswith("A private question was asked in P2p")


def test_failures_are_retried_with_growing_waits_then_succeed(people, receiver):
    add(people, receiver, "page.created")
    receiver.statuses = [500, 503]
    factories.make_page("p2p", "Three-way match", "Match.", people["member"])
    assert deliver_due()["webhooks"] == (0, 1)
    delivery = db.session.scalars(select(WebhookDelivery)).one()
    assert (delivery.state, delivery.attempts, delivery.last_status) == ("pending", 1, 500)
    first_wait = delivery.next_attempt_at
    now = utcnow()
    assert send_due(now) == (0, 0)  # its wait is not over
    assert send_due(now + timedelta(minutes=1, seconds=5)) == (0, 1)
    db.session.refresh(delivery)
    assert delivery.next_attempt_at - first_wait >= timedelta(minutes=1)  # 1, then 2 minutes
    assert send_due(now + timedelta(minutes=4)) == (1, 0)
    db.session.refresh(delivery)
    assert (delivery.state, delivery.attempts) == ("delivered", 3)
    assert len(receiver.requests) == 3 and len({r["body"] for r in receiver.requests}) == 1


def test_eight_failures_in_a_row_pause_the_endpoint_and_tell_its_admin(people, receiver):
    endpoint = add(people, receiver, "page.created")
    receiver.statuses = [500] * 20
    factories.make_page("p2p", "Three-way match", "Match.", people["member"])
    moment = utcnow()
    for _ in range(9):
        moment += timedelta(hours=3)
        send_due(moment)
    db.session.refresh(endpoint)
    delivery = db.session.scalars(select(WebhookDelivery)).one()
    assert endpoint.paused and delivery.state == "given_up" and delivery.attempts == 8
    assert len(receiver.requests) == 8
    notice = db.session.scalars(
        select(Notification).where(Notification.kind == "webhook_paused")
    ).one()
    assert notice.user_id == people["admin"].id and receiver.url in notice.title
    factories.make_page("p2p", "While paused", "Kept.", people["member"])
    assert deliver_due()["webhooks"] == (0, 0)
    assert len(receiver.requests) == 8  # kept for later, not sent
    webhooks.resume(people["admin"], endpoint)
    receiver.statuses = []
    assert deliver_due()["webhooks"] == (1, 0)


def test_a_redirect_is_not_followed(people, receiver):
    add(people, receiver, "page.created")
    receiver.statuses = [302]
    factories.make_page("p2p", "Three-way match", "Match.", people["member"])
    deliver_due()
    assert [r["path"] for r in receiver.requests] == ["/hook"]
    assert db.session.scalars(select(WebhookDelivery)).one().last_error == "answered 302"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        # IPv6 forms that carry a loopback or private IPv4 address, and site-local IPv6.
        "http://[::127.0.0.1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://[::ffff:0:127.0.0.1]/hook",
        "http://[64:ff9b::7f00:1]/hook",
        "http://[64:ff9b::a01:203]/hook",
        "http://[64:ff9b:1::a01:203]/hook",
        "http://[2002:7f00:1::1]/hook",
        "http://[2002:c0a8:101::1]/hook",
        "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/hook",
        "http://[fec0::1]/hook",
        "ftp://example.com/hook",
    ],
)
def test_private_and_odd_addresses_are_refused_by_default(app, client, auth, people, url):
    app.config["WEBHOOK_ALLOW_PRIVATE"] = False
    auth.login("ada@example.com")
    response = client.post("/admin/webhooks", data={"url": url, "events": ["page.created"]})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Nothing was added" in html and url.split("/")[2] in html
    result = app.test_cli_runner().invoke(args=["webhooks", "add", url, "--events", "gap.logged"])
    assert result.exit_code == 1


def test_admins_only_and_the_shell_and_the_test_button(app, client, auth, people, receiver):
    auth.login("priya@example.com")
    assert client.get("/admin/webhooks").status_code == 403
    auth.logout()
    runner = app.test_cli_runner()
    added = runner.invoke(args=["webhooks", "add", receiver.url, "--events", "gap.logged"])
    assert added.exit_code == 0 and "Secret: " in added.output
    endpoint_id = int(added.output.split("Added webhook ", 1)[1].split(":", 1)[0])
    assert receiver.url in runner.invoke(args=["webhooks", "list"]).output
    auth.login("ada@example.com")
    client.post(f"/admin/webhooks/{endpoint_id}/test")
    assert receiver.events() == []  # queued: the admin's request waits on no receiver
    deliver_due()
    assert receiver.events() == ["webhook.test"]
    assert "delivered" in client.get("/admin/webhooks").get_data(as_text=True)
    assert runner.invoke(args=["webhooks", "remove", str(endpoint_id)]).exit_code == 0
    assert runner.invoke(args=["webhooks", "remove", str(endpoint_id)]).exit_code == 1
