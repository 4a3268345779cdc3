"""Admin screens for webhooks: /admin/webhooks lists endpoints with their recent deliveries,
adds, resumes and removes them, and sends a test event."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from wiki.errors import ValidationError
from wiki.security import roles_required
from wiki.webhooks import services
from wiki.webhooks.models import EVENTS

bp = Blueprint("webhooks", __name__, url_prefix="/admin/webhooks")
ID = "int(max=2147483647)"


@bp.before_request
@roles_required("admin")
def require_admin() -> None:
    return None


def _page(values: dict, errors: dict[str, str], secret: str | None = None, status: int = 200):
    return (
        render_template(
            "webhooks/list.html",
            endpoints=services.list_endpoints(),
            events=EVENTS,
            values=values,
            errors=errors,
            secret=secret,
        ),
        status,
    )


@bp.get("")
def index():
    return _page({}, {})


@bp.post("")
def add():
    draft = services.EndpointDraft(
        url=request.form.get("url", ""),
        events=request.form.getlist("events"),
        secret=request.form.get("secret", ""),
    )
    try:
        endpoint, secret = services.add_endpoint(current_user, draft)
    except ValidationError as refused:
        values = {"url": draft.url, "secret": draft.secret, "events": draft.events}
        return _page(values, refused.errors, status=422)
    flash(f"Added {endpoint.url}.", "success")
    return _page({}, {}, secret=secret)


@bp.post(f"/<{ID}:endpoint_id>/resume")
def resume(endpoint_id: int):
    services.resume(current_user, services.get_endpoint(endpoint_id))
    flash("Resumed: waiting deliveries go out now.", "success")
    return redirect(url_for("webhooks.index"))


@bp.post(f"/<{ID}:endpoint_id>/test")
def test(endpoint_id: int):
    services.send_test(current_user, services.get_endpoint(endpoint_id))
    flash("Test event queued: it is sent within seconds; reload to see how it went.", "info")
    return redirect(url_for("webhooks.index"))


@bp.post(f"/<{ID}:endpoint_id>/remove")
def remove(endpoint_id: int):
    services.remove_endpoint(current_user, services.get_endpoint(endpoint_id))
    flash("Removed, with its deliveries.", "info")
    return redirect(url_for("webhooks.index"))
