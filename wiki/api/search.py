"""API: search with the same engine and filters as /search, as data; totals, facets, snippets."""

from __future__ import annotations

from typing import Literal

from flask_login import current_user
from pydantic import BaseModel, Field

from wiki.api.blueprint import bp, spec
from wiki.api.schemas import (
    MAX_LIMIT,
    ErrorBody,
    ListQuery,
    cursor_for,
    cursor_offset,
    responses,
)
from wiki.errors import DomainError
from wiki.search import services
from wiki.search.documents import TYPES

TAGS = ["search"]
# Whoosh gathers every hit up to the page asked for, so hits past the best 10,000 are not
# offered (as on /search, whose pages stop at 500 of 20).
MAX_DEPTH = 10_000


class Piece(BaseModel):
    text: str
    match: bool = Field(description="Whether this piece matched the query.")


class SearchHit(BaseModel):
    type: str
    title: str
    title_pieces: list[Piece]
    snippets: list[list[Piece]]
    url: str
    process: str = Field(description="The process trail, as 'Top › Sub'.")
    score: float


class Narrower(BaseModel):
    name: str
    url: str
    count: int


class SearchOut(BaseModel):
    query: str
    total: int
    approximate: bool = Field(description="True when total is an estimate (“about N”).")
    next_cursor: str | None = Field(None, description="Pass as cursor for the next hits.")
    fuzzy: bool = Field(description="True when words within an edit or two were matched too.")
    did_you_mean: str | None
    partial: bool = Field(
        False, description="True when no page holds every word: the hits hold most of them."
    )
    hits: list[SearchHit]
    facets: dict[str, dict[str, int]]
    narrower: list[Narrower] = Field(description="Processes one level below the filter.")


class SearchQuery(ListQuery):
    q: str = Field(max_length=2000)
    process: str | None = Field(None, max_length=1000, description="A process path.")
    type: Literal[*TYPES] | None = None
    tag: str | None = Field(None, max_length=200)
    verified: bool = Field(False, description="Only pages verified now.")
    limit: int = Field(services.PAGE_SIZE, ge=1, le=MAX_LIMIT, description="Hits at a time.")


class SearchUnavailable(DomainError):
    status_code = 503


def _pieces(segments) -> list[Piece]:
    return [Piece(text=text, match=matched) for text, matched in segments]


@bp.get("/search")
@spec.validate(resp=responses(HTTP_200=SearchOut, HTTP_503=ErrorBody), tags=TAGS)
def search(query: SearchQuery):
    """Search what you may read, as /search does; a search that finds nothing is a miss."""
    # The engine reads a page of `limit` hits at a time, so a cursor holds the page size too.
    kind = f"search-{query.limit}"
    start = cursor_offset(query, kind)
    page = start // query.limit + 1
    outcome = services.search(
        current_user, query.q, process_path=query.process or None, type_name=query.type,
        tag=query.tag or None, page=page, page_size=query.limit, verified_only=query.verified,
    )  # fmt: skip
    if outcome.unavailable:
        raise SearchUnavailable("Search is being rebuilt; try again in a moment.")
    results = outcome.results
    # For a page past the end, the engine answers its last one: there are no hits there.
    reached = results is not None and results.page == page
    hits = results.hits if reached else []
    more = reached and page < results.page_count and page * query.limit < MAX_DEPTH
    return SearchOut(
        query=outcome.text,
        total=results.total if results else 0,
        approximate=results.approximate if results else False,
        next_cursor=cursor_for(kind, start + query.limit) if more else None,
        fuzzy=outcome.fuzzy,
        did_you_mean=outcome.did_you_mean,
        partial=outcome.partial,
        hits=[
            SearchHit(
                type=hit.type,
                title=hit.plain_title,
                title_pieces=_pieces(hit.title),
                snippets=[_pieces(fragment) for fragment in hit.snippet],
                url=hit.url,
                process=services.trail_text(outcome.breadcrumbs.get(hit.key, [])),
                score=hit.score,
            )  # fmt: skip
            for hit in hits
        ],
        facets=results.facets if results else {},
        narrower=[
            Narrower(name=crumb.name, url=crumb.url, count=count)
            for crumb, count in outcome.narrower
        ],
    )
