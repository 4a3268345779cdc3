"""Verifying a page: one click with an optional note and date."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user

from wiki.errors import ValidationError
from wiki.processes import pages
from wiki.security import roles_required
from wiki.timeutil import utcnow
from wiki.verification import dependencies, services
from wiki.verification.health import TRUST_LINE, content_health, health_csv

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


@bp.get("/verification/health")
@roles_required("trainer", "manager", "admin")
def health():
    report = content_health(utcnow())
    if request.args.get("format") == "csv":
        return Response(
            health_csv(report),
            mimetype="text/csv",
            headers={"Content-Disposition": 'attachment; filename="content-health.csv"'},
        )
    return render_template(
        "verification/health.html",
        health=report,
        line=TRUST_LINE,
        dependency_marks=dependencies.open_marks(),
    )


@bp.post("/verification/dependencies/<int:mark_id>/dismiss")
def dismiss_dependency(mark_id: int):
    mark = dependencies.dismiss(current_user, mark_id)
    if mark is not None:
        flash(f"Marked as still right after “{mark.changed_page.title}” changed.", "success")
    if mark is not None and mark.page is not None:
        return redirect(url_for("processes.view", path=mark.page.path))
    return redirect(url_for("processes.home"))
