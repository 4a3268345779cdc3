"""Personal access tokens on screen: a person's own, on their profile; everyone's, for admins."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from wiki.auth import tokens
from wiki.errors import ValidationError
from wiki.forms import form_response, whole_number
from wiki.security import roles_required, safe_next_path

bp = Blueprint("tokens", __name__)

TOKEN = "<int(max=2147483647):token_id>"


@bp.route("/account/tokens", methods=["GET", "POST"])
def own():
    errors: dict[str, str] = {}
    values = {"name": "", "access": "read", "days": str(tokens.DEFAULT_DAYS)}
    if request.method == "POST":
        values = {key: request.form.get(key, "") for key in values}
        days = whole_number(values["days"])
        try:
            if days is None:
                raise ValidationError({"days": f"A token lasts from 1 to {tokens.MAX_DAYS} days."})
            made = tokens.create_token(
                current_user, values["name"], write=values["access"] == "write", days=days
            )
        except ValidationError as refused:
            errors = refused.errors
        else:
            # Shown on this answer only, never again; nothing may keep a copy of the page.
            response = render_template("auth/token_created.html", made=made)
            return response, 200, {"Cache-Control": "no-store"}
    return form_response(
        "auth/tokens.html",
        errors,
        tokens=tokens.tokens_of(current_user),
        values=values,
        errors=errors,
        max_days=tokens.MAX_DAYS,
    )


@bp.post(f"/account/tokens/{TOKEN}/revoke")
def revoke(token_id: int):
    token = tokens.revoke_token(current_user, token_id)
    flash(f"The token “{token.name}” of {token.user.name} is revoked.", "success")
    return redirect(safe_next_path(request.form.get("next")) or url_for("tokens.own"))


@bp.get("/admin/tokens")
@roles_required("admin")
def everyone():
    return render_template("auth/all_tokens.html", tokens=tokens.all_tokens(current_user))
