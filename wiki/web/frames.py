"""Whole pages drawn once and shared, with slots for what is each reader's own (their CSRF
token, their corner of the header, a button), filled in per request by joining strings
instead of rendering the template again."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from flask import current_app, g
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

CSRF = "csrf"  # the slot every drawing has: the CSRF token in each of its forms


@dataclass(frozen=True)
class Frame:
    """A drawn page cut at its slots: text, a slot's name, text, ... (odd places are names)."""

    pieces: tuple[str, ...]

    def fill(self, slots: Mapping[str, str]) -> str:
        """The page with each slot's text put in (every slot but CSRF must be given), and this
        request's CSRF token (the session's, as a form drawn now would carry it)."""
        slots = {**slots, CSRF: str(escape(generate_csrf()))}
        return "".join(
            piece if place % 2 == 0 else slots[piece] for place, piece in enumerate(self.pieces)
        )


def draw_frame(render: Callable[[Callable[[str], Markup]], str]) -> Frame:
    """What render(mark) draws (a template, a macro), where mark(name) is what stands for slot
    name (put it where that slot's text goes), with the CSRF token as the slot CSRF.

    The marks carry a random word made for this drawing alone, which is where the page is cut:
    a page's own text (its body, its title) cannot hold it, so a writer cannot make a reader's
    token or name appear inside what they wrote."""
    word = secrets.token_hex(16)

    def mark(name: str) -> Markup:
        return Markup(f"{word}{name}{word}")

    # Flask-WTF keeps the request's signed token on g under the field's name and hands it to
    # every form the request draws: the drawing's forms get the mark instead.
    field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    own_token = g.pop(field, None)
    setattr(g, field, mark(CSRF))
    try:
        html = render(mark)
    finally:
        g.pop(field, None)
        if own_token is not None:
            setattr(g, field, own_token)
    return Frame(tuple(html.split(word)))
