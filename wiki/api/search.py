"""API: search with the same engine and filters as /search, as data; totals, facets, snippets."""

from __future__ import annotations

from typing import Literal

from flask_login import current_user
from pydantic import BaseModel, Field

from wiki.api.blueprint import bp, spec
from wiki.api.schemas import ErrorBody, responses
from wiki.errors import DomainError
from wiki.search import services
from wiki.search.documents import TYPES

TAGS = ["search"]
# Whoosh gathers every hit up to the page asked for, so deep pages are not offered (as /search).
MAX_PAGE = 500


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
    page: int
    page_count: int
    fuzzy: bool = Field(description="True when words within an edit or two were matched too.")
    did_you_mean: str | None
    hits: list[SearchHit]
    facets: dict[str, dict[str, int]]
    narrower: list[Narrower] = Field(description="Processes one level below the filter.")


class SearchQuery(BaseModel):
    q: str = Field(max_length=2000)
    process: str | None = Field(None, max_length=1000, description="A process path.")
    type: Literal[*TYPES] | None = None
    tag: str | None = Field(None, max_length=200)
    page: int = Field(1, ge=1, le=MAX_PAGE, description=f"{services.PAGE_SIZE} hits a page.")


class SearchUnavailable(DomainError):
    status_code = 503


def _pieces(segments) -> list[Piece]:
    return [Piece(text=text, match=matched) for text, matched in segments]


@bp.get("/search")
@spec.validate(resp=responses(HTTP_200=SearchOut, HTTP_503=ErrorBody), tags=TAGS)
def search(query: SearchQuery):
    """Search what you may read, as /search does; a search that finds nothing is a miss."""
    outcome = services.search(
        current_user, query.q, process_path=query.process or None, type_name=query.type,
        tag=query.tag or None, page=query.page,
    )  # fmt: skip
    if outcome.unavailable:
        raise SearchUnavailable("Search is being rebuilt; try again in a moment.")
    results = outcome.results
    hits = results.hits if results else []
    return SearchOut(
        query=outcome.text,
        total=results.total if results else 0,
        page=results.page if results else 1,
        page_count=results.page_count if results else 0,
        fuzzy=outcome.fuzzy,
        did_you_mean=outcome.did_you_mean,
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
