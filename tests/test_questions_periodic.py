"""Reminders and escalation of unanswered questions, under a controllable clock."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from tests.factories import assign_buddy, make_question, make_user
from wiki.extensions import db
from wiki.notifications.models import Notification
from wiki.questions import services
from wiki.questions.models import QuestionEscalation
from wiki.questions.periodic import remind_and_escalate

ASKED = datetime(2026, 12, 1, 9, 0)


def kinds_for(user):
    return [
        note.kind
        for note in db.session.scalars(
            select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
        )
    ]


def asked_question(people, expert, **options):
    question = make_question(people["newcomer"], "p2p", [expert], **options)
    question.created_at = ASKED
    db.session.commit()
    return question


def test_experts_are_reminded_every_n_days_and_never_twice_for_one_period(people):
    expert = make_user(email="noor@example.com", name="Noor")
    question = asked_question(people, expert)
    assert remind_and_escalate(ASKED + timedelta(days=1, hours=23)) == 0
    assert remind_and_escalate(ASKED + timedelta(days=2)) == 1
    assert remind_and_escalate(ASKED + timedelta(days=2, hours=1)) == 0
    assert kinds_for(expert) == ["question_asked", "question_reminder"]
    assert remind_and_escalate(ASKED + timedelta(days=4)) == 1
    assert kinds_for(expert).count("question_reminder") == 2
    assert question.reminders_sent == 2


def test_an_answered_question_is_left_alone(people):
    expert = make_user(email="noor@example.com", name="Noor")
    question = asked_question(people, expert)
    services.add_post(expert, question, "Here you go.")
    assert remind_and_escalate(ASKED + timedelta(days=30)) == 0
    assert kinds_for(expert) == ["question_asked"]


def test_after_m_days_it_goes_to_the_buddy_and_is_recorded_for_the_gap_log(people):
    expert = make_user(email="noor@example.com", name="Noor")
    buddy = make_user(email="jim@example.com", name="Jim Buddy")
    assign_buddy(people["newcomer"], buddy)
    question = asked_question(people, expert, title="Where are dunning letters?")
    assert remind_and_escalate(ASKED + timedelta(days=5)) == 1
    assert remind_and_escalate(ASKED + timedelta(days=5)) == 0
    assert remind_and_escalate(ASKED + timedelta(days=9)) == 0
    [record] = db.session.scalars(select(QuestionEscalation)).all()
    assert (record.question_id, record.buddy_id) == (question.id, buddy.id)
    assert record.title == "Where are dunning letters?" and record.gap_id is None
    assert kinds_for(buddy) == ["question_escalated"]
    assert kinds_for(people["newcomer"]) == ["question_escalated"]
    assert question.escalated_at == ASKED + timedelta(days=5)


def test_a_private_question_reaches_the_buddy_without_its_words(people):
    expert = make_user(email="noor@example.com", name="Noor")
    buddy = make_user(email="jim@example.com", name="Jim Buddy")
    assign_buddy(people["newcomer"], buddy)
    asked_question(people, expert, title="My own payslip", private=True)
    remind_and_escalate(ASKED + timedelta(days=6))
    [note] = db.session.scalars(select(Notification).where(Notification.user_id == buddy.id))
    assert "payslip" not in note.title + note.body and note.url == ""
    [record] = db.session.scalars(select(QuestionEscalation)).all()
    assert "payslip" not in record.title


def test_without_a_buddy_it_is_still_recorded_and_the_asker_told(people):
    expert = make_user(email="noor@example.com", name="Noor")
    asked_question(people, expert)
    assert remind_and_escalate(ASKED + timedelta(days=5)) == 1
    [record] = db.session.scalars(select(QuestionEscalation)).all()
    assert record.buddy_id is None
    assert kinds_for(people["newcomer"]) == ["question_escalated"]
