"""`wiki tick` twice at once: on SQLite neither fails with "database is locked" (a savepoint
takes the write lock and waits its turn), and a tick with `--now` ahead of the clock never
takes another sender's fresh claim for a stalled one: claims are judged by the database's
clock, so nothing is sent twice."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tests import factories
from tests.conftest import on_postgresql
from tests.servers import RECEIVER_SECRET
from wiki.auth.models import User
from wiki.extensions import db
from wiki.notifications import mail
from wiki.notifications.models import MAIL_SENDING, Notification
from wiki.outbox import claim_one
from wiki.tick import run_jobs
from wiki.timeutil import utcnow
from wiki.webhooks import delivery
from wiki.webhooks import services as webhooks
from wiki.webhooks.models import SENDING, WebhookDelivery


@pytest.fixture
def app_config(mail_config) -> dict:
    return {**mail_config, "WEBHOOK_ALLOW_PRIVATE": True}


@pytest.mark.skipif(on_postgresql(), reason="SQLite's locking")
def test_a_savepoint_waits_for_another_writer_instead_of_failing(app, people):
    """A transaction that a savepoint begins, reads, and then writes, while another writer
    wants to commit between the read and the write. It used to fail at once ("database is
    locked"); now the other writer waits for it."""
    other_wrote = threading.Event()

    def rename(session: Session, email: str, name: str) -> None:
        session.execute(update(User).where(User.email == email).values(name=name))

    def other_writer() -> None:
        with app.app_context(), Session(db.engine) as session:
            rename(session, "priya@example.com", "Priya M.")
            session.commit()
            other_wrote.set()

    with Session(db.engine) as session:
        with session.begin_nested():
            session.scalar(select(User.name).limit(1))  # a read first
            writer = threading.Thread(target=other_writer)
            writer.start()
            writer.join(timeout=0.5)
            assert not other_wrote.is_set()  # it waits for this transaction
            rename(session, "jill@example.com", "Jill N.")
        session.commit()
    writer.join(timeout=10)
    assert other_wrote.is_set()
    assert {u.name for u in db.session.scalars(select(User))} >= {"Priya M.", "Jill N."}


def test_two_ticks_at_once_both_finish_and_do_each_thing_once(app, people, mailbox):
    expert = factories.make_user(email="noor@example.com", name="Noor Expert")
    for number in range(4):
        question = factories.make_question(
            people["newcomer"], "p2p", [expert], title=f"Question {number}?"
        )
        question.created_at = utcnow() - timedelta(days=6)
    db.session.commit()
    mailbox.messages.clear()
    outputs: list[str] = []

    def tick() -> None:  # as `wiki tick` does, with a session and connections of its own
        with app.app_context():
            outputs.append("\n".join(f"{n}: {o}" for n, o in run_jobs(utcnow())))
            db.session.remove()

    ticks = [threading.Thread(target=tick) for _ in range(2)]
    for thread in ticks:
        thread.start()
    for thread in ticks:
        thread.join(timeout=60)
    assert len(outputs) == 2  # neither failed
    escalated = sum(int(o.split("questions: ", 1)[1].split(" ", 1)[0]) for o in outputs)
    gaps = sum(int(o.split("gaps: ", 1)[1].split(" ", 1)[0]) for o in outputs)
    assert (escalated, gaps) == (4, 4)
    # The questions' own mail (never sent: no worker ran) and the escalations', each once.
    subjects = [m["Subject"] for m in mailbox.messages]
    assert len(subjects) == len(set(subjects)) == 8


def test_a_tick_ahead_of_the_clock_leaves_a_fresh_claim_alone(app, people, mailbox, receiver):
    draft = webhooks.EndpointDraft(receiver.url, ["question.asked"], RECEIVER_SECRET)
    webhooks.add_endpoint(people["admin"], draft)
    expert = factories.make_user(email="noor@example.com", name="Noor Expert")
    factories.make_question(people["newcomer"], "p2p", [expert], title="Who books freight?")
    # Another sender has just claimed both, and is sending them at this moment.
    with Session(db.engine) as session:
        mail_claim = claim_one(
            session,
            Notification,
            Notification.mail_state == "pending",
            (Notification.mail_claimed_by, Notification.mail_claimed_at),
            {"mail_state": MAIL_SENDING},
        )
        hook_claim = claim_one(
            session,
            WebhookDelivery,
            WebhookDelivery.state == "pending",
            (WebhookDelivery.claimed_by, WebhookDelivery.claimed_at),
            {"state": SENDING},
        )
    assert mail_claim and hook_claim

    result = app.test_cli_runner().invoke(
        args=["tick", "--now", (utcnow() + timedelta(days=1)).isoformat(timespec="minutes")]
    )
    assert result.exit_code == 0, result.output
    assert "mail: 0 mail(s) sent, 0 failed" in result.output
    assert "webhooks: 0 webhook deliveries sent, 0 failed" in result.output
    assert mailbox.messages == [] and receiver.requests == []
    db.session.expire_all()
    note = db.session.get(Notification, mail_claim.row_id)
    assert (note.mail_state, note.mail_claimed_by) == (MAIL_SENDING, mail_claim.token)
    sent = db.session.get(WebhookDelivery, hook_claim.row_id)
    assert (sent.state, sent.claimed_by) == (SENDING, hook_claim.token)

    # Its sender died: once three deadlines have passed by the database's clock, the claim is
    # released and the next run sends it (once).
    for model, column in ((Notification, "mail_claimed_at"), (WebhookDelivery, "claimed_at")):
        db.session.execute(update(model).values({column: utcnow() - timedelta(minutes=5)}))
    db.session.commit()
    assert mail.send_due() == (1, 0) and delivery.send_due() == (1, 0)
    assert len(mailbox.messages) == 1 and len(receiver.requests) == 1
