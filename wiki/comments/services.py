"""The rules of comments: start a thread or reply, mention people, resolve and reopen, read a
page's threads with their quotes checked against the page's current text, and count them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import has_request_context
from markupsafe import Markup
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from wiki import events
from wiki.auth.models import User
from wiki.comments.models import MAX_BODY, MAX_QUOTE, Comment
from wiki.errors import NotAllowed, NotFound, ValidationError
from wiki.extensions import db
from wiki.markup import plain_text, render_markdown
from wiki.notifications.services import notify
from wiki.processes import links, pages
from wiki.processes.models import Page
from wiki.rendered import kept_htmls
from wiki.textutil import clean_line, clean_text
from wiki.timeutil import utcnow

# "@anna.berg" names the person whose email is anna.berg@…; a whole address works too.
MENTION = re.compile(r"(?<![\w@.])@([A-Za-z0-9][A-Za-z0-9._+-]*(?:@[A-Za-z0-9.-]+)?)")
MAX_MENTIONED = 20


@dataclass
class Thread:
    """A thread as a reader sees it: its first comment, the replies, and whether the passage
    it quotes is still in the page's current text."""

    first: Comment
    replies: list[Comment]
    html: dict[int, Markup]
    outdated: bool
    may_resolve: bool


def add_comment(
    actor: User, page: Page, body: str, quote: str = "", reply_to: int | None = None
) -> Comment:
    """Start a thread on the page (about a quoted passage, if given) or reply to one;
    whoever is @mentioned is told at once, and the page's watchers through comment_added."""
    body = clean_text(body).strip()
    quote = " ".join(clean_line(quote).split())
    errors: dict[str, str] = {}
    if not body:
        errors["body"] = "Write a comment."
    elif len(body) > MAX_BODY:
        errors["body"] = f"Keep a comment under {MAX_BODY:,} characters."
    if len(quote) > MAX_QUOTE:
        errors["quote"] = f"Quote at most {MAX_QUOTE:,} characters of the page."
    if errors:
        raise ValidationError(errors)
    parent = None
    if reply_to is not None:
        parent = db.session.get(Comment, reply_to)
        if parent is None or parent.page_id != page.id:
            raise NotFound("That comment is not on this page.")
        parent = _first_of(parent)
        quote = ""  # a reply belongs to its thread's passage
    comment = Comment(
        page=page,
        parent_id=parent.id if parent is not None else None,
        author=actor,
        body=body,
        quote=quote,
        revision_number=page.latest_revision,
    )
    if has_request_context():
        # Rendered as it is written (the web, the API), so that no reader of a page with many
        # new comments waits for them all; written elsewhere, the page's next view renders it.
        comment.body_html = str(render_markdown(body, links.resolver_for(page.process.path)))
    db.session.add(comment)
    db.session.flush()
    if parent is not None and parent.resolved_at is not None:
        parent.resolved_at, parent.resolved_by = None, None  # a reply reopens the discussion
    _tell_mentioned(actor, page, comment)
    events.comment_added.send(comment, actor=actor)
    db.session.commit()
    return comment


def mentioned_people(body: str) -> list[User]:
    """The active people a text @mentions, by their address or the part before its @."""
    handles = {match.lower() for match in MENTION.findall(body)}
    if not handles:
        return []
    handles = set(list(handles)[:MAX_MENTIONED])
    email = func.lower(User.email)
    conditions = [email == h if "@" in h else email.startswith(h + "@") for h in handles]
    found = db.session.scalars(
        select(User).where(User.active.is_(True)).where(or_(*conditions))
    ).all()
    return list(found)


def _tell_mentioned(actor: User, page: Page, comment: Comment) -> None:
    people = [person for person in mentioned_people(comment.body) if person.id != actor.id]
    if people:
        notify(
            people,
            "mention",
            f"{actor.name} mentioned you on “{page.title}”",
            comment.body,
            f"/p/{page.path}#comment-{comment.id}",
        )


