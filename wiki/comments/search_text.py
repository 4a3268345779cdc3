"""A page's comments in the search index, as part of the page's "asked as" text: whoever may
read the page finds it by what was said about it, and nobody else sees a comment's words."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from wiki.comments.models import Comment
from wiki.markup import plain_text
from wiki.search.documents import key, register_asked, watch_for_pages

# The key that stands for the page a comment is on.
COMMENTED = "commented"
# So much of the comments' words per page, at most: the newest first.
MAX_WORDS = 4000


def comments_of_pages(session: Session, page_ids: list[int] | None) -> dict[int, str]:
    """Page id → the words of its comments, newest first."""
    query = select(Comment.page_id, Comment.body).order_by(
        Comment.created_at.desc(), Comment.id.desc()
    )
    if page_ids is not None:
        query = query.where(Comment.page_id.in_(page_ids))
    texts: dict[int, list[str]] = {}
    lengths: dict[int, int] = {}
    for page_id, body in session.execute(query):
        if lengths.get(page_id, 0) >= MAX_WORDS:
            continue  # enough of this page's words: older comments are not read
        words = plain_text(body).text
        texts.setdefault(page_id, []).append(words)
        lengths[page_id] = lengths.get(page_id, 0) + len(words) + 1
    return {page_id: " ".join(words)[:MAX_WORDS] for page_id, words in texts.items()}


def _page_of(session: Session, comment_id: int) -> list[str]:
    page_id = session.scalar(select(Comment.page_id).where(Comment.id == comment_id))
    return [key("page", page_id)] if page_id is not None else []


register_asked(comments_of_pages, (COMMENTED, _page_of))
watch_for_pages(Comment, lambda comment, how: [key("page", comment.page_id)])
