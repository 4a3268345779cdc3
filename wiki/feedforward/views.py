"""FeedForward screens: my requests and those asked of me, asking, suggesting, noting and
thanking."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from wiki.auth.models import User
from wiki.errors import ValidationError
from wiki.extensions import db
from wiki.feedforward import services
from wiki.forms import form_response, whole_number

bp = Blueprint("feedforward", __name__, url_prefix="/feedforward")

ID = "int(max=2147483647)"


@bp.get("/")
def index():
    return render_template(
        "feedforward/index.html", requests=services.requests_involving(current_user)
    )


@bp.route("/new", methods=["GET", "POST"])
def new():
    values = {"goal": request.form.get("goal", ""), "peers": request.form.getlist("peers")}
    errors: dict[str, str] = {}
    if request.method == "POST":
        peer_ids = filter(None, map(whole_number, values["peers"]))
        try:
            made = services.ask(current_user, values["goal"], peer_ids)
        except ValidationError as refused:
            errors = refused.errors
        else:
            flash("Asked. You will hear as ideas come in.", "success")
            return redirect(url_for("feedforward.view", request_id=made.id))
    people = db.session.scalars(
        select(User).where(User.active, User.id != current_user.id).order_by(User.name)
    ).all()
    return form_response(
        "feedforward/new.html", errors, values=values, errors=errors, people=people
    )


@bp.get(f"/<{ID}:request_id>")
def view(request_id: int):
    return _page(services.get_request(current_user, request_id))


@bp.post(f"/<{ID}:request_id>/suggestions")
def suggest(request_id: int):
    found = services.get_request(current_user, request_id)
    try:
        services.suggest(current_user, found, request.form.get("text", ""))
    except ValidationError as refused:
        return _page(found, {"text": request.form.get("text", "")}, refused.errors, 422)
    flash("Thank you: your idea is on its way.", "success")
    return redirect(url_for("feedforward.view", request_id=found.id))


@bp.post(f"/<{ID}:request_id>/decline")
def decline(request_id: int):
    services.decline(current_user, services.get_request(current_user, request_id))
    flash("Declined: the request is no longer on your list.", "info")
    return redirect(url_for("feedforward.index"))


@bp.post(f"/suggestions/<{ID}:suggestion_id>/note")
def note(suggestion_id: int):
    suggestion = services.own_suggestion(current_user, suggestion_id)
    try:
        services.note(current_user, suggestion, request.form.get("note", ""))
    except ValidationError as refused:
        flash(refused.message, "error")
    return redirect(
        url_for(
            "feedforward.view",
            request_id=suggestion.request_id,
            _anchor=f"suggestion-{suggestion.id}",
        )
    )


@bp.post(f"/suggestions/<{ID}:suggestion_id>/thank")
def thank(suggestion_id: int):
    suggestion = services.own_suggestion(current_user, suggestion_id)
    services.thank(current_user, suggestion)
    flash(f"Thanked {suggestion.giver.name}.", "success")
    return redirect(url_for("feedforward.view", request_id=suggestion.request_id))


def _page(found, values: dict | None = None, errors: dict | None = None, status: int = 200):
    return render_template(
        "feedforward/view.html",
        ff=found,
        suggestions=services.visible_suggestions(current_user, found),
        mine=current_user.id == found.requester_id,
        values=values or {},
        errors=errors or {},
    ), status
