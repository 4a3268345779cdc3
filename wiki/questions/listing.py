"""Lists of questions a person may see: everything, asked by them, or asked of them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import exists, func, select
from sqlalchemy.orm import selectinload

from wiki.auth.models import User
from wiki.extensions import db
from wiki.processes import tree
from wiki.processes.models import Process
from wiki.questions.access import visible_questions_clause
from wiki.questions.models import Question, QuestionExpert, QuestionPost
from wiki.versioning import shared_part

SCOPES = {"all": "All questions", "mine": "Asked by me", "to-me": "Asked of me"}
STATES = {"": "Open and answered", "open": "Open", "answered": "Answered"}


@dataclass(frozen=True)
class Filters:
    scope: str = "all"
    state: str = ""
    process_path: str = ""

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> Filters:
        scope = args.get("scope", "all")
        state = args.get("state", "")
        return cls(
            scope=scope if scope in SCOPES else "all",
            state=state if state in STATES else "",
            process_path=args.get("process", "").strip("/"),
        )


@dataclass
class QuestionList:
    questions: list[Question]
    page_number: int
    has_more: bool


def list_questions(viewer: User, filters: Filters, page_number: int, size: int) -> QuestionList:
    query = select(Question).where(visible_questions_clause(viewer))
    if filters.scope == "mine":
        query = query.where(Question.asker_id == viewer.id)
    elif filters.scope == "to-me":
        query = query.where(
            exists().where(
                QuestionExpert.question_id == Question.id, QuestionExpert.expert_id == viewer.id
            )
        )
    if filters.state == "open":
        query = query.where(Question.answered_at.is_(None))
    elif filters.state == "answered":
        query = query.where(Question.answered_at.is_not(None))
    if filters.process_path:
        query = query.join(Process, Process.id == Question.process_id).where(
            tree.in_subtree(filters.process_path)
        )
    rows = db.session.scalars(
        query.options(
            selectinload(Question.asker),
            selectinload(Question.process),
            selectinload(Question.routes).selectinload(QuestionExpert.expert),
        )
        .order_by(Question.last_activity_at.desc(), Question.id.desc())
        .limit(size + 1)
        .offset((page_number - 1) * size)
    ).all()
    return QuestionList(list(rows[:size]), page_number, len(rows) > size)


def recent_in_process(viewer: User, process: Process, limit: int = 5) -> list[Question]:
    """The newest questions in a process that the viewer may see, for its page."""
    if process.id not in _processes_with_questions():
        return []
    return list(
        db.session.scalars(
            select(Question)
            .where(Question.process_id == process.id, visible_questions_clause(viewer))
            .order_by(Question.last_activity_at.desc(), Question.id.desc())
            .limit(limit)
        )
    )


def _processes_with_questions() -> frozenset[int]:
    """The processes holding any question, whoever may see it: read once per shared version
    (asking, moving or deleting a question moves it), so that the pages of a process without
    questions, most of them, read none on every view."""
    return shared_part(
        ("processes with questions",),
        lambda: frozenset(db.session.scalars(select(Question.process_id).distinct())),
    )


def post_counts(questions: list[Question]) -> dict[int, int]:
    if not questions:
        return {}
    rows = db.session.execute(
        select(QuestionPost.question_id, func.count())
        .where(QuestionPost.question_id.in_([question.id for question in questions]))
        .group_by(QuestionPost.question_id)
    )
    return dict(rows.all())
