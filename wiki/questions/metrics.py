"""How quickly each process's questions are answered: the median time to a first answer and the
share of questions answered within a day."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median

from sqlalchemy import select

from wiki.extensions import db
from wiki.questions.models import Question
from wiki.timeutil import utcnow

DAY = timedelta(days=1)


@dataclass(frozen=True)
class AnswerMetrics:
    asked: int
    # Questions with a first answer.
    answered: int
    median_to_first_answer: timedelta | None
    # Of the questions asked at least a day ago, or answered already: how many had an answer
    # within a day. None while there are none such.
    share_within_day: float | None


def answer_metrics(
    process_ids: Iterable[int] | None = None, now: datetime | None = None
) -> dict[int, AnswerMetrics]:
    """Metrics per process id, counting the questions asked in that process itself.

    Private questions count too: the figures say nothing about what was asked.
    """
    query = select(Question.process_id, Question.created_at, Question.first_answered_at)
    if process_ids is not None:
        query = query.where(Question.process_id.in_(list(process_ids)))
    waits: dict[int, list[timedelta | None]] = {}
    asked_at: dict[int, list[datetime]] = {}
    for process_id, created_at, first_answered_at in db.session.execute(query):
        waits.setdefault(process_id, []).append(
            None if first_answered_at is None else first_answered_at - created_at
        )
        asked_at.setdefault(process_id, []).append(created_at)
    now = now or utcnow()
    return {
        process_id: _metrics(process_waits, asked_at[process_id], now)
        for process_id, process_waits in waits.items()
    }


def _metrics(
    waits: list[timedelta | None], asked_at: list[datetime], now: datetime
) -> AnswerMetrics:
    answered = [wait for wait in waits if wait is not None]
    # A question asked an hour ago and not answered yet may still be answered within its day:
    # it is not counted either way until its day is over.
    decided = [
        wait
        for wait, created_at in zip(waits, asked_at, strict=True)
        if wait is not None or now - created_at >= DAY
    ]
    within = sum(1 for wait in decided if wait is not None and wait <= DAY)
    return AnswerMetrics(
        asked=len(waits),
        answered=len(answered),
        median_to_first_answer=median(answered) if answered else None,
        share_within_day=within / len(decided) if decided else None,
    )
