"""API: the comments on a page: read its threads, comment or reply, resolve and reopen."""

from __future__ import annotations

from flask_login import current_user
from pydantic import BaseModel, Field

from wiki.api.blueprint import bp, spec
from wiki.api.pages import PAGE, PersonRef, person_ref
from wiki.api.schemas import Body, Id, Moment, Text, responses
from wiki.comments import services as comments
from wiki.comments.models import MAX_BODY, MAX_QUOTE, Comment
from wiki.processes import pages

COMMENT = "<int(max=2147483647):comment_id>"
TAGS = ["comments"]


class CommentOut(BaseModel):
    id: int
    page_id: int
    reply_to: int | None = Field(description="The thread's first comment; null for that one.")
    author: PersonRef | None
    body: str = Field(description="Markdown, as written.")
    quote: str = Field(description="The passage of the page the thread is about, or empty.")
    resolved: bool
    resolved_at: Moment | None
    created_at: Moment


class ThreadOut(CommentOut):
    html: str = Field(description="The first comment's sanitised HTML.")
    outdated: bool = Field(description="Its quote is no longer in the page's current text.")
    replies: list[CommentOut]


class CommentsOut(BaseModel):
    open: int = Field(description="Threads not resolved.")
    threads: list[ThreadOut]


class CommentIn(Body):
    body: Text = Field(max_length=MAX_BODY, description="Markdown; @name mentions a person.")
    quote: Text = Field("", max_length=MAX_QUOTE, description="A passage of the page's text.")
    reply_to: Id | None = Field(None, description="Reply in the thread of this comment.")


def comment_out(comment: Comment) -> CommentOut:
    return CommentOut(
        id=comment.id, page_id=comment.page_id, reply_to=comment.parent_id,
        author=person_ref(comment.author), body=comment.body, quote=comment.quote,
        resolved=comment.resolved_at is not None, resolved_at=comment.resolved_at,
        created_at=comment.created_at,
    )  # fmt: skip


@bp.get(f"/pages/{PAGE}/comments")
@spec.validate(resp=responses(HTTP_200=CommentsOut), tags=TAGS)
def page_comments(page_id: int):
    """The page's discussions, oldest first, each with its replies."""
    threads = comments.threads_of(current_user, pages.get_page_by_id(page_id))
    return CommentsOut(
        open=sum(1 for thread in threads if not thread.first.resolved),
        threads=[
            ThreadOut(
                **comment_out(thread.first).model_dump(),
                html=str(thread.html[thread.first.id]),
                outdated=thread.outdated,
                replies=[comment_out(reply) for reply in thread.replies],
            )
            for thread in threads
        ],
    )


@bp.post(f"/pages/{PAGE}/comments")
@spec.validate(resp=responses(writes=True, HTTP_201=CommentOut), tags=TAGS)
def add_comment(page_id: int, json: CommentIn):
    """Comment on the page, or reply; whoever is @mentioned is told at once."""
    page = pages.get_page_by_id(page_id)
    made = comments.add_comment(current_user, page, json.body, json.quote, json.reply_to)
    return comment_out(made), 201


@bp.post(f"/comments/{COMMENT}/resolve")
@spec.validate(resp=responses(writes=True, HTTP_200=CommentOut), tags=TAGS)
def resolve_comment(comment_id: int):
    """Resolve the comment's thread (who started it, the page's owner, a manager or admin)."""
    return comment_out(comments.resolve(current_user, comments.get_comment(comment_id)))


@bp.post(f"/comments/{COMMENT}/reopen")
@spec.validate(resp=responses(writes=True, HTTP_200=CommentOut), tags=TAGS)
def reopen_comment(comment_id: int):
    """Open the comment's thread again (the same people as resolve)."""
    return comment_out(comments.reopen(current_user, comments.get_comment(comment_id)))
