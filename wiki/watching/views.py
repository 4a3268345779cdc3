"""Watching: the Watch buttons' target, the list at /watching, and the personal Atom feed."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from wiki.processes import tree
from wiki.processes.models import Page
from wiki.security import register_feed_reader
from wiki.watching import services

bp = Blueprint("watching", __name__)
ID = "int(max=2147483647)"


@bp.get("/watching")
def watching():
    return render_template(
        "watching/list.html",
        watches=services.watches_of(current_user),
        has_feed=services.has_feed_token(current_user),
        feed_url=None,
    )


@bp.post("/watching")
def watch():
    target = request.form.get("path", "").strip("/")
    found = tree.resolve_path(target)
    if isinstance(found, Page):
        services.watch(current_user, page=found)
    else:
        found = tree.get_process(target)  # 404 for anything else
        services.watch(current_user, process=found)
    flash(
        f"You are watching “{found.title if isinstance(found, Page) else found.name}”.", "success"
    )
    return redirect(url_for("processes.view", path=found.path))


@bp.post(f"/watching/<{ID}:watch_id>/remove")
def unwatch(watch_id: int):
    services.unwatch(current_user, watch_id)
    flash("You no longer watch it.", "info")
    back = request.form.get("back", "")
    if back:
        return redirect(url_for("processes.view", path=back))
    return redirect(url_for("watching.watching"))


@bp.post("/watching/feed")
def new_feed():
    token = services.new_feed_token(current_user)
    # One secret for all of the person's feeds; each reads as them, with their permissions.
    return render_template(
        "watching/list.html",
        watches=services.watches_of(current_user),
        has_feed=True,
        feed_url=url_for("watching.feed", token=token, _external=True),
        feed_urls=[
            ("Recent changes", url_for("processes.changes_feed", token=token, _external=True)),
            ("Questions", url_for("questions.feed", token=token, _external=True)),
        ],
    )


@bp.post("/watching/feed/stop")
def stop_feeds():
    services.stop_feeds(current_user)
    flash("Your feed addresses no longer work.", "info")
    return redirect(url_for("watching.watching"))


@bp.get("/watching.atom")
def feed():
    person = services.person_for_feed(request.args.get("token", ""))
    body = render_template(
        "processes/changes.atom.xml",
        revisions=services.watched_changes(person),
        feed_title=f"Onramp: what {person.name} watches",
        self_url=request.url,
        home_url=url_for("watching.watching", _external=True),
    )
    return body, 200, {"Content-Type": "application/atom+xml; charset=utf-8"}


def watch_of(target):
    """For templates: the current person's watch on this page or process, if any."""
    if not current_user.is_authenticated:
        return None
    if isinstance(target, Page):
        return services.watch_on(current_user, page=target)
    return services.watch_on(current_user, process=target)


def init_app(app) -> None:
    app.jinja_env.globals["watch_of"] = watch_of
    # The feeds of recent changes and of questions take the same token as the watch list.
    register_feed_reader(
        app, {"processes.changes_feed", "questions.feed"}, services.person_for_feed
    )
