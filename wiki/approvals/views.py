"""Change requests on the web: the approvers' list, a request with its rendered diff and the
decisions, a process's control (its approvers), and the auditor's CSV."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup

from wiki.approvals import rules, services
from wiki.approvals.models import APPROVED, OPEN
from wiki.approvals.rules import APPROVER_LEVELS
from wiki.auth import services as accounts
from wiki.errors import DomainError, ValidationError
from wiki.forms import form_response, whole_number
from wiki.people.models import LEVEL_LABELS
from wiki.processes import history, pages, rendered, tree

bp = Blueprint("approvals", __name__)
ID = "int(max=2147483647)"


@bp.get("/change-requests/")
def inbox():
    to_decide, own = services.inbox(current_user)
    return render_template("approvals/inbox.html", to_decide=to_decide, own=own)


@bp.get(f"/change-requests/<{ID}:request_id>")
def view(request_id: int, errors: dict[str, str] | None = None, status: int = 200):
    change = services.get_request(request_id)
    page = change.page
    # A new page is shown against nothing: all of it is proposed.
    base = None if change.is_new_page else pages.get_revision(page, change.base_revision)
    proposed = pages.preview_html(change.process, change.body, page)
    changes, changed_blocks = rendered.rendered_diff(
        pages.rendered_html(base) if base else Markup(""), proposed
    )
    lines = history.diff_texts(
        f"# {base.title}\n\n{base.body}" if base else "",
        f"# {change.title}\n\n{change.body}",
        f"revision {base.number}" if base else "nothing yet", "proposed",
    )  # fmt: skip
    return render_template(
        "approvals/request.html", change=change, page=page, base=base, changes=changes,
        changed_blocks=changed_blocks, lines=lines, errors=errors or {},
        values=request.form, may_decide=change.state == OPEN
        and rules.may_decide(current_user, change),
        approvers=rules.approvers(change) if change.waiting else [],
    ), status  # fmt: skip


@bp.post(f"/change-requests/<{ID}:request_id>/decide")
def decide(request_id: int):
    change = services.get_request(request_id)
    decision = request.form.get("decision")
    comment = request.form.get("comment", "")
    try:
        if decision == "approve":
            services.approve(current_user, change)
        elif decision == "ask":
            services.ask_for_changes(current_user, change, comment)
        elif decision == "reject":
            services.reject(current_user, change, comment)
        else:
            raise ValidationError({"decision": "Choose approve, ask for changes or reject."})
    except ValidationError as error:
        return view(request_id, error.errors, 422)
    except services.RequestConflict as error:
        flash(error.message, "error")
        return view(request_id, {}, error.status_code)
    flash((_DECIDED_NEW_PAGE if change.is_new_page else _DECIDED)[change.state], "success")
    if change.state == APPROVED:
        return redirect(url_for("processes.view", path=change.page.path))
    return redirect(url_for("approvals.view", request_id=change.id))


_DECIDED = {
    "approved": "Approved: the page shows the change now.",
    "changes_asked": "Sent back to its author with your comment.",
    "rejected": "Rejected: the page stays as it was.",
}
_DECIDED_NEW_PAGE = {
    "approved": "Approved: the new page is published.",
    "changes_asked": "Sent back to its author with your comment.",
    "rejected": "Rejected: no page was created.",
}


@bp.route("/p/<path:path>/+control", methods=["GET", "POST"])
def control(path: str):
    process = tree.get_process(path)
    if not tree.can_manage_processes(current_user):
        abort(403)
    current = rules.governing_control(process)
    own = current if current is not None and current.process_id == process.id else None
    errors: dict[str, str] = {}
    values = {
        "approvers": [str(person.id) for person in own.approvers] if own else [],
        "expert_level": (own.expert_level or "") if own else "",
    }
    if request.method == "POST":
        values = {
            "approvers": request.form.getlist("approvers"),
            "expert_level": request.form.get("expert_level", ""),
        }
        try:
            if request.form.get("action") == "remove":
                rules.remove_control(current_user, process)
                flash(f"{process.name} is no longer controlled by itself.", "success")
            else:
                rules.set_control(
                    current_user, process, _people(values["approvers"]),
                    values["expert_level"] or None,
                )  # fmt: skip
                flash(f"Pages in {process.name} and below change once approved.", "success")
        except ValidationError as error:
            errors = error.errors
        else:
            return redirect(url_for("processes.view", path=process.path))
    return form_response(
        "approvals/control.html", errors, process=process, own=own, inherited=current
        if own is None else None, values=values, errors=errors, people=accounts.list_users(),
        levels={level: LEVEL_LABELS[level] for level in APPROVER_LEVELS},
    )  # fmt: skip


def _people(ids: list[str]) -> list:
    chosen = []
    for raw in ids:
        person = accounts.get_user(whole_number(raw) or 0)
        if person is None or not person.active:
            raise ValidationError({"approvers": "Choose active people as approvers."})
        chosen.append(person)
    return chosen


@bp.get("/change-requests/audit.csv")
def audit_csv():
    try:
        since = date.fromisoformat(request.args.get("from", ""))
        until = date.fromisoformat(request.args.get("to", ""))
    except ValueError:
        return "Give the period as ?from=YYYY-MM-DD&to=YYYY-MM-DD.\n", 400, _TEXT
    try:
        text = services.audit_csv(current_user, since, until)
    except DomainError as error:
        return f"{error.message}\n", error.status_code, _TEXT
    name = f"approvals-{since.isoformat()}-{until.isoformat()}.csv"
    return text, 200, {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": f"attachment; filename={name}",
    }  # fmt: skip


_TEXT = {"Content-Type": "text/plain; charset=utf-8"}
