"""Turning a question's exchange into wiki content: a section appended to a page of its process,
or a new page pre-filled. Both save through the pages service, so the revision is attributed to
the expert, conflict-checked, and the section links back to the question."""

from __future__ import annotations

from datetime import datetime

from markdown.extensions.toc import slugify
from sqlalchemy import select

from wiki.auth.models import User
from wiki.errors import NotAllowed, NotFound, ValidationError
from wiki.extensions import db
from wiki.notifications.services import notify
from wiki.processes import pages
from wiki.processes.models import Page
from wiki.questions import access
from wiki.questions.models import Question, QuestionDocumented
from wiki.questions.services import question_url
from wiki.timeutil import utcnow

# A save that meets a concurrent save starts again from the newest text this many times.
APPEND_ATTEMPTS = 3


def exchange_markdown(question: Question) -> str:
    """The exchange as a markdown section: the question, then each post, attributed."""
    answerers = sorted({post.author.name for post in question.posts if post.is_answer})
    credit = f"asked by {question.asker.name}"
    if answerers:
        credit += f", answered by {', '.join(answerers)}"
    parts = [
        f"## {question.title}",
        f"_From [a question]({question_url(question)}) {credit}, "
        f"{question.created_at.day} {question.created_at:%B %Y}._",
    ]
    if question.body.strip():
        parts.append(question.body.strip())
    for post in question.posts:
        role = "Answer" if post.is_answer else "Follow-up"
        parts.append(f"**{role} from {post.author.name}:**\n\n{post.body.strip()}")
    return "\n\n".join(parts) + "\n"


def section_anchor(question: Question) -> str:
    """The id the markdown renderer gives the section's heading."""
    return slugify(question.title, "-")


def pages_to_append_to(question: Question) -> list[Page]:
    return list(
        db.session.scalars(
            select(Page).where(Page.process_id == question.process_id).order_by(Page.title)
        )
    )


def append_to_page(actor: User, question: Question, page: Page) -> Page:
    """Append the exchange to a page of the question's process as a new revision."""
    _check_may_document(actor, question)
    if page.process_id != question.process_id:
        raise ValidationError({"page": "Choose a page of the question's own process."})
    section = exchange_markdown(question)
    for attempt in range(APPEND_ATTEMPTS):
        latest = pages.latest_revision(page)
        draft = pages.PageDraft(
            title=page.title,
            body=latest.body.rstrip() + "\n\n" + section,
            summary=f"Added the answer to “{question.title}”"[: pages.MAX_SUMMARY_LENGTH],
        )
        try:
            pages.save_page(actor, page, draft, latest.number)
        except pages.PageConflict:
            # Someone saved meanwhile: append to their text instead of overwriting it.
            db.session.refresh(page)
            if attempt == APPEND_ATTEMPTS - 1:
                raise
        else:
            break
    _record(actor, question, page)
    return page


def start_page_values(question: Question) -> dict[str, str]:
    """The new-page editor's fields, pre-filled from the exchange."""
    return {
        "title": question.title,
        "body": exchange_markdown(question),
        "summary": f"From the question “{question.title}”"[: pages.MAX_SUMMARY_LENGTH],
        "tags": "",
    }


def create_page_from(actor: User, question: Question, draft: pages.PageDraft) -> Page:
    """Create a page in the question's process from the (edited) pre-filled editor."""
    _check_may_document(actor, question)
    page = pages.create_page(actor, question.process, draft)
    _record(actor, question, page)
    return page


def documented_in(question: Question) -> list[QuestionDocumented]:
    return list(
        db.session.scalars(
            select(QuestionDocumented)
            .where(QuestionDocumented.question_id == question.id)
            .order_by(QuestionDocumented.id)
        )
    )


def get_page_of(question: Question, page_id: int) -> Page:
    page = db.session.get(Page, page_id)
    if page is None or page.process_id != question.process_id:
        raise NotFound("That page is not in the question's process.")
    return page


def _check_may_document(actor: User, question: Question) -> None:
    if not access.can_document(actor, question):
        raise NotAllowed(
            "Only the experts asked, the people who answered and admins can turn a question "
            "into a page."
        )
    if access.awaits_asker(actor, question):
        raise NotAllowed(
            f"This question is private: ask {question.asker.name} first whether its exchange "
            "may go into the wiki, where every member reads it."
        )


def ask_to_publish(actor: User, question: Question, now: datetime | None = None) -> None:
    """Ask a private question's asker to let its exchange go into the wiki."""
    _check_may_document_some_day(actor, question)
    question.publication_asked_at = now or utcnow()
    notify(
        [question.asker],
        "question_publication_asked",
        f"{actor.name} asks to put your private question in the wiki",
        f"“{question.title}” would go into a page every member reads, with your name. "
        "Open the question to allow it, or leave it private.",
        question_url(question),
    )
    db.session.commit()


def allow_publication(actor: User, question: Question, now: datetime | None = None) -> None:
    """The asker lets the exchange of their private question go into the wiki."""
    if actor.id != question.asker_id:
        raise NotAllowed("Only the person who asked can let their question go into the wiki.")
    question.publication_allowed_at = now or utcnow()
    notify(
        question.experts,
        "question_publication_allowed",
        f"{actor.name} lets “{question.title}” go into the wiki",
        "You can now add its exchange to a page, or start a page from it.",
        question_url(question),
    )
    db.session.commit()


def _check_may_document_some_day(actor: User, question: Question) -> None:
    if not access.can_document(actor, question):
        raise NotAllowed("Only the experts asked and admins can ask for this.")
    if not access.awaits_asker(actor, question):
        raise ValidationError({"question": "This question needs nobody's permission."})


def credit_approved_page(request) -> None:
    """A new page made from a question and held for approval: the question is credited when
    the page is made (its author's, as if made at once), in the approval's transaction."""
    question_id, page = getattr(request, "question_id", None), getattr(request, "page", None)
    question = db.session.get(Question, question_id) if question_id else None
    if question is not None and page is not None and page.latest_revision == 1:
        _record(request.author, question, page, commit=False)


def _record(actor: User, question: Question, page: Page, commit: bool = True) -> None:
    db.session.add(
        QuestionDocumented(
            question_id=question.id,
            page_id=page.id,
            revision_number=page.latest_revision,
            author_id=actor.id,
        )
    )
    if actor.id != question.asker_id:
        notify(
            [question.asker],
            "question_documented",
            f"{actor.name} put the answer to your question in “{page.title}”",
            f"“{question.title}” is now part of the page “{page.title}”.",
            "/p/" + page.path,
        )
    if commit:
        db.session.commit()
