"""People: profiles, the expertise they declare, and the map of who knows which process."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from wiki.auth import tokens
from wiki.auth.models import User
from wiki.errors import ValidationError
from wiki.extensions import db
from wiki.forms import form_response
from wiki.people import declarations, services
from wiki.people.expertise_map import expertise_map, level_index
from wiki.people.models import AVAILABILITY_LABELS, LEVEL_LABELS, LEVELS

bp = Blueprint("people", __name__, url_prefix="/people")

PERSON = "<int(max=2147483647):person_id>"
EXPERTISE = "<int(max=2147483647):expertise_id>"


@bp.get(f"/{PERSON}")
def profile(person_id: int):
    found = services.get_profile(person_id, current_user)
    return render_template(
        "people/profile.html",
        profile=found,
        can_declare=declarations.can_declare_for(current_user, found.person),
        # Tokens are a person's own: shown on their own profile only.
        tokens=tokens.tokens_of(current_user) if found.person.id == current_user.id else None,
        level_labels=LEVEL_LABELS,
        availability_labels=AVAILABILITY_LABELS,
    )


@bp.get("/map")
def map_view():
    return render_template(
        "people/map.html",
        found=expertise_map(),
        level_index=level_index,
        levels=LEVELS,
        level_labels=LEVEL_LABELS,
    )


@bp.get("/me/expertise/new")
def add_own_expertise():
    """Where an experts panel with nobody in it invites its reader: one link for every reader
    (the panel is drawn once for all of them), on to the reader's own form."""
    process = request.args.get("process") or None
    return redirect(url_for("people.add_expertise", person_id=current_user.id, process=process))


@bp.route(f"/{PERSON}/expertise/new", methods=["GET", "POST"])
def add_expertise(person_id: int):
    person = _person_to_change(person_id)
    values = {"process": request.args.get("process", ""), "level": "practitioner"}
    if request.method == "GET" and values["process"]:
        # A process already declared opens its edit form, with the current values.
        declared = declarations.declared_in_path(person, values["process"])
        if declared is not None:
            return redirect(
                url_for("people.edit_expertise", person_id=person.id, expertise_id=declared.id)
            )
    return _expertise_form(person, None, values)


@bp.route(f"/{PERSON}/expertise/{EXPERTISE}", methods=["GET", "POST"])
def edit_expertise(person_id: int, expertise_id: int):
    person = _person_to_change(person_id)
    expertise = declarations.get_expertise(person, expertise_id)
    values = {
        "process": expertise.process.path,
        "level": expertise.level,
        "ask_me_about": expertise.ask_me_about,
        "availability": expertise.availability,
        "away_until": expertise.away_until.isoformat() if expertise.away_until else "",
    }
    return _expertise_form(person, expertise, values)


@bp.post(f"/{PERSON}/expertise/{EXPERTISE}/delete")
def remove_expertise(person_id: int, expertise_id: int):
    person = _person_to_change(person_id)
    expertise = declarations.get_expertise(person, expertise_id)
    name = expertise.process.name
    declarations.remove_expertise(current_user, person, expertise)
    flash(f"Removed the expertise in {name}.", "success")
    return redirect(url_for("people.profile", person_id=person.id))


def _person_to_change(person_id: int) -> User:
    person = db.session.get(User, person_id)
    if person is None:
        abort(404)
    if not declarations.can_declare_for(current_user, person):
        abort(403)
    return person


def _expertise_form(person: User, expertise, values: dict):
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = {key: request.form.get(key, "") for key in FORM_FIELDS}
        draft = declarations.ExpertiseDraft(
            process_path=values["process"],
            level=values["level"],
            ask_me_about=values["ask_me_about"],
            availability=values["availability"] or "available",
            away_until=values["away_until"],
        )
        try:
            saved = declarations.save_expertise(current_user, person, draft, expertise)
        except ValidationError as refused:
            errors = refused.errors
        else:
            flash(f"Saved: {LEVEL_LABELS[saved.level]} in {saved.process.name}.", "success")
            return redirect(url_for("people.profile", person_id=person.id))
    return form_response(
        "people/expertise_form.html",
        errors,
        person=person,
        expertise=expertise,
        values=values,
        errors=errors,
        levels=LEVELS,
        level_labels=LEVEL_LABELS,
        availability_labels=AVAILABILITY_LABELS,
    )


FORM_FIELDS = ("process", "level", "ask_me_about", "availability", "away_until")
