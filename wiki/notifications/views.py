"""The bell: a person's notifications, marking them read, and how each kind reaches them."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from wiki.errors import ValidationError
from wiki.forms import form_response, whole_number
from wiki.notifications import services
from wiki.notifications.kinds import kinds_for
from wiki.notifications.models import DELIVERIES

bp = Blueprint("notifications", __name__, url_prefix="/notifications")

ID = "<int(max=2147483647):notification_id>"
DELIVERY_LABELS = {"immediate": "Mail at once", "digest": "Daily digest", "off": "No mail"}


@bp.get("/")
def index():
    unread_only = request.args.get("show") == "unread"
    page_number = whole_number(request.args.get("page")) or 1
    size = current_app.config["PAGE_SIZE"]
    items = services.notifications_of(
        current_user, unread_only=unread_only, limit=size + 1, offset=(page_number - 1) * size
    )
    return render_template(
        "notifications/index.html",
        items=items[:size],
        has_more=len(items) > size,
        page_number=page_number,
        unread_only=unread_only,
    )


@bp.post(f"/{ID}/open")
def open_one(notification_id: int):
    notification = services.mark_read(current_user, notification_id)
    # Only the app's own paths: a notification never sends anyone elsewhere.
    target = notification.url
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("notifications.index")
    return redirect(target)


@bp.post(f"/{ID}/read")
def read_one(notification_id: int):
    services.mark_read(current_user, notification_id)
    return redirect(url_for("notifications.index", show=request.form.get("show") or None))


@bp.post("/read-all")
def read_all():
    count = services.mark_all_read(current_user)
    flash(f"Marked {count} notification{'s' if count != 1 else ''} as read.", "success")
    return redirect(url_for("notifications.index"))


@bp.route("/preferences", methods=["GET", "POST"])
def preferences():
    choices = services.deliveries_of(current_user)
    errors: dict[str, str] = {}
    if request.method == "POST":
        # A kind left out of the form keeps its current delivery.
        choices = {kind: request.form.get(kind, choices[kind]) for kind in choices}
        try:
            services.save_deliveries(current_user, choices)
        except ValidationError as refused:
            errors = refused.errors
        else:
            flash("Saved how your notifications reach you.", "success")
            return redirect(url_for("notifications.preferences"))
    return form_response(
        "notifications/preferences.html",
        errors,
        choices=choices,
        errors=errors,
        kinds=kinds_for(current_user.roles),
        deliveries=DELIVERIES,
        delivery_labels=DELIVERY_LABELS,
        mail_enabled=current_app.config["MAIL_ENABLED"],
    )
