"""No request waits on the network: a webhook receiver that drips its answer, one that never
answers, and a mail server that drips its greeting leave a save prompt; the worker cuts each
attempt at its total deadline, records the failure and schedules a retry; several senders at
once never send one row twice and lose no failure count. Real servers on loopback."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests import factories
from tests.servers import RECEIVER_SECRET, DripServer
from wiki.extensions import db
from wiki.notifications import mail
from wiki.notifications import services as notifications
from wiki.notifications.models import MAIL_FAILED, MAIL_SENT, Notification
from wiki.timeutil import utcnow
from wiki.watching import services as watching
from wiki.webhooks import delivery
from wiki.webhooks import services as webhooks
from wiki.webhooks.models import WebhookDelivery, WebhookEndpoint
from wiki.worker import deliver_due

DEADLINE = 1.5  # seconds per attempt in these tests (WIKI_WEBHOOK_TIMEOUT, WIKI_MAIL_TIMEOUT)
# A save takes a few tens of milliseconds; a second leaves room for a loaded machine and is
# still below any wait on the servers here (the deadline, or their six seconds of dripping).
PROMPT = 1.0
HTTP_HEADERS = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\n"


@pytest.fixture
def app_config(mailbox) -> dict:
    return {
        "WTF_CSRF_ENABLED": False,
        "WEBHOOK_ALLOW_PRIVATE": True,
        "WEBHOOK_TIMEOUT": DEADLINE,
        "MAIL_ENABLED": True,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": mailbox.port,
        "MAIL_TIMEOUT": DEADLINE,
        "BASE_URL": "https://wiki.example.com",
    }


@pytest.fixture
def slow() -> Iterator[Callable[..., DripServer]]:
    started: list[DripServer] = []

    def start(**options) -> DripServer:
        started.append(DripServer(**options))
        return started[-1]

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def wiki_page(people):
    return factories.make_page("p2p", "Three-way match", "Match.", people["member"])


def save_through_the_app(client, auth, page, body: str) -> float:
    """Priya edits the page in the browser's way; the seconds the save took."""
    auth.login("priya@example.com")
    started = time.monotonic()
    response = client.post(
        f"/p/{page.path}/+edit",
        data={"title": page.title, "body": body, "base_revision": page.latest_revision},
    )
    took = time.monotonic() - started
    assert response.status_code == 302, response.get_data(as_text=True)
    return took


def timed(work: Callable):
    started = time.monotonic()
    outcome = work()
    return outcome, time.monotonic() - started


def add_endpoint(people, url: str) -> WebhookEndpoint:
    draft = webhooks.EndpointDraft(url, ["page.created", "page.updated"], RECEIVER_SECRET)
    return webhooks.add_endpoint(people["admin"], draft)[0]


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param({"opening": HTTP_HEADERS, "drips": 6}, id="headers-then-a-byte-a-second"),
        pytest.param({}, id="never-answers"),
    ],
)
def test_a_slow_receiver_holds_no_save_and_is_cut_at_the_deadline(
    client, auth, people, wiki_page, slow, answer
):
    receiver = slow(read_request=True, **answer)
    endpoint = add_endpoint(people, receiver.url)

    assert save_through_the_app(client, auth, wiki_page, "Match all three.") < PROMPT
    assert receiver.connections == 0  # the request never touched the receiver

    outcome, took = timed(deliver_due)
    assert outcome["webhooks"] == (0, 1)
    assert DEADLINE <= took < DEADLINE + 1  # the whole attempt, not a timeout per read
    sent = db.session.scalars(select(WebhookDelivery)).one()
    assert (sent.state, sent.attempts) == ("pending", 1)
    assert f"within {DEADLINE:g} s" in sent.last_error
    assert sent.next_attempt_at >= utcnow() + timedelta(seconds=55)  # retried in a minute
    db.session.refresh(endpoint)
    assert endpoint.failures_in_a_row == 1 and not endpoint.paused
    # The next save is as prompt: the endpoint holds nobody.
    assert save_through_the_app(client, auth, wiki_page, "Match all three lines.") < PROMPT


