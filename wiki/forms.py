"""Answering a form: its page again, with 422 when input was refused, so nothing typed is lost."""

from __future__ import annotations

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


def form_response(template: str, refused: dict[str, str] | str | None, **context: Any):
    """Render a form's page; `refused` (the errors, if any) makes the status 422."""
    return render_template(template, **context), (422 if refused else 200)
