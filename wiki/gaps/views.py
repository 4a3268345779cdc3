"""Gaps: the list, logging one (similar open gaps first), "me too", and the lifecycle."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user

from wiki.auth import services as accounts
from wiki.errors import NotFound, ValidationError
from wiki.extensions import db
from wiki.forms import form_response, whole_number
from wiki.gaps import courses, services, subscriptions
from wiki.gaps.models import SOURCES, STATUSES, TRANSITIONS
from wiki.gaps.report import ReportFilters, build_report, cyclic_gc_paused
from wiki.gaps.report import report_csv as report_csv_text
from wiki.processes import tree
from wiki.processes.models import Page
from wiki.rendered import kept_html
from wiki.security import roles_required
from wiki.timeutil import utcnow

bp = Blueprint("gaps", __name__, url_prefix="/gaps")

ID = "int(max=2147483647)"
# How the search-miss and page offers name their source in the form's address.
SOURCE_PARAMETERS = {"search-miss": "search_miss", "page": "page_feedback"}


@bp.get("/")
def index():
    status = request.args.get("status", "")
    status = status if status in STATUSES else ""
    process = _process_or_none(request.args.get("process", "").strip("/"))
    return render_template(
        "gaps/index.html",
        gaps=services.list_gaps(status or None, process),
        counts=services.counts_by_status(),
        status=status,
        process_path=process.path if process else "",
        statuses=STATUSES,
        sources=SOURCES,
    )


@bp.route("/new", methods=["GET", "POST"])
def new():
    source = SOURCE_PARAMETERS.get(request.values.get("source", ""), "manual")
    values = {
        "title": request.values.get("title", ""),
        "description": request.values.get("description", ""),
        "process": request.values.get("process", "").strip("/"),
        "page": request.values.get("page", ""),
        "source": request.values.get("source", ""),
    }
    page_id = whole_number(values["page"])
    page = db.session.get(Page, page_id) if page_id else None
    if page is not None and not values["process"]:
        values["process"] = page.process.path
    errors: dict[str, str] = {}
    similar = []
    if request.method == "POST":
        process = _process_or_none(values["process"])
        similar = (
            []
            if request.form.get("confirm")
            else services.similar_open_gaps(values["title"], process)
        )
        if not similar:
            draft = services.GapDraft(
                title=values["title"],
                description=values["description"],
                process_path=values["process"],
                source=source,
                source_page_id=page.id if page else None,
                search_query=values["title"] if source == "search_miss" else "",
            )
            try:
                gap = services.log_gap(current_user, draft)
            except ValidationError as refused:
                errors = refused.errors
            else:
                flash("Logged. Trainers see it in the gap report.", "success")
                return redirect(url_for("gaps.view", gap_id=gap.id))
    return form_response(
        "gaps/new.html",
        errors,
        values=values,
        errors=errors,
        similar=similar,
        page=page,
    )


@bp.get("/following")
@roles_required("admin", "trainer")
def following():
    return _following_page()


@bp.post("/following")
@roles_required("admin", "trainer")
def follow():
    try:
        subscription = subscriptions.subscribe(current_user, request.form.get("process", ""))
    except ValidationError as refused:
        return _following_page(request.form.to_dict(), refused.errors, 422)
    flash(f"You will hear of each new gap in {subscription.process.name}.", "success")
    return redirect(url_for("gaps.following"))


@bp.post(f"/following/<{ID}:subscription_id>/remove")
@roles_required("admin", "trainer")
def unfollow(subscription_id: int):
    subscriptions.unsubscribe(current_user, subscription_id)
    flash("You no longer follow those gaps.", "success")
    return redirect(url_for("gaps.following"))


def _following_page(values: dict | None = None, errors: dict | None = None, status: int = 200):
    return render_template(
        "gaps/following.html",
        subscriptions=subscriptions.subscriptions_of(current_user),
        values=values or {"process": request.args.get("process", "")},
        errors=errors or {},
    ), status


@bp.get("/report")
@roles_required("admin", "trainer")
def report():
    filters = _report_filters()
    with cyclic_gc_paused():
        return render_template(
            "gaps/report.html",
            report=build_report(filters, utcnow()),
            filters=filters,
            statuses=STATUSES,
            sources=SOURCES,
            printable=request.args.get("print") == "1",
            arguments=_filter_arguments(filters),
        )


@bp.get("/report.csv")
@roles_required("admin", "trainer")
def report_csv():
    return Response(
        report_csv_text(_report_filters()),
        mimetype="text/csv",
        headers={
            "Content-Disposition": "attachment; filename=gaps.csv",
            "Content-Type": "text/csv; charset=utf-8",
        },
    )


def _report_filters() -> ReportFilters:
    args = request.args
    process_path = args.get("process", "").strip("/")
    if process_path and _process_or_none(process_path) is None:
        process_path = ""
    return ReportFilters(
        process_path=process_path,
        since=_day(args.get("since")),
        until=_day(args.get("until")),
        source=args.get("source", "") if args.get("source") in SOURCES else "",
        status=args.get("status", "") if args.get("status") in STATUSES else "",
    )


def _filter_arguments(filters: ReportFilters) -> dict[str, str]:
    """The filters as query parameters, for the CSV and printable links."""
    arguments = {
        "process": filters.process_path,
        "since": filters.since.isoformat() if filters.since else "",
        "until": filters.until.isoformat() if filters.until else "",
        "source": filters.source,
        "status": filters.status,
    }
    return {key: value for key, value in arguments.items() if value}


def _day(text: str | None):
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


@bp.get(f"/<{ID}:gap_id>")
def view(gap_id: int):
    gap = services.get_gap(gap_id)
    if gap.merged_into_id:
        flash(f"Gap {gap.id} was merged into this one.", "success")
        return redirect(url_for("gaps.view", gap_id=gap.merged_into_id))
    return _gap_page(gap)


@bp.post(f"/<{ID}:gap_id>/merge")
def merge(gap_id: int):
    gap = services.get_gap(gap_id)
    try:
        services.merge(current_user, gap, whole_number(request.form.get("other")))
    except ValidationError as refused:
        return _gap_page(gap, request.form.to_dict(), refused.errors, 422)
    flash("Merged: its people and history are here now.", "success")
    return redirect(url_for("gaps.view", gap_id=gap.id))


@bp.post(f"/<{ID}:gap_id>/me-too")
def me_too(gap_id: int):
    gap = services.get_gap(gap_id)
    if services.me_too(current_user, gap):
        flash("Noted: it affects you too.", "success")
    else:
        flash("You were already counted.", "success")
    return redirect(url_for("gaps.view", gap_id=gap.id))


@bp.post(f"/<{ID}:gap_id>/status")
def change_status(gap_id: int):
    gap = services.get_gap(gap_id)
    form = request.form
    change = services.Change(
        status=form.get("status", ""),
        owner_id=whole_number(form.get("owner")),
        due_on=form.get("due_on", ""),
        page_path=form.get("page", ""),
        module_id=whole_number(form.get("module")),
        reason=form.get("reason", ""),
    )
    try:
        services.change_status(current_user, gap, change)
    except ValidationError as refused:
        return _gap_page(gap, form.to_dict(), refused.errors, 422)
    flash(f"The gap is now {STATUSES[gap.status].lower()}.", "success")
    return redirect(url_for("gaps.view", gap_id=gap.id))


def _process_or_none(path: str):
    try:
        return tree.get_process(path) if path else None
    except NotFound:
        return None


def _gap_page(gap, values: dict | None = None, errors: dict | None = None, status: int = 200):
    can_change = services.can_change_status(current_user)
    people = accounts.active_people() if can_change else []
    return render_template(
        "gaps/view.html",
        gap=gap,
        description_html=kept_html(gap, "description", "description_html"),
        statuses=STATUSES,
        sources=SOURCES,
        next_statuses=TRANSITIONS[gap.status],
        can_change=can_change,
        people=people,
        modules=courses.modules() if can_change else [],
        values=values or {},
        errors=errors or {},
    ), status
