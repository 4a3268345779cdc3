"""Answering a form: its page again, with 422 when input was refused, so nothing typed is lost."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import render_template

# Database integers are 32-bit signed: a larger number names nothing, and must not reach a query.
MAX_ID = 2**31 - 1


def whole_number(text: str | None) -> int | None:
    """A positive number that fits a database integer, or None."""
    # isdigit() alone also accepts "²" and other digits int() refuses.
    if text is None or not (text.strip().isascii() and text.strip().isdigit()):
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


DATE_FORMAT_MESSAGE = "Give the date as YYYY-MM-DD."


def date_field(
    text: str,
    errors: dict[str, str],
    field: str,
    *,
    missing: str | None = None,
    malformed: str = DATE_FORMAT_MESSAGE,
) -> date | None:
    """The date a form field gives as YYYY-MM-DD, or None.

    Empty is None, and an error under `field` when a `missing` message is given; a malformed
    date is None and the `malformed` error. A field that already has an error keeps it."""
    text = text.strip()
    if not text:
        if missing:
            errors.setdefault(field, missing)
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors.setdefault(field, malformed)
        return None


def form_response(template: str, refused: dict[str, str] | str | None, **context: Any):
    """Render a form's page; `refused` (the errors, if any) makes the status 422."""
    return render_template(template, **context), (422 if refused else 200)
