"""Reading a person's profile: who they are, what they know, the pages they own, what they wrote
and answered lately."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from wiki.auth.models import User
from wiki.errors import NotFound
from wiki.extensions import db
from wiki.people.declarations import expertise_of
from wiki.people.models import Expertise
from wiki.processes.models import Page, Revision
from wiki.questions.access import visible_questions_clause
from wiki.questions.models import Question, QuestionPost


@dataclass
class Profile:
    person: User
    expertise: list[Expertise]
    owned_pages: list[Page]
    recent_revisions: list[Revision]
    # The questions the person answered lately, only those the viewer may see.
    recent_answers: list[Question]


def get_profile(person_id: int, viewer: User) -> Profile:
    person = db.session.get(User, person_id)
    if person is None:
        raise NotFound("There is nobody with that number.", "person")
    owned = db.session.scalars(
        select(Page).where(Page.owner_id == person.id).order_by(Page.title)
    ).all()
    recent = db.session.scalars(
        select(Revision)
        .where(Revision.author_id == person.id)
        .order_by(Revision.created_at.desc(), Revision.id.desc())
        .limit(10)
    ).all()
    answered = db.session.scalars(
        select(Question)
        .join(QuestionPost, QuestionPost.question_id == Question.id)
        .where(
            QuestionPost.author_id == person.id,
            Question.asker_id != person.id,
            visible_questions_clause(viewer),
        )
        .group_by(Question.id)
        .order_by(func.max(QuestionPost.created_at).desc(), Question.id.desc())
        .options(selectinload(Question.process))
        .limit(10)
    ).all()
    return Profile(
        person=person,
        expertise=expertise_of(person),
        owned_pages=list(owned),
        recent_revisions=list(recent),
        recent_answers=list(answered),
    )
