"""People's profiles."""

from __future__ import annotations

from flask import Blueprint, render_template

from wiki.people import services

bp = Blueprint("people", __name__, url_prefix="/people")


@bp.get("/<int(max=2147483647):person_id>")
def profile(person_id: int):
    return render_template("people/profile.html", profile=services.get_profile(person_id))
