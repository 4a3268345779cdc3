"""Admin screens for people: list, create or invite, edit roles, deactivate."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from wiki.auth import services
from wiki.auth.models import ROLES
from wiki.errors import DomainError, ValidationError
from wiki.forms import form_response
from wiki.security import roles_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@roles_required("admin")
def require_admin() -> None:
    return None


def _person_form() -> tuple[services.PersonForm, dict[str, str]]:
    errors: dict[str, str] = {}
    start_text = request.form.get("start_date", "").strip()
    start_date = None
    if start_text:
        try:
            start_date = date.fromisoformat(start_text)
        except ValueError:
            errors["start_date"] = "Enter the start date as YYYY-MM-DD."
    form = services.PersonForm(
        email=request.form.get("email", ""),
        name=request.form.get("name", ""),
        roles=tuple(request.form.getlist("roles")),
        job_title=request.form.get("job_title", ""),
        start_date=start_date,
        # Only where the form offered the choice (an account company sign-in could link).
        company_link_allowed=request.form.get("company_link_allowed") == "1"
        if request.form.get("company_link_offered")
        else None,
    )
    return form, errors


@bp.get("/users")
def users():
    return render_template("admin/users.html", users=services.list_users())


@bp.route("/users/new", methods=["GET", "POST"])
def new_user():
    errors: dict[str, str] = {}
    if request.method == "POST":
        form, errors = _person_form()
        password = request.form.get("password") or None
        if not errors:
            try:
                user = services.create_user(form, password=password)
            except ValidationError as error:
                errors = error.errors
            else:
                if password is None:
                    token = services.invite(user, current_user)
                    flash(f"{user.name} is invited. Send them this link.", "success")
                    return render_template(
                        "admin/invited.html",
                        user=user,
                        link=url_for("auth.accept_invitation", token=token, _external=True),
                    )
                flash(f"{user.name} can now log in.", "success")
                return redirect(url_for("admin.users"))
    return form_response(
        "admin/user_form.html", errors, user=None, roles=ROLES, errors=errors, values=request.form
    )


@bp.route("/users/<int(max=2147483647):user_id>", methods=["GET", "POST"])
def edit_user(user_id: int):
    user = services.get_user(user_id)
    errors: dict[str, str] = {}
    if request.method == "POST":
        form, errors = _person_form()
        if not errors:
            try:
                services.update_user(current_user, user, form)
            except ValidationError as error:
                errors = error.errors
            else:
                flash(f"Saved {user.name}.", "success")
                return redirect(url_for("admin.users"))
    values = request.form if request.method == "POST" else None
    return form_response(
        "admin/user_form.html",
        errors,
        user=user,
        roles=ROLES,
        errors=errors,
        values=values,
        company_link=_company_link_offered(user),
    )


def _company_link_offered(user) -> bool:
    """Whether the admin may let company sign-in take this account over by its email: with a
    company sign-in configured that it is not linked to yet, and never the break-glass one."""
    config = current_app.config
    unlinked = (config["LDAP_URL"] and user.directory_dn is None) or (
        config["OIDC_ISSUER"] and user.oidc_subject is None
    )
    return bool(unlinked) and user.email != services.break_glass_email()


@bp.post("/users/<int(max=2147483647):user_id>/active")
def set_active(user_id: int):
    user = services.get_user(user_id)
    active = request.form.get("active") == "1"
    try:
        services.set_active(current_user, user, active)
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(f"{user.name} is {'active' if active else 'deactivated'}.", "success")
    return redirect(url_for("admin.users"))


@bp.post("/users/<int(max=2147483647):user_id>/invitation")
def reinvite(user_id: int):
    user = services.get_user(user_id)
    token = services.invite(user, current_user)
    return render_template(
        "admin/invited.html",
        user=user,
        link=url_for("auth.accept_invitation", token=token, _external=True),
    )
