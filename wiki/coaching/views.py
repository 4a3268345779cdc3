"""Coaching: my sessions, recording one (after reviewing the pair's last plan), reading one."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from wiki.auth.models import User
from wiki.coaching import services
from wiki.coaching.models import REVIEW_LABELS
from wiki.errors import ValidationError
from wiki.extensions import db
from wiki.forms import form_response, whole_number
from wiki.timeutil import utcnow

bp = Blueprint("coaching", __name__, url_prefix="/coaching")

DEFAULT_ROWS = 3
MAX_ROWS = 12


@bp.get("/")
def index():
    return render_template("coaching/index.html", sessions=services.sessions_of(current_user))


@bp.get("/<int(max=2147483647):session_id>")
def view(session_id: int):
    session = services.get_session(current_user, session_id)
    return render_template(
        "coaching/view.html",
        session=session,
        reviewed=services.reviewed_in(session),
        review_labels=REVIEW_LABELS,
    )


@bp.post("/<int(max=2147483647):session_id>/answer")
def answer(session_id: int):
    session = services.get_session(current_user, session_id)
    accept = request.form.get("answer") == "accept"
    services.answer_session(current_user, session, accept)
    if accept:
        flash("Accepted: the session is in both your records.", "success")
        return redirect(url_for("coaching.view", session_id=session_id))
    flash("Declined: nothing is kept of that session.", "info")
    return redirect(url_for("coaching.index"))


@bp.route("/new", methods=["GET", "POST"])
def new():
    partner = _partner(request.values.get("with"))
    if partner is None:
        people = db.session.scalars(
            select(User).where(User.active, User.id != current_user.id).order_by(User.name)
        ).all()
        return render_template("coaching/choose.html", people=people)
    rows = min(MAX_ROWS, whole_number(request.form.get("rows")) or DEFAULT_ROWS)
    errors: dict[str, str] = {}
    if request.method == "POST" and "more" not in request.form:
        try:
            session = services.record_session(current_user, _draft(partner, rows))
        except ValidationError as refused:
            errors = refused.errors
        else:
            flash(f"Recorded. Only you and {partner.name} can read it.", "success")
            return redirect(url_for("coaching.view", session_id=session.id))
    if "more" in request.form:
        rows = min(MAX_ROWS, rows + 2)
    last = services.last_session_between(current_user, partner)
    # The roles swap: whoever was coached last time coaches this time.
    swapped = "client" if last and last.coach_id == current_user.id else "coach"
    values = request.form.to_dict() if request.method == "POST" else {"my_role": swapped}
    values.setdefault("held_on", utcnow().date().isoformat())
    return form_response(
        "coaching/form.html",
        errors,
        partner=partner,
        last=last,
        to_review=services.actions_to_review(current_user, partner),
        values=values,
        errors=errors,
        rows=rows,
        review_labels=REVIEW_LABELS,
    )


def _partner(text: str | None) -> User | None:
    person_id = whole_number(text)
    person = db.session.get(User, person_id) if person_id else None
    if person is None or not person.active or person.id == current_user.id:
        return None
    return person


def _draft(partner: User, rows: int) -> services.SessionDraft:
    form = request.form
    return services.SessionDraft(
        partner_id=partner.id,
        my_role=form.get("my_role", ""),
        held_on=form.get("held_on", ""),
        outcome_wanted=form.get("outcome_wanted", ""),
        situation=form.get("situation", ""),
        options=[
            services.OptionDraft(
                form.get(f"option-{n}-description", ""),
                form.get(f"option-{n}-pros", ""),
                form.get(f"option-{n}-cons", ""),
            )
            for n in range(1, rows + 1)
        ],
        actions=[
            services.ActionDraft(
                form.get(f"action-{n}-description", ""),
                form.get(f"action-{n}-owner", ""),
                form.get(f"action-{n}-due", ""),
            )
            for n in range(1, rows + 1)
        ],
        reviews=[
            services.ReviewDraft(
                action.id,
                form.get(f"review-{action.id}-status", ""),
                form.get(f"review-{action.id}-note", ""),
            )
            for action in services.actions_to_review(current_user, partner)
        ],
    )
