"""The periodic work on questions: remind experts of a question left unanswered for N days, and
after M days hand it to the asker's buddy and record it for the gap log. Safe to run twice, or
twice at once: each step claims its question with a guarded update first."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from wiki import events
from wiki.buddies.services import active_buddy
from wiki.extensions import db
from wiki.notifications.services import notify
from wiki.questions.models import Question, QuestionEscalation
from wiki.questions.services import question_url


def remind_and_escalate(now: datetime) -> int:
    """Send the reminders and escalations due at `now`; returns how many questions it touched."""
    remind_after = timedelta(days=current_app.config["QUESTION_REMIND_DAYS"])
    escalate_after = timedelta(days=current_app.config["QUESTION_ESCALATE_DAYS"])
    waiting = db.session.scalars(
        select(Question)
        .where(
            Question.first_answered_at.is_(None),
            Question.answered_at.is_(None),
            Question.escalated_at.is_(None),
            Question.created_at <= now - min(remind_after, escalate_after),
        )
        .order_by(Question.id)
    ).all()
    touched = 0
    for question in waiting:
        waited = now - question.created_at
        if waited >= escalate_after:
            touched += _escalate(question, now)
        else:
            touched += _remind(question, waited // remind_after)
    return touched


def _remind(question: Question, due: int) -> int:
    claimed = db.session.execute(
        update(Question)
        .where(Question.id == question.id, Question.reminders_sent < due)
        .values(reminders_sent=due)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        db.session.rollback()
        return 0
    days = current_app.config["QUESTION_REMIND_DAYS"] * due
    notify(
        question.experts,
        "question_reminder",
        f"Still waiting for an answer: {question.title}",
        f"{question.asker.name} asked this {days} days ago and nobody has answered yet.",
        question_url(question),
        dedupe_key=f"question-reminder:{question.id}:{due}",
    )
    db.session.commit()
    return 1


def _escalate(question: Question, now: datetime) -> int:
    claimed = db.session.execute(
        update(Question)
        .where(Question.id == question.id, Question.escalated_at.is_(None))
        .values(escalated_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        db.session.rollback()
        return 0
    buddy = active_buddy(question.asker, now.date())
    # The buddy is not one of a private question's readers: they learn that it waits, not what
    # it says.
    title = (
        f"A private question in {question.process.name} went unanswered"
        if question.private
        else question.title
    )
    db.session.add(
        QuestionEscalation(
            question_id=question.id,
            process_id=question.process_id,
            buddy_id=buddy.id if buddy else None,
            title=title,
            created_at=now,
        )
    )
    days = current_app.config["QUESTION_ESCALATE_DAYS"]
    if buddy is not None:
        notify(
            [buddy],
            "question_escalated",
            f"{question.asker.name}'s question has waited {days} days: {title}",
            f"Nobody has answered {question.asker.name} in {days} days. It is recorded as a "
            "gap; perhaps you know whom to ask.",
            "" if question.private else question_url(question),
            dedupe_key=f"question-escalated:{question.id}",
        )
    notify(
        [question.asker],
        "question_escalated",
        f"Your question has waited {days} days: {question.title}",
        (f"It has gone to your buddy, {buddy.name}, " if buddy else "It ")
        + "and is recorded as a gap, so that it gets documented.",
        question_url(question),
        dedupe_key=f"question-escalated-asker:{question.id}",
    )
    events.question_escalated.send(question)
    db.session.commit()
    return 1
