"""A page's "asked as" text: the words of the answered questions whose answer went into the
page or links to it, so that the next person asking the same way finds the page.

Only questions that are not private feed it (a private question's words stay with its
readers); the answers themselves are the page's own text, so only the questions' words go in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import unquote

from sqlalchemy import inspect, or_, select
from sqlalchemy.orm import Session, selectinload

from wiki.markup import find_wiki_links, plain_text
from wiki.processes.models import Page
from wiki.processes.paths import wiki_link_path
from wiki.questions.models import Question, QuestionDocumented, QuestionPost
from wiki.search.documents import key, register_asked

# The key that stands for the pages a question feeds (written when the question changes).
FEEDS = "asked-by"
# A page's address in an answer: /p/<path>, up to a space, quote, bracket, "#" or "?".
PAGE_ADDRESS = re.compile(r"/p/([^\s\"'<>()\[\]#?]+)")
# So much of the questions' words per page, at most: the newest questions first.
MAX_ASKED = 4000


def fed_pages(session: Session, questions: Iterable[Question]) -> dict[int, set[int]]:
    """Question id → the pages its answer went into (turned into page text) or links to."""
    questions = list(questions)
    fed: dict[int, set[int]] = {question.id: set() for question in questions}
    if not questions:
        return fed
    documented = select(QuestionDocumented.question_id, QuestionDocumented.page_id).where(
        QuestionDocumented.question_id.in_(list(fed))
    )
    for question_id, page_id in session.execute(documented):
        fed[question_id].add(page_id)
    wanted: dict[int, set[str]] = {}
    for question in questions:
        paths = wanted.setdefault(question.id, set())
        for post in question.posts:
            if post.author_id == question.asker_id:
                continue  # the asker's follow-ups do not answer
            paths.update(
                wiki_link_path(target, question.process.path)
                for target in find_wiki_links(post.body)
            )
            paths.update(unquote(found).strip("/") for found in PAGE_ADDRESS.findall(post.body))
    every = set().union(*wanted.values())
    if every:
        ids = dict(session.execute(select(Page.path, Page.id).where(Page.path.in_(every))).all())
        for question_id, paths in wanted.items():
            fed[question_id].update(ids[path] for path in paths if path in ids)
    return fed


def asked_of_pages(session: Session, page_ids: list[int] | None) -> dict[int, str]:
    """Page id → the words of the answered, non-private questions that lead to it."""
    answered = (
        select(Question)
        .where(Question.answered_at.is_not(None), Question.private.is_(False))
        .where(
            # Only questions that can lead anywhere: documented in a page, or answered with
            # a link.
            or_(
                Question.id.in_(select(QuestionDocumented.question_id)),
                Question.id.in_(
                    select(QuestionPost.question_id).where(
                        or_(QuestionPost.body.contains("[["), QuestionPost.body.contains("/p/"))
                    )
                ),
            )
        )
        .order_by(Question.answered_at.desc(), Question.id.desc())
        .options(selectinload(Question.posts), selectinload(Question.process))
    )
    questions = session.scalars(answered).all()
    wanted = None if page_ids is None else set(page_ids)
    texts: dict[int, list[str]] = {}
    fed = fed_pages(session, questions)
    for question in questions:
        pages = fed[question.id]
        words = " ".join(filter(None, (question.title, plain_text(question.body).text)))
        for page_id in pages if wanted is None else pages & wanted:
            texts.setdefault(page_id, []).append(words)
    return {page_id: " ".join(words)[:MAX_ASKED] for page_id, words in texts.items()}


def _pages_fed_by(session: Session, question_id: int) -> list[str]:
    question = session.get(Question, question_id)
    if question is None:
        return []
    return [key("page", page_id) for page_id in fed_pages(session, [question])[question_id]]


def watch_question(question: Question, how: str) -> list[str]:
    """A question answered, made private or public, or reworded changes what it feeds."""
    state = inspect(question)
    changed = ("answered_at", "private", "title", "body")
    if how == "changed" and any(state.attrs[name].history.has_changes() for name in changed):
        return [key(FEEDS, question.id)]
    return []


def watch_post(post: QuestionPost, how: str) -> list[str]:
    return [key(FEEDS, post.question_id)] if how in ("new", "changed") else []


register_asked(asked_of_pages, (FEEDS, _pages_fed_by))
