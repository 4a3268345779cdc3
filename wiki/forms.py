"""Answering a form: its page again, with 422 when input was refused, so nothing typed is lost."""

from __future__ import annotations

from typing import Any

from flask import render_template


def form_response(template: str, refused: dict[str, str] | str | None, **context: Any):
    """Render a form's page; `refused` (the errors, if any) makes the status 422."""
    return render_template(template, **context), (422 if refused else 200)
