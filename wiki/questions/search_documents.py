"""Answered questions in the search index, so that the next newcomer finds them. A private
question is indexed for its own readers only (see access.readers)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from wiki.markup import plain_text
from wiki.processes.models import Process
from wiki.questions import access, asked
from wiki.questions.models import Question, QuestionDocumented, QuestionExpert, QuestionPost
from wiki.search.documents import (
    DocumentType,
    all_process_names,
    key,
    names_along,
    process_names,
    register,
    scope_of,
    stamp_of,
)
from wiki.search.index_schema import Document


def _question_stamp(activity, answered, private, process_trail: str) -> str:
    return stamp_of(activity, answered, private, process_trail)


def _load_questions(session: Session, ids: list[int]) -> dict[int, Document]:
    questions = session.scalars(
        select(Question)
        .where(Question.id.in_(ids), Question.answered_at.is_not(None))
        .options(
            selectinload(Question.posts).selectinload(QuestionPost.author),
            selectinload(Question.routes),
            selectinload(Question.process),
        )
    ).all()
    names = process_names(session, (question.process.path for question in questions))
    documents: dict[int, Document] = {}
    for question in questions:
        texts = [question.body, *(post.body for post in question.posts)]
        documents[question.id] = Document(
            key=key("question", question.id),
            type="question",
            title=question.title,
            url=f"/questions/{question.id}",
            updated=question.last_activity_at,
            stamp=_question_stamp(
                question.last_activity_at,
                question.answered_at,
                question.private,
                names_along(names, question.process.path),
            ),
            body=" ".join(plain_text(text).text for text in texts),
            process=names_along(names, question.process.path),
            scope=scope_of(question.process.path),
            process_id=question.process_id,
            readers=access.readers(question),
        )
    return documents


def _question_stamps(session: Session) -> dict[int, str]:
    names = all_process_names(session)
    rows = session.execute(
        select(
            Question.id,
            Question.last_activity_at,
            Question.answered_at,
            Question.private,
            Process.path,
        )
        .join(Process, Process.id == Question.process_id)
        .where(Question.answered_at.is_not(None))
    )
    return {
        question_id: _question_stamp(activity, answered, private, names_along(names, path))
        for question_id, activity, answered, private, path in rows
    }


register(
    DocumentType(
        name="question",
        label="Answered questions",
        load=_load_questions,
        stamps=_question_stamps,
        watches={
            Question: lambda question, how: [
                key("question", question.id),
                *asked.watch_question(question, how),
            ],
            QuestionPost: lambda post, how: [
                key("question", post.question_id),
                *asked.watch_post(post, how),
            ],
            QuestionExpert: lambda route, how: [key("question", route.question_id)],
            # An exchange turned into page text: its words become the page's "asked as".
            QuestionDocumented: lambda documented, how: [key("page", documented.page_id)],
        },
        below=lambda session, below: session.scalars(
            select(Question.id)
            .join(Process, Process.id == Question.process_id)
            .where(Process.path.startswith(below))
        ),
    )
)
