"""Mail reaches a real SMTP server on loopback, sent by the worker after the commit: recipients,
content, links, digests, retries, and `wiki tick` run twice sending nothing twice. A mail server
that drips its greeting, and several senders at once, are in tests/test_outbox.py."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from tests.factories import (
    assign_buddy,
    make_page,
    make_peer_group,
    make_question,
    make_user,
    record_group_meeting,
)
from wiki.extensions import db
from wiki.notifications import services as notifications
from wiki.notifications.models import MAIL_FAILED, MAIL_SENT, Notification
from wiki.questions import services as questions
from wiki.tick import run_jobs
from wiki.timeutil import utcnow
from wiki.worker import deliver_due


@pytest.fixture
def app_config(mail_config: dict) -> dict:
    return mail_config


@pytest.fixture
def expert(app):
    return make_user(email="noor@example.com", name="Noor Expert")


def notes_of(person) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification).where(Notification.user_id == person.id).order_by(Notification.id)
        )
    )


def test_a_routed_question_mails_each_chosen_expert_with_a_link_to_it(people, expert, mailbox):
    other = make_user(email="omar@example.com", name="Omar Expert")
    question = make_question(
        people["newcomer"], "p2p", [expert, other], title="Who approves a price variance?"
    )
    assert mailbox.messages == []  # nothing is sent from the request
    assert deliver_due()["mail"] == (2, 0)

    assert sorted(m["X-Envelope-To"] for m in mailbox.messages) == [
        "noor@example.com",
        "omar@example.com",
    ]
    message = mailbox.to("noor@example.com")[0]
    assert message["To"] == "Noor Expert <noor@example.com>"
    assert message["From"] == "Onramp Wiki <wiki@example.com>"
    assert message["Subject"] == "Jill Newcomer asked you: Who approves a price variance?"
    text = message.get_content()
    assert f"https://wiki.example.com/questions/{question.id}" in text
    assert "https://wiki.example.com/notifications/preferences" in text
    assert all(note.mail_state == MAIL_SENT for note in notes_of(expert))
    # Nobody else hears of it: not the asker, not other members.
    assert not mailbox.to("jill@example.com") and not mailbox.to("priya@example.com")


def test_an_answer_mails_the_asker_and_a_follow_up_mails_the_expert(people, expert, mailbox):
    question = make_question(people["newcomer"], "p2p", [expert])
    deliver_due()
    mailbox.messages.clear()

    questions.add_post(expert, question, "Ask the buyer first, then the controller.")
    deliver_due()
    assert [m["X-Envelope-To"] for m in mailbox.messages] == ["jill@example.com"]
    assert "Ask the buyer first" in mailbox.messages[0].get_content()

    questions.add_post(people["newcomer"], question, "And above 500 euros?")
    deliver_due()
    assert [m["X-Envelope-To"] for m in mailbox.messages][1:] == ["noor@example.com"]


def test_a_private_question_reaches_only_its_readers_and_its_escalation_keeps_its_words(
    people, expert, mailbox
):
    buddy = people["member"]
    assign_buddy(people["newcomer"], buddy)
    question = make_question(
        people["newcomer"],
        "p2p",
        [expert],
        title="My manager rejects every invoice I book",
        body="It is about Marty.",
        private=True,
    )
    deliver_due()
    assert [m["X-Envelope-To"] for m in mailbox.messages] == ["noor@example.com"]

    run_jobs(question.created_at + timedelta(days=6))

    to_buddy = mailbox.to(buddy.email)
    assert len(to_buddy) == 1
    words = to_buddy[0]["Subject"] + to_buddy[0].get_content()
    assert "rejects every invoice" not in words and "Marty" not in words
    assert f"/questions/{question.id}" not in words
    assert "private question" in words


def test_off_sends_no_mail_but_the_notification_is_in_the_app(people, expert, mailbox):
    notifications.save_deliveries(expert, {"question_asked": "off"})
    make_question(people["newcomer"], "p2p", [expert])
    assert deliver_due()["mail"] == (0, 0)
    assert mailbox.messages == []
    assert [note.kind for note in notes_of(expert)] == ["question_asked"]
    assert notifications.unread_count(expert) == 1


def test_a_refused_mail_is_kept_and_sent_by_the_next_tick(app, people, expert, mailbox):
    mailbox.refuse = True
    make_question(people["newcomer"], "p2p", [expert])
    assert deliver_due()["mail"] == (0, 1)
    [note] = notes_of(expert)
    assert note.mail_state == MAIL_FAILED
    assert "554" in note.mail_error
    assert mailbox.messages == []

    mailbox.refuse = False
    assert dict(run_jobs(utcnow()))["mail"] == "0 mail(s) sent, 0 failed"  # waits a minute
    after_the_wait = utcnow() + timedelta(minutes=1, seconds=5)
    assert dict(run_jobs(after_the_wait))["mail"] == "1 mail(s) sent, 0 failed"
    db.session.expire_all()
    assert notes_of(expert)[0].mail_state == MAIL_SENT
    assert len(mailbox.to("noor@example.com")) == 1
    run_jobs(after_the_wait + timedelta(hours=1))
    assert len(mailbox.to("noor@example.com")) == 1


def test_an_unreachable_server_loses_nothing(app, people, expert, mailbox):
    app.config["MAIL_PORT"] = 1  # nothing listens there
    question = make_question(people["newcomer"], "p2p", [expert])
    deliver_due()
    [note] = notes_of(expert)
    assert note.mail_state == MAIL_FAILED and note.mail_attempts == 1
    assert question.id  # the question itself was saved

    app.config["MAIL_PORT"] = mailbox.port
    run_jobs(utcnow() + timedelta(minutes=2))
    assert len(mailbox.to("noor@example.com")) == 1


def test_a_mail_that_keeps_failing_is_given_up_after_the_last_attempt(app, people, expert, mailbox):
    app.config["MAIL_MAX_ATTEMPTS"] = 2
    mailbox.refuse = True
    make_question(people["newcomer"], "p2p", [expert])
    assert dict(run_jobs(utcnow()))["mail"] == "0 mail(s) sent, 1 failed"
    assert dict(run_jobs(utcnow() + timedelta(minutes=2)))["mail"] == "0 mail(s) sent, 1 failed"
    assert dict(run_jobs(utcnow() + timedelta(hours=1)))["mail"] == "0 mail(s) sent, 0 failed"
    db.session.expire_all()
    assert notes_of(expert)[0].mail_attempts == 2


def test_the_digest_groups_a_days_notifications_by_kind_in_one_mail(people, expert, mailbox):
    notifications.save_deliveries(expert, {"question_asked": "digest", "review_due": "digest"})
    make_question(people["newcomer"], "p2p", [expert], title="First question")
    make_question(people["member"], "p2p", [expert], title="Second question")
    page = make_page("p2p", title="Three-way match")
    page.owner = expert
    page.created_at = datetime(2025, 1, 1)
    db.session.commit()
    assert mailbox.messages == []

    morning = datetime.now().replace(hour=6) + timedelta(days=1)
    assert dict(run_jobs(morning))["digests"] == "0 digest(s) sent, 0 failed"
    assert dict(run_jobs(morning.replace(hour=8)))["digests"] == "1 digest(s) sent, 0 failed"

    [digest] = mailbox.to("noor@example.com")
    assert digest["Subject"] == "Onramp Wiki: your daily digest (3)"
    text = digest.get_content()
    asked = text.index("A question is routed to you")
    review = text.index("A page you own is due for review")
    assert asked < text.index("First question") < text.index("Second question") < review
    assert review < text.index("Due for review: Three-way match")
    assert "https://wiki.example.com/p/p2p/three-way-match" in text

    assert dict(run_jobs(morning.replace(hour=9)))["digests"] == "0 digest(s) sent, 0 failed"
    assert len(mailbox.to("noor@example.com")) == 1


def test_a_failed_digest_is_sent_whole_by_the_next_run(people, expert, mailbox):
    notifications.save_deliveries(expert, {"question_asked": "digest"})
    make_question(people["newcomer"], "p2p", [expert], title="First question")
    evening = datetime.now().replace(hour=20) + timedelta(days=1)
    mailbox.refuse = True
    assert dict(run_jobs(evening))["digests"] == "0 digest(s) sent, 1 failed"
    mailbox.refuse = False
    assert dict(run_jobs(evening + timedelta(minutes=10)))["digests"] == (
        "1 digest(s) sent, 0 failed"
    )
    assert "First question" in mailbox.to("noor@example.com")[0].get_content()


def test_tick_twice_sends_nothing_twice(app, people, expert, mailbox):
    """Reminders, escalations, review notices, retries and digests, all due at once."""
    notifications.save_deliveries(people["member"], {"review_due": "digest"})
    assign_buddy(people["newcomer"], people["member"])
    old = make_question(people["newcomer"], "p2p", [expert], title="Old one")
    newer = make_question(people["newcomer"], "p2p", [expert], title="Newer one")
    page = make_page("p2p", title="Three-way match")
    page.owner = people["member"]
    page.created_at = datetime(2025, 1, 1)
    now = datetime.now().replace(hour=10) + timedelta(days=6)
    old.created_at = now - timedelta(days=6)
    newer.created_at = now - timedelta(days=3)
    db.session.commit()
    deliver_due()
    mailbox.refuse = True  # the question mails fail now; the tick retries them
    make_question(people["member"], "p2p", [expert], title="Failed at first")
    assert deliver_due()["mail"] == (0, 1)
    mailbox.refuse = False
    mailbox.messages.clear()

    runner = app.test_cli_runner()
    first = runner.invoke(args=["tick", "--now", now.isoformat(timespec="minutes")])
    assert first.exit_code == 0, first.output
    assert "questions: 3 question(s) reminded or escalated" in first.output
    sent_first = sorted((m["X-Envelope-To"], m["Subject"]) for m in mailbox.messages)
    # The tick's mail job sends what its jobs made and retries the failed one; one is a digest.
    assert f"mail: {len(sent_first) - 1} mail(s) sent, 0 failed" in first.output
    assert ("noor@example.com", "Still waiting for an answer: Newer one") in sent_first
    assert ("priya@example.com", "Onramp Wiki: your daily digest (1)") in sent_first
    assert any(subject.endswith("asked you: Failed at first") for _to, subject in sent_first)
    assert any("waited 5 days: Old one" in subject for _to, subject in sent_first)

    second = runner.invoke(args=["tick", "--now", now.isoformat(timespec="minutes")])
    assert second.exit_code == 0, second.output
    assert "questions: 0 question(s)" in second.output
    assert "0 review-due notice(s)" in second.output
    assert sorted((m["X-Envelope-To"], m["Subject"]) for m in mailbox.messages) == sent_first


def test_tick_refuses_a_malformed_time(app):
    result = app.test_cli_runner().invoke(args=["tick", "--now", "yesterday"])
    assert result.exit_code == 2
    assert "YYYY-MM-DDTHH:MM" in result.output


def test_a_coaching_session_mail_says_only_that_it_was_recorded(people, mailbox):
    from wiki.coaching import services as coaching

    secret = "Zanzibarquartz"
    draft = coaching.SessionDraft(
        partner_id=people["newcomer"].id,
        my_role="coach",
        outcome_wanted=f"Settle the {secret} question.",
        situation=f"The {secret} story.",
        actions=[coaching.ActionDraft(f"Try the {secret} fix", "partner", "2026-11-27")],
    )
    session = coaching.record_session(people["member"], draft)
    deliver_due()
    [message] = mailbox.messages
    assert message["X-Envelope-To"] == "jill@example.com"
    # A first session of the pair: Jill is asked to accept it.
    assert message["Subject"] == "Priya Member asks to record a coaching session with you"
    text = message.get_content()
    assert secret not in text and secret not in message["Subject"]
    assert f"https://wiki.example.com/coaching/{session.id}" in text


def test_a_peer_group_meeting_mail_carries_none_of_its_content(people, mailbox):
    group = make_peer_group(people)
    for member in group.members:  # a peer group's news comes in the digest unless chosen
        notifications.save_deliveries(member.user, {"peer_group": "immediate"})
    deliver_due()
    mailbox.messages.clear()
    record_group_meeting(group, people["admin"], "Quokkavelvet worry", "Quokkavelvet plan")
    deliver_due()
    # Everyone but the one who recorded it hears of it, and nothing of what was said.
    recipients = sorted(m["X-Envelope-To"] for m in mailbox.messages)
    assert recipients == sorted(
        member.user.email for member in group.members if member.user != people["admin"]
    )
    for message in mailbox.messages:
        assert "Quokkavelvet" not in message["Subject"] + message.get_content()
        assert message["Subject"] == "A meeting of “Finance peers” was recorded"


def test_a_locked_account_gets_a_mailed_link_that_lets_a_new_device_through(
    app, client, people, mailbox
):
    priya = {"email": "priya@example.com", "password": "correct horse battery"}
    for _ in range(10):  # someone else's guesses: WIKI_RATELIMIT_LOGIN is 10 per 15 minutes
        client.post("/login", data={**priya, "password": "a guess"})
    locked = client.post("/login", data=priya)
    assert locked.status_code == 429
    assert "Mail me a link" in locked.text and 'value="priya@example.com"' in locked.text
    asked = client.post("/login/unlock", data={"email": "priya@example.com"})
    assert asked.status_code == 302
    client.post("/login/unlock", data={"email": "nobody@example.com"})  # told the same, sent none
    deliver_due()
    [message] = mailbox.messages
    assert message["X-Envelope-To"] == "priya@example.com"
    link = re.search(r"https://wiki\.example\.com(/login/unlock/\S+)", message.get_content())
    assert client.get(link.group(1)).status_code == 302  # this device is known now
    assert client.post("/login", data=priya).status_code == 302
    assert client.get("/login/unlock/forged-token").status_code == 404
