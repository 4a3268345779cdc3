"""API: asking (with suggested experts), answering, following up, marking answered, listing."""

from __future__ import annotations

from typing import Literal

from flask_login import current_user
from pydantic import BaseModel, Field

from wiki.api.blueprint import bp, spec
from wiki.api.pages import PersonRef
from wiki.api.people import ExpertOut, expert_out
from wiki.api.processes import PROCESS, ProcessOut, process_out
from wiki.api.schemas import (
    Body,
    Id,
    ListQuery,
    Moment,
    Text,
    cursor_offset,
    list_of,
    listed,
    one_page,
    responses,
    window,
)
from wiki.processes import tree
from wiki.questions import listing, routing, services
from wiki.questions.models import Question, QuestionPost

QUESTION = "<int(max=2147483647):question_id>"
TAGS = ["questions"]


class Suggested(ExpertOut):
    open_questions: int = Field(description="Questions waiting for them now.")
    away: bool


class QuestionSummary(BaseModel):
    id: int
    title: str
    process: ProcessOut
    asker: PersonRef
    private: bool
    experts: list[PersonRef]
    created_at: Moment
    last_activity_at: Moment
    answered_at: Moment | None


class PostOut(BaseModel):
    id: int
    author: PersonRef
    is_answer: bool = Field(description="False for the asker's own follow-ups.")
    markdown: str
    html: str
    created_at: Moment


class QuestionOut(QuestionSummary):
    markdown: str
    html: str
    page_id: int | None
    posts: list[PostOut]


class QuestionIn(Body):
    process_id: Id
    title: Text = Field(min_length=1, max_length=1000)
    body: Text = Field("", max_length=200_000)
    expert_ids: list[Id] = Field(default_factory=list, max_length=50)
    private: bool = False
    page_id: Id | None = Field(None, description="The page it is asked from, in that process.")


class PostIn(Body):
    body: Text = Field(min_length=1, max_length=200_000)


class AnsweredIn(Body):
    answered: bool = True


class QuestionQuery(ListQuery):
    scope: Literal[*listing.SCOPES] = Field("all", description="all, mine or to-me")
    state: Literal["", "open", "answered"] = ""
    process: str = Field("", max_length=1000, description="A process path: it and below.")


def _ref(person) -> PersonRef:
    return PersonRef(id=person.id, name=person.name)


def question_summary(question: Question) -> QuestionSummary:
    return QuestionSummary(
        id=question.id, title=question.title, process=process_out(question.process),
        asker=_ref(question.asker), private=question.private,
        experts=[_ref(route.expert) for route in question.routes],
        created_at=question.created_at, last_activity_at=question.last_activity_at,
        answered_at=question.answered_at,
    )  # fmt: skip


def question_out(question: Question) -> QuestionOut:
    html = services.rendered_thread(question)
    return QuestionOut(
        **question_summary(question).model_dump(),
        markdown=question.body,
        html=str(html["question"]),
        page_id=question.page_id,
        posts=[_post_out(post, str(html[post.id])) for post in question.posts],
    )


def _post_out(post: QuestionPost, html: str) -> PostOut:
    return PostOut(
        id=post.id, author=_ref(post.author), is_answer=post.is_answer, markdown=post.body,
        html=html, created_at=post.created_at,
    )  # fmt: skip


@bp.get(f"/processes/{PROCESS}/suggested-experts")
@spec.validate(resp=responses(HTTP_200=list_of(Suggested)), tags=TAGS)
def suggested_experts(process_id: int, query: ListQuery):
    """The experts the ask form suggests for a question in this process, best first."""
    process = tree.get_process_by_id(process_id)
    suggestions = routing.suggest_experts(process, current_user)
    found = one_page(suggestions, query, f"suggested-{process.id}")
    return listed(
        found,
        lambda s: Suggested(
            **expert_out(s.entry).model_dump(), open_questions=s.open_questions, away=s.away
        ),
    )


@bp.get("/questions")
@spec.validate(resp=responses(HTTP_200=list_of(QuestionSummary)), tags=TAGS)
def questions(query: QuestionQuery):
    """Questions you may read, newest activity first: all, yours, or those routed to you."""
    filters = listing.Filters(scope=query.scope, state=query.state, process_path=query.process)
    # One cursor per page size, since the list is read a page of that size at a time.
    kind = f"questions-{query.limit}"
    start = cursor_offset(query, kind)
    found = listing.list_questions(current_user, filters, start // query.limit + 1, query.limit)
    rows = found.questions + ([None] if found.has_more else [])
    page = window(rows, query, kind, start)
    return listed(page, question_summary)


@bp.post("/questions")
@spec.validate(resp=responses(writes=True, HTTP_201=QuestionOut), tags=TAGS)
def ask(json: QuestionIn):
    """Ask a question in a process, of the experts chosen (see suggested-experts)."""
    process = tree.get_process_by_id(json.process_id)
    draft = services.QuestionDraft(
        title=json.title, body=json.body, expert_ids=json.expert_ids, private=json.private
    )
    page = services.page_in(process, json.page_id) if json.page_id else None
    return question_out(services.ask_question(current_user, process, draft, page)), 201


@bp.get(f"/questions/{QUESTION}")
@spec.validate(resp=responses(HTTP_200=QuestionOut), tags=TAGS)
def question(question_id: int):
    """A question and its thread (a private one only to those who may read it)."""
    return question_out(services.get_question(current_user, question_id))


@bp.post(f"/questions/{QUESTION}/posts")
@spec.validate(resp=responses(writes=True, HTTP_201=QuestionOut), tags=TAGS)
def post(question_id: int, json: PostIn):
    """Answer a question, or follow up on your own."""
    found = services.get_question(current_user, question_id)
    services.add_post(current_user, found, json.body)
    return question_out(found), 201


@bp.post(f"/questions/{QUESTION}/answered")
@spec.validate(resp=responses(writes=True, HTTP_200=QuestionOut), tags=TAGS)
def mark_answered(question_id: int, json: AnsweredIn):
    """Mark your question answered (or open again)."""
    found = services.get_question(current_user, question_id)
    services.mark_answered(current_user, found, json.answered)
    return question_out(found)
