"""Asking a question, its thread of answers and follow-ups, and marking it answered."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask import current_app
from markupsafe import Markup
from sqlalchemy import func, select

from wiki import events
from wiki.auth.models import User
from wiki.errors import NotAllowed, NotFound, ValidationError
from wiki.extensions import db
from wiki.markup import plain_text
from wiki.notifications.services import notify
from wiki.processes import links
from wiki.processes.models import Page, Process
from wiki.questions import access
from wiki.questions.models import ORIGINS, Question, QuestionExpert, QuestionPost
from wiki.rendered import kept_html, kept_htmls
from wiki.textutil import clean_line, clean_text
from wiki.timeutil import utcnow

MAX_TITLE_LENGTH = 200
MAX_EXPERTS = 5
# How much of a question's text a notification quotes.
EXCERPT_CHARS = 500


@dataclass(frozen=True)
class QuestionDraft:
    """What the ask form submits."""

    title: str
    body: str
    expert_ids: Sequence[int]
    private: bool = False
    origin: str = "process"


def get_question(viewer: User, question_id: int) -> Question:
    """The question, if the viewer may see it; a private one is "not found" to anyone else."""
    question = db.session.get(Question, question_id)
    if question is None or not access.can_see(viewer, question):
        raise NotFound("There is no question with that number, or it is private.")
    return question


def page_in(process: Process, page_id: int) -> Page | None:
    """The page a question is asked from, if it is one of the process's."""
    page = db.session.get(Page, page_id)
    return page if page is not None and page.process_id == process.id else None


def ask_question(
    asker: User, process: Process, draft: QuestionDraft, page: Page | None = None
) -> Question:
    title, body = clean_line(draft.title), clean_text(draft.body)
    errors: dict[str, str] = {}
    if not title:
        errors["title"] = "Say in a line what you want to know."
    elif len(title) > MAX_TITLE_LENGTH:
        errors["title"] = f"A question's title has at most {MAX_TITLE_LENGTH} characters."
    _check_body(body, errors)
    experts = _chosen_experts(asker, draft.expert_ids, errors)
    if errors:
        raise ValidationError(errors)
    now = utcnow()
    question = Question(
        asker=asker,
        process=process,
        page=page if page is not None and page.process_id == process.id else None,
        origin=draft.origin if draft.origin in ORIGINS else "process",
        title=title,
        body=body,
        private=draft.private,
        created_at=now,
        last_activity_at=now,
    )
    question.routes = [QuestionExpert(expert=expert) for expert in experts]
    db.session.add(question)
    db.session.flush()
    notify(
        experts,
        "question_asked",
        f"{asker.name} asked you: {title}",
        _excerpt(body) or title,
        question_url(question),
    )
    events.question_asked.send(question)
    db.session.commit()
    return question


def add_post(author: User, question: Question, body: str) -> QuestionPost:
    """An answer (from anyone but the asker) or a follow-up (from the asker)."""
    if not access.can_post(author, question):
        raise NotFound("There is no question with that number, or it is private.")
    body = clean_text(body)
    errors: dict[str, str] = {}
    if not body.strip():
        errors["body"] = "Write something first."
    _check_body(body, errors)
    if errors:
        raise ValidationError(errors)
    now = utcnow()
    post = QuestionPost(
        question=question, author=author, author_id=author.id, body=body, created_at=now
    )
    db.session.add(post)
    db.session.flush()  # the post's id goes into the notification's link
    question.last_activity_at = now
    if post.is_answer:
        if question.first_answered_at is None:
            question.first_answered_at = now
        notify(
            [question.asker],
            "question_answered",
            f"{author.name} answered: {question.title}",
            _excerpt(body),
            question_url(question, post),
        )
        events.question_answered.send(question)
    else:
        notify(
            _people_answering(question),
            "question_follow_up",
            f"{author.name} followed up: {question.title}",
            _excerpt(body),
            question_url(question, post),
        )
    db.session.commit()
    return post


def mark_answered(actor: User, question: Question, answered: bool = True) -> None:
    if not access.can_mark_answered(actor, question):
        raise NotAllowed("Only the person who asked can mark a question answered.")
    if answered and not any(post.is_answer for post in question.posts):
        raise ValidationError({"answered": "There is no answer yet to mark."})
    question.answered_at = utcnow() if answered else None
    db.session.commit()


def rendered_thread(question: Question) -> dict[str | int, Markup]:
    """Sanitised HTML of the question ("question") and of each post (by post id)."""
    resolve = links.resolver_for(question.process.path)
    posts = list(question.posts)
    html: dict[str | int, Markup] = {"question": kept_html(question, "body", "body_html", resolve)}
    for post, post_html in zip(posts, kept_htmls(posts, "body", "body_html", resolve), strict=True):
        html[post.id] = post_html
    return html


def open_question_counts(expert_ids: Sequence[int]) -> dict[int, int]:
    """How many not-yet-answered questions each expert has routed to them."""
    if not expert_ids:
        return {}
    rows = db.session.execute(
        select(QuestionExpert.expert_id, func.count())
        .join(Question, Question.id == QuestionExpert.question_id)
        .where(QuestionExpert.expert_id.in_(expert_ids), Question.answered_at.is_(None))
        .group_by(QuestionExpert.expert_id)
    )
    return dict(rows.all())


def question_url(question: Question, post: QuestionPost | None = None) -> str:
    return f"/questions/{question.id}" + (f"#post-{post.id}" if post is not None else "")


def _people_answering(question: Question) -> list[User]:
    """The experts and everyone else who answered: who hears of a follow-up."""
    people = {route.expert_id: route.expert for route in question.routes}
    for post in question.posts:
        if post.is_answer:
            people.setdefault(post.author_id, post.author)
    return list(people.values())


def _chosen_experts(asker: User, expert_ids: Sequence[int], errors: dict[str, str]) -> list[User]:
    ids = list(dict.fromkeys(expert_ids))
    if not ids:
        errors["experts"] = "Choose at least one person to ask."
        return []
    if len(ids) > MAX_EXPERTS:
        errors["experts"] = f"Ask at most {MAX_EXPERTS} people at once."
        return []
    people = db.session.scalars(select(User).where(User.id.in_(ids))).all()
    found = {person.id: person for person in people}
    if asker.id in found:
        errors["experts"] = "Choose someone other than yourself."
    elif len(found) != len(ids) or not all(person.active for person in people):
        errors["experts"] = "One of the people chosen no longer has an account; choose again."
    return [found[i] for i in ids if i in found]


def _check_body(body: str, errors: dict[str, str]) -> None:
    limit = current_app.config["MAX_BODY_CHARS"]
    if len(body) > limit:
        errors["body"] = f"The text has {len(body):,} characters; at most {limit:,}."


def _excerpt(markdown: str) -> str:
    text = plain_text(markdown).text.strip()
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1].rstrip() + "…"
