"""Who may see and act on a question: one rule, used by every view, list, search and mail.

A question is visible to every member unless its asker made it private; a private question is
visible only to its asker, the experts it was routed to, and admins.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, exists, or_, select, true

from wiki.auth.models import User
from wiki.questions.models import Question, QuestionExpert


def visible_questions_clause(user: User) -> ColumnElement[bool]:
    """A where-clause over Question selecting the questions `user` may see."""
    if user.has_role("admin"):
        return true()
    routed = exists(
        select(QuestionExpert.id).where(
            QuestionExpert.question_id == Question.id, QuestionExpert.expert_id == user.id
        )
    )
    return or_(Question.private.is_(False), Question.asker_id == user.id, routed)


def is_participant(user: User, question: Question) -> bool:
    return user.id == question.asker_id or any(
        route.expert_id == user.id for route in question.routes
    )


def can_see(user: User, question: Question) -> bool:
    return not question.private or is_participant(user, question) or user.has_role("admin")


# Whoever can read a question can add to its thread: members answer public questions too.
can_post = can_see


def can_mark_answered(user: User, question: Question) -> bool:
    return user.id == question.asker_id or user.has_role("admin")


def can_document(user: User, question: Question) -> bool:
    """Turning an exchange into a page: its experts, whoever answered it, and admins."""
    if not can_see(user, question):
        return False
    return (
        any(route.expert_id == user.id for route in question.routes)
        or any(post.author_id == user.id and post.is_answer for post in question.posts)
        or user.has_role("admin")
    )


def awaits_asker(user: User, question: Question) -> bool:
    """Whether turning the exchange into a page waits for its asker's word: a private
    question, documented by someone else, that the asker has not allowed into the wiki."""
    return (
        question.private
        and question.publication_allowed_at is None
        and user.id != question.asker_id
    )


def readers(question: Question) -> list[str]:
    """The search index's reader labels for a question (see wiki.search.services.readers_for)."""
    if not question.private:
        return ["*"]
    people = {question.asker_id, *(route.expert_id for route in question.routes)}
    return [*(f"u:{person}" for person in sorted(people)), "role:admin"]
