"""What every part of the API shares: error bodies, strict request bodies, lists and cursors."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Annotated, Any, TypeVar

from flask import current_app
from itsdangerous import BadData, URLSafeSerializer
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    create_model,
)
from spectree import Response

from wiki.errors import DomainError
from wiki.forms import MAX_ID

MAX_LIMIT = 100
T = TypeVar("T")


def _without_nul(text: str) -> str:
    # As in forms (wiki/security.py): PostgreSQL cannot store NUL, so it arrives as U+FFFD.
    return text.replace("\x00", "\ufffd")


def _whole_number(value: Any) -> Any:
    # JSON Schema counts 2.0 as an integer, so the document promises to take it; 2.5 and "2"
    # stay wrong types.
    return int(value) if isinstance(value, float) and value.is_integer() else value


Text = Annotated[str, AfterValidator(_without_nul)]


def _as_utc(moment: datetime) -> datetime:
    # The database keeps naive UTC (wiki/timeutil.py); the document promises RFC 3339 times.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


Moment = Annotated[datetime, AfterValidator(_as_utc)]


def _iso_day(value: Any) -> Any:
    # A day is written YYYY-MM-DD; pydantic alone would also take a number as a Unix time.
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError("Give the date as YYYY-MM-DD.")


Day = Annotated[date, BeforeValidator(_iso_day)]
Whole = Annotated[int, BeforeValidator(_whole_number)]
Id = Annotated[Whole, Field(ge=1, le=MAX_ID)]


class ErrorBody(BaseModel):
    error: str = Field(description="A word to branch on: not_found, invalid, conflict, …")
    message: str = Field(description="What went wrong, for a person.")
    fields: dict[str, str] = Field(description="The message for each refused field.")


class Body(BaseModel):
    """A request body: unknown fields and wrong types are refused, not guessed at."""

    model_config = ConfigDict(extra="forbid", strict=True)


class ListQuery(BaseModel):
    limit: int = Field(50, ge=1, le=MAX_LIMIT, description=f"At most {MAX_LIMIT} items.")
    cursor: str | None = Field(
        None, max_length=500, description="The next_cursor of the previous page."
    )


def list_of(model: type[BaseModel]) -> type[BaseModel]:
    """The body of a page of a list: its items and the cursor of the next page, if any."""
    return create_model(
        f"{model.__name__}List",
        items=(list[model], ...),
        next_cursor=(str | None, Field(None, description="Pass as cursor for the next page.")),
    )


def listed(found: dict[str, Any], convert: Callable[[Any], BaseModel]) -> dict[str, Any]:
    """A page of a list with each item converted to its model, as JSON-ready data."""
    return {**found, "items": [convert(item).model_dump(mode="json") for item in found["items"]]}


def one_page(items: Sequence[T], query: ListQuery, kind: str) -> dict[str, Any]:
    """The items of the page the query's cursor points at, from the whole list."""
    start = cursor_offset(query, kind)
    return window(items[start : start + query.limit + 1], query, kind, start)


def cursor_offset(query: ListQuery, kind: str) -> int:
    """Where the page the query asks for starts (0 without a cursor)."""
    return _cursor_offset(query.cursor, kind) if query.cursor else 0


def window(rows: Sequence[T], query: ListQuery, kind: str, start: int) -> dict[str, Any]:
    """A page from the rows fetched at `start`, one more than the limit when there are more."""
    more = len(rows) > query.limit
    return {
        "items": list(rows[: query.limit]),
        "next_cursor": cursor_for(kind, start + query.limit) if more else None,
    }


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="api-cursor")


def cursor_for(kind: str, offset: int) -> str:
    """The opaque cursor of the page of a list of this kind that starts at `offset`."""
    return _serializer().dumps([kind, offset])


def _cursor_offset(cursor: str, kind: str) -> int:
    # Signed, so that a cursor is opaque and a made-up one is refused rather than trusted.
    try:
        cursor_kind, offset = _serializer().loads(cursor)
    except (BadData, TypeError, ValueError):
        cursor_kind, offset = None, None
    if cursor_kind != kind or not isinstance(offset, int) or offset < 0:
        raise DomainError("This cursor is not valid here; start again without one.", "cursor")
    return offset


# Every operation may meet these: a bad cursor or CSRF token, no or a refused token, a role
# or a read-only token, an unknown object, a refused body, a rate limit.
COMMON_ERRORS = (400, 401, 403, 404, 413, 415, 422, 429)


def responses(writes: bool = False, **ok: Any) -> Response:
    """spectree's Response: the given successes (HTTP_200=Model) and every common error."""
    errors = {f"HTTP_{status}": ErrorBody for status in COMMON_ERRORS}
    if writes:
        errors["HTTP_409"] = ErrorBody
    return Response(**{**errors, **ok})
