"""Verifying a page: one click with an optional note and date."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import current_user

from wiki.errors import ValidationError
from wiki.processes import pages
from wiki.verification import services

bp = Blueprint("verification", __name__)


@bp.post("/p/<path:path>/+verify")
def verify(path: str):
    page = pages.get_page(path)
    until_text = request.form.get("until", "").strip()
    try:
        try:
            until = date.fromisoformat(until_text) if until_text else None
        except ValueError:
            raise ValidationError({"until": "Give the date as YYYY-MM-DD."}) from None
        trust = services.verify(current_user, page, request.form.get("note", ""), until)
    except ValidationError as error:
        flash("Not verified: " + " ".join(error.errors.values()), "error")
    else:
        flash(f"Verified until {trust.verified_until.date().isoformat()}.", "success")
    return redirect(url_for("processes.view", path=page.path))