def test_a_mail_server_that_drips_its_greeting_holds_no_save(
    app, client, auth, people, wiki_page, slow, mailbox
):
    server = slow(opening=b"220-", drips=6)
    app.config["MAIL_PORT"] = server.port
    watching.watch(people["newcomer"], page=wiki_page)
    notifications.save_deliveries(people["newcomer"], {"watched_change": "immediate"})

    assert save_through_the_app(client, auth, wiki_page, "Match all three.") < PROMPT
    assert server.connections == 0

    outcome, took = timed(deliver_due)
    assert outcome["mail"] == (0, 1)
    assert DEADLINE <= took < DEADLINE + 1
    note = db.session.scalars(select(Notification).where(Notification.mail_state != "none")).one()
    assert (note.mail_state, note.mail_attempts) == (MAIL_FAILED, 1)
    assert f"within {DEADLINE:g} s" in note.mail_error
    assert note.mail_next_attempt_at >= utcnow() + timedelta(seconds=55)

    app.config["MAIL_PORT"] = mailbox.port  # the server is well again
    assert mail.send_due(utcnow()) == (0, 0)  # not before its wait is over
    assert mail.send_due(utcnow() + timedelta(minutes=1, seconds=5)) == (1, 0)
    db.session.refresh(note)
    assert note.mail_state == MAIL_SENT and len(mailbox.to("jill@example.com")) == 1


def senders_at_once(app, send_one: Callable, count: int = 4) -> list[bool]:
    """`count` threads, each with its own session and connection, sending until none is due."""
    outcomes: list[bool] = []

    def sender() -> None:
        with app.app_context():
            while (outcome := send_one()) is not None:
                outcomes.append(outcome)

    threads = [threading.Thread(target=sender) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_senders_at_once_never_post_one_delivery_twice(app, people, receiver):
    receiver.delay = 0.02  # each post takes a moment, so that the senders overlap
    for number in range(4):
        add_endpoint(people, f"{receiver.url}/{number}")
    for number in range(4):
        factories.make_page("p2p", f"Page {number}", "Text.", people["member"])
    made = db.session.scalars(select(WebhookDelivery.id)).all()
    assert len(made) == 16
    assert senders_at_once(app, delivery.send_one) == [True] * 16
    posted = [int(r["headers"]["X-Onramp-Delivery"]) for r in receiver.requests]
    assert sorted(posted) == sorted(made)


def test_a_slow_receiver_holds_one_sender_and_the_others_serve_the_rest(
    app, people, slow, receiver
):
    dripping = slow(read_request=True, opening=HTTP_HEADERS, drips=6)
    add_endpoint(people, dripping.url)
    add_endpoint(people, receiver.url)
    for number in range(2):
        factories.make_page("p2p", f"Page {number}", "Text.", people["member"])
    outcomes, took = timed(lambda: senders_at_once(app, delivery.send_one, count=2))
    # The healthy receiver got its two while the slow one held one sender: one attempt at
    # a time per endpoint, and the next of its deliveries waited for that attempt.
    assert len(receiver.requests) == 2 and dripping.connections == 2
    assert sorted(outcomes) == [False, False, True, True]
    assert took < DEADLINE * dripping.connections + 1


def test_senders_at_once_never_send_one_mail_twice(app, people, mailbox):
    experts = [
        factories.make_user(email=f"expert{number}@example.com", name=f"Expert {number}")
        for number in range(10)
    ]
    for number in range(2):  # at most five experts a question
        chosen = experts[number * 5 : number * 5 + 5]
        factories.make_question(people["newcomer"], "p2p", chosen, title=f"Freight {number}?")
    assert senders_at_once(app, mail.send_one) == [True] * 10
    assert sorted(m["X-Envelope-To"] for m in mailbox.messages) == sorted(
        expert.email for expert in experts
    )
    assert {n.mail_state for n in db.session.scalars(select(Notification))} == {MAIL_SENT}


def test_failures_at_once_are_all_counted_and_a_short_burst_pauses_nothing(app, people, receiver):
    endpoint = add_endpoint(people, receiver.url)

    def fail() -> None:
        with app.app_context(), Session(db.engine) as session:
            delivery.count_failure(session, endpoint.id, "answered 500", utcnow())
            session.commit()

    failing = [threading.Thread(target=fail) for _ in range(16)]
    for thread in failing:
        thread.start()
    for thread in failing:
        thread.join(timeout=30)
    db.session.refresh(endpoint)
    # Every failure counted; sixteen within seconds are one outage, not a dead endpoint.
    assert endpoint.failures_in_a_row == 16 and not endpoint.paused

    # Still failing half an hour later: now it is paused, and its admin told, once.
    receiver.statuses = [500]
    factories.make_page("p2p", "Three-way match", "Text.", people["member"])
    assert delivery.send_due(utcnow() + timedelta(minutes=31)) == (0, 1)
    db.session.refresh(endpoint)
    assert endpoint.paused and endpoint.failures_in_a_row == 17
    notices = db.session.scalars(
        select(Notification).where(Notification.kind == "webhook_paused")
    ).all()
    assert [n.user_id for n in notices] == [people["admin"].id]
