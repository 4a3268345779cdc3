"""Views for the home page, the process tree and the lists across it."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from wiki.buddies.models import ITEM_KIND_LABELS
from wiki.errors import DomainError, ValidationError
from wiki.forms import form_response, whole_number
from wiki.homes.services import home_for
from wiki.processes import editor_views, history, page_parts, page_views, reading_views, tree
from wiki.processes.blueprint import bp
from wiki.processes.models import Process
from wiki.questions.listing import recent_in_process
from wiki.timeutil import utcnow
from wiki.verification import dependencies
from wiki.watching import services as watching

__all__ = ["bp", "editor_views", "page_views"]  # they register their routes on bp


@bp.get("/")
def home():
    now = utcnow()
    return render_template(
        "processes/home.html",
        roots=tree.process_tree(),
        changes=history.recent_changes(limit=10),
        my_reviews=history.pages_due_for_review(owner_id=current_user.id)[:10],
        my_dependency_marks=dependencies.marks_owned_by(current_user, limit=10),
        # Each person's own work first, one block per role they hold.
        home=home_for(current_user, now),
        today=now.date(),
        kinds=ITEM_KIND_LABELS,
    )


@bp.get("/p/<path:path>")
def view(path: str):
    viewer = current_user if current_user.is_authenticated else None
    page_and_watch = watching.page_with_watch(path, viewer)  # a page view's one statement
    if page_and_watch is not None:
        return reading_views.show_page(*page_and_watch)
    found = tree.resolve_beyond_pages(path.strip("/"))
    if isinstance(found, Process):
        return _show_process(found)
    if isinstance(found, str):
        return redirect(url_for("processes.view", path=found), 301)
    abort(404)


def _show_process(process: Process):
    return render_template(
        "processes/process.html",
        process=process,
        description=tree.description_html(process),
        page_counts=tree.page_counts(process.children),
        screen=tree.pages_screen(process, whole_number(request.args.get("page")) or 1),
        can_manage=tree.can_manage_processes(current_user),
        questions=recent_in_process(current_user, process),
        experts=page_parts.experts_part(process, utcnow().date()),
    )


@bp.route("/processes/new", methods=["GET", "POST"])
def new_process():
    parent = tree.get_process(request.values["parent"]) if request.values.get("parent") else None
    tree.require_process_manager(current_user)
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            process = tree.create_process(
                current_user,
                name=request.form.get("name", ""),
                parent=parent,
                slug=request.form.get("slug", ""),
                description=request.form.get("description", ""),
            )
        except ValidationError as error:
            errors = error.errors
        else:
            flash(f"Created the process “{process.name}”.", "success")
            return redirect(url_for("processes.view", path=process.path))
    return form_response(
        "processes/process_form.html",
        errors,
        process=None,
        parent=parent,
        errors=errors,
        values=request.form,
    )


@bp.route("/p/<path:path>/+settings", methods=["GET", "POST"])
def edit_process(path: str):
    process = tree.get_process(path)
    tree.require_process_manager(current_user)
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            tree.update_process(
                current_user,
                process,
                name=request.form.get("name", ""),
                slug=request.form.get("slug", ""),
                description=request.form.get("description", ""),
            )
        except ValidationError as error:
            errors = error.errors
        else:
            flash(f"Saved “{process.name}”.", "success")
            return redirect(url_for("processes.view", path=process.path))
    values = request.form if request.method == "POST" else None
    return form_response(
        "processes/process_form.html",
        errors,
        process=process,
        parent=process.parent,
        errors=errors,
        values=values,
    )


@bp.route("/p/<path:path>/+move-process", methods=["GET", "POST"])
def move_process(path: str):
    process = tree.get_process(path)
    tree.require_process_manager(current_user)
    error_message = None
    if request.method == "POST":
        target = request.form.get("parent", "")
        try:
            new_parent = tree.get_process(target) if target else None
            tree.move_process(current_user, process, new_parent)
        except DomainError as error:
            error_message = error.message
        else:
            flash(f"Moved “{process.name}”.", "success")
            return redirect(url_for("processes.view", path=process.path))
    return form_response(
        "processes/move_process.html",
        error_message,
        process=process,
        error=error_message,
        selected=request.form.get("parent"),
    )


@bp.post("/p/<path:path>/+delete-process")
def delete_process(path: str):
    process = tree.get_process(path)
    parent_path = process.parent.path if process.parent else None
    try:
        tree.delete_process(current_user, process)
    except DomainError as error:
        if error.status_code == 403:
            raise
        flash(error.message, "error")
        return redirect(url_for("processes.view", path=process.path))
    flash(f"Deleted the process “{process.name}”.", "success")
    if parent_path:
        return redirect(url_for("processes.view", path=parent_path))
    return redirect(url_for("processes.home"))


@bp.get("/changes")
def changes():
    process = _process_filter()
    page_number = whole_number(request.args.get("page")) or 1
    size = current_app.config["PAGE_SIZE"]
    revisions = history.recent_changes(process, limit=size + 1, offset=(page_number - 1) * size)
    return render_template(
        "processes/changes.html", revisions=revisions[:size], process=process,
        page_number=page_number, has_more=len(revisions) > size,
    )  # fmt: skip


@bp.get("/changes.atom")
def changes_feed():
    process = _process_filter()
    revisions = history.recent_changes(process, limit=50)
    path = process.path if process else None
    body = render_template(
        "processes/changes.atom.xml",
        revisions=revisions,
        feed_title="Onramp: recent changes" + (f" in {process.name}" if process else ""),
        self_url=url_for(
            "processes.changes_feed", process=path, token=request.args.get("token"), _external=True
        ),
        home_url=url_for("processes.changes", process=path, _external=True),
    )
    return body, 200, {"Content-Type": "application/atom+xml; charset=utf-8"}


def _process_filter() -> Process | None:
    path = request.args.get("process", "").strip("/")
    return tree.get_process(path) if path else None


@bp.get("/reviews")
def reviews():
    return render_template("processes/reviews.html", pages=history.pages_due_for_review())


@bp.get("/tags/<tag>")
def tagged(tag: str):
    return render_template("processes/tagged.html", tag=tag, pages=history.pages_tagged(tag))
