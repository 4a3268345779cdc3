"""Comments on a page: write one or reply, resolve and reopen; each answers with the page."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import current_user

from wiki.comments import search_text as _search_text  # noqa: F401 (registers)
from wiki.comments import services
from wiki.errors import ValidationError
from wiki.forms import whole_number
from wiki.processes import pages

bp = Blueprint("comments", __name__)
ID = "int(max=2147483647)"


@bp.post("/p/<path:path>/+comments")
def add(path: str):
    page = pages.get_page(path)
    raw = request.form.get("reply_to")
    reply_to = (whole_number(raw) or 0) if raw else None  # 0: no such comment
    try:
        made = services.add_comment(
            current_user,
            page,
            request.form.get("body", ""),
            request.form.get("quote", ""),
            reply_to,
        )
    except ValidationError as error:
        flash(error.message, "error")
        return redirect(url_for("processes.view", path=page.path, _anchor="comments"))
    flash("Your comment is on the page.", "success")
    return redirect(url_for("processes.view", path=page.path, _anchor=f"comment-{made.id}"))


@bp.post(f"/comments/<{ID}:comment_id>/resolve")
def resolve(comment_id: int):
    thread = services.resolve(current_user, services.get_comment(comment_id))
    flash("The discussion is resolved.", "success")
    return redirect(url_for("processes.view", path=thread.page.path, _anchor="comments"))


@bp.post(f"/comments/<{ID}:comment_id>/reopen")
def reopen(comment_id: int):
    thread = services.reopen(current_user, services.get_comment(comment_id))
    flash("The discussion is open again.", "info")
    return redirect(
        url_for("processes.view", path=thread.page.path, _anchor=f"comment-{thread.id}")
    )