def get_comment(comment_id: int) -> Comment:
    found = db.session.get(Comment, comment_id)
    if found is None:
        raise NotFound("There is no such comment.")
    return found


def can_resolve(person: User, comment: Comment) -> bool:
    """Whoever started the thread, the page's owner, or a manager or admin (pages.can_review)
    may resolve or reopen it: others reply instead."""
    first = _first_of(comment)
    return first.author_id == person.id or pages.can_review(person, first.page)


def resolve(actor: User, comment: Comment) -> Comment:
    first = _first_of(comment)
    if not can_resolve(actor, first):
        raise NotAllowed(
            "Only who started the discussion, the page's owner or an admin resolves it."
        )
    if first.resolved_at is None:
        first.resolved_at, first.resolved_by = utcnow(), actor
        events.comment_resolved.send(first, actor=actor)
        db.session.commit()
    return first


def reopen(actor: User, comment: Comment) -> Comment:
    first = _first_of(comment)
    if not can_resolve(actor, first):
        raise NotAllowed(
            "Only who started the discussion, the page's owner or an admin reopens it."
        )
    if first.resolved_at is not None:
        first.resolved_at, first.resolved_by = None, None
        db.session.commit()
    return first


def threads_of(viewer: User, page: Page) -> list[Thread]:
    """The page's threads, oldest first, each with its replies and their HTML. One query for
    every comment of the page (and one for their people): a page may hold hundreds."""
    every = db.session.scalars(
        select(Comment)
        .where(Comment.page_id == page.id)
        .options(selectinload(Comment.author), selectinload(Comment.resolved_by))
        .order_by(Comment.created_at, Comment.id)
    ).all()
    firsts = [comment for comment in every if comment.parent_id is None]
    replies: dict[int, list[Comment]] = {first.id: [] for first in firsts}
    for comment in every:
        if comment.parent_id is not None and comment.parent_id in replies:
            replies[comment.parent_id].append(comment)
    htmls = kept_htmls(every, "body", "body_html", links.resolver_for(page.process.path))
    html = {comment.id: markup for comment, markup in zip(every, htmls, strict=True)}
    words = _words_of(page) if any(first.quote for first in firsts) else ""
    may_resolve = pages.can_review(viewer, page)  # as can_resolve, asked once for the page
    return [
        Thread(
            first=first,
            replies=replies[first.id],
            html=html,
            outdated=bool(first.quote) and _normal(first.quote) not in words,
            may_resolve=may_resolve or first.author_id == viewer.id,
        )
        for first in firsts
    ]


def is_outdated(comment: Comment) -> bool:
    """A quote is outdated when its words are no longer in the page's current text."""
    first = _first_of(comment)
    return bool(first.quote) and _normal(first.quote) not in _words_of(first.page)


def open_counts(page_ids: list[int]) -> dict[int, int]:
    """Page id → its threads not resolved (pages without any are left out)."""
    if not page_ids:
        return {}
    rows = db.session.execute(
        select(Comment.page_id, func.count(Comment.id))
        .where(
            Comment.page_id.in_(page_ids),
            Comment.parent_id.is_(None),
            Comment.resolved_at.is_(None),
        )
        .group_by(Comment.page_id)
    )
    return dict(rows.all())


def _first_of(comment: Comment) -> Comment:
    return db.session.get(Comment, comment.parent_id) if comment.parent_id else comment


# The words of recent page texts by their content hash (a revision never changes): a page
# with many quoted discussions is otherwise parsed again on every view. Emptied when full.
_WORDS: dict[str, str] = {}
_WORDS_KEPT = 64


def _words_of(page: Page) -> str:
    # Compared as words without markup, as a reader selects them on the rendered page.
    latest = pages.latest_revision(page)
    words = _WORDS.get(latest.content_hash)
    if words is None:
        if len(_WORDS) >= _WORDS_KEPT:
            _WORDS.clear()
        words = _WORDS[latest.content_hash] = _normal(plain_text(latest.body).text)
    return words


def _normal(text: str) -> str:
    return " ".join(text.split()).casefold()
