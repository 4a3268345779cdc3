"""Buddies: assigning them, each newcomer's plan, introductions, the buddy's dashboard, the
manager's view of the team, and the plan templates."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from wiki.auth import services as accounts
from wiki.auth.models import User
from wiki.buddies import access, dashboard, introductions, plans, services
from wiki.buddies.models import DEFAULT_ASSIGNMENT_DAYS, ITEM_KIND_LABELS
from wiki.errors import ValidationError
from wiki.extensions import db
from wiki.forms import form_response, whole_number
from wiki.security import roles_required
from wiki.timeutil import utcnow

bp = Blueprint("buddies", __name__, url_prefix="/buddies")
# For the plan's "meet an expert" items, wherever a plan is shown.
bp.add_app_template_global(introductions.expert_to_meet, "expert_to_meet")

ID = "int(max=2147483647)"


@bp.get("/")
def board():
    now = utcnow()
    return render_template(
        "buddies/board.html",
        summaries=dashboard.newcomers_of(current_user, now),
        today=now.date(),
        can_assign=access.can_assign(current_user),
    )


@bp.get("/team")
@roles_required("admin", "manager")
def team():
    now = utcnow()
    return render_template("buddies/team.html", team=dashboard.team_overview(now), today=now.date())


@bp.route("/assign", methods=["GET", "POST"])
@roles_required("admin", "manager")
def assign():
    values = {
        "newcomer": request.values.get("newcomer", ""),
        "buddy": request.values.get("buddy", ""),
        "starts_on": request.values.get("starts_on", ""),
        "ends_on": request.values.get("ends_on", ""),
        "template": request.values.get("template", ""),
    }
    errors: dict[str, str] = {}
    if request.method == "POST":
        draft = services.AssignmentDraft(
            newcomer_id=whole_number(values["newcomer"]),
            buddy_id=whole_number(values["buddy"]),
            starts_on=values["starts_on"],
            ends_on=values["ends_on"],
            template_id=whole_number(values["template"]),
        )
        try:
            assignment = services.assign_buddy(current_user, draft)
        except ValidationError as refused:
            errors = refused.errors
        else:
            flash(
                f"{assignment.buddy.name} is {assignment.newcomer.name}'s buddy until "
                f"{assignment.ends_on.isoformat()}. Both have been told.",
                "success",
            )
            return redirect(url_for("buddies.newcomer", person_id=assignment.newcomer_id))
    people = accounts.active_people()
    return form_response(
        "buddies/assign.html",
        errors,
        values=values,
        errors=errors,
        newcomers=[person for person in people if person.is_newcomer],
        people=people,
        templates=plans.templates(),
        default_days=DEFAULT_ASSIGNMENT_DAYS,
    )


@bp.get(f"/newcomers/<{ID}:person_id>")
def newcomer(person_id: int):
    person = _newcomer_to_follow(person_id)
    return _plan_page(person)


@bp.post(f"/newcomers/<{ID}:person_id>/items")
def add_item(person_id: int):
    person = _newcomer_to_follow(person_id)
    values = request.form.to_dict()
    try:
        plans.add_item(current_user, person, _item_draft())
    except ValidationError as refused:
        return _plan_page(person, values, refused.errors, 422)
    flash("Added to the plan.", "success")
    return redirect(url_for("buddies.newcomer", person_id=person.id, _anchor="plan"))


@bp.post(f"/items/<{ID}:item_id>/done")
def item_done(item_id: int):
    item = plans.get_item(current_user, item_id)
    plans.set_done(current_user, item, request.form.get("done") == "yes")
    return redirect(_back_to(item.newcomer_id))


@bp.post(f"/items/<{ID}:item_id>/due")
def item_due(item_id: int):
    item = plans.get_item(current_user, item_id)
    try:
        plans.reschedule(current_user, item, request.form.get("due", ""))
    except ValidationError as refused:
        flash(refused.message, "error")
    return redirect(url_for("buddies.newcomer", person_id=item.newcomer_id, _anchor="plan"))


@bp.post(f"/items/<{ID}:item_id>/delete")
def item_delete(item_id: int):
    item = plans.get_item(current_user, item_id)
    newcomer_id = item.newcomer_id
    plans.remove_item(current_user, item)
    flash("Removed from the plan.", "success")
    return redirect(url_for("buddies.newcomer", person_id=newcomer_id, _anchor="plan"))


@bp.route(f"/newcomers/<{ID}:person_id>/introduce", methods=["GET", "POST"])
def introduce(person_id: int):
    person = _newcomer_to_follow(person_id)
    if not introductions.can_introduce(current_user, person, utcnow().date()):
        abort(403)
    values = {key: request.values.get(key, "") for key in ("expert", "process", "note")}
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            introductions.introduce(
                current_user,
                person,
                whole_number(values["expert"]),
                values["process"],
                values["note"],
            )
        except ValidationError as refused:
            errors = refused.errors
        else:
            flash("Introduced. Both have been told.", "success")
            return redirect(url_for("buddies.newcomer", person_id=person.id))
    people = db.session.scalars(
        select(User).where(User.active, User.id != person.id).order_by(User.name)
    ).all()
    return form_response(
        "buddies/introduce.html",
        errors,
        newcomer=person,
        values=values,
        errors=errors,
        people=people,
    )


@bp.post(f"/introductions/<{ID}:introduction_id>/met")
def met(introduction_id: int):
    introduction = introductions.mark_met(current_user, introduction_id)
    flash(f"Noted that you met {introduction.expert.name}.", "success")
    return redirect(_back_to(current_user.id))


@bp.route("/templates", methods=["GET", "POST"])
def template_list():
    values = {key: request.form.get(key, "") for key in ("name", "audience")}
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            template = plans.create_template(current_user, values["name"], values["audience"])
        except ValidationError as refused:
            errors = refused.errors
        else:
            return redirect(url_for("buddies.template_view", template_id=template.id))
    return form_response(
        "buddies/templates.html",
        errors,
        templates=plans.templates(),
        values=values,
        errors=errors,
        can_manage=access.can_manage_templates(current_user),
    )


@bp.get(f"/templates/<{ID}:template_id>")
def template_view(template_id: int):
    return _template_page(plans.get_template(template_id))


@bp.post(f"/templates/<{ID}:template_id>/items")
def template_add_item(template_id: int):
    template = plans.get_template(template_id)
    try:
        plans.add_template_item(current_user, template, _item_draft())
    except ValidationError as refused:
        return _template_page(template, request.form.to_dict(), refused.errors, 422)
    flash("Added to the template.", "success")
    return redirect(url_for("buddies.template_view", template_id=template.id))


@bp.post(f"/templates/<{ID}:template_id>/items/<{ID}:item_id>/delete")
def template_remove_item(template_id: int, item_id: int):
    template = plans.get_template(template_id)
    plans.remove_template_item(current_user, template, item_id)
    flash("Removed from the template.", "success")
    return redirect(url_for("buddies.template_view", template_id=template.id))


def _item_draft() -> plans.ItemDraft:
    form = request.form
    return plans.ItemDraft(
        kind=form.get("kind", ""),
        title=form.get("title", ""),
        page_path=form.get("page", ""),
        process_path=form.get("process", ""),
        due=form.get("due", ""),
    )


def _newcomer_to_follow(person_id: int) -> User:
    person = db.session.get(User, person_id)
    if person is None or not access.can_follow(current_user, person, utcnow().date()):
        abort(404)
    return person


def _back_to(newcomer_id: int) -> str:
    if request.form.get("next") == "home":
        return url_for("processes.home")
    return url_for("buddies.newcomer", person_id=newcomer_id, _anchor="plan")


def _plan_page(person: User, values: dict | None = None, errors: dict | None = None, status=200):
    now = utcnow()
    return render_template(
        "buddies/newcomer.html",
        summary=dashboard.summary_for(person, now),
        history=services.assignments_of(person),
        today=now.date(),
        values=values or {"due": now.date().isoformat()},
        errors=errors or {},
        kinds=ITEM_KIND_LABELS,
        can_introduce=introductions.can_introduce(current_user, person, now.date()),
        can_assign=access.can_assign(current_user),
    ), status


def _template_page(template, values: dict | None = None, errors: dict | None = None, status=200):
    return render_template(
        "buddies/template.html",
        template=template,
        values=values or {"due": "1"},
        errors=errors or {},
        kinds=ITEM_KIND_LABELS,
        due_label=plans.due_label,
        can_manage=access.can_manage_templates(current_user),
    ), status
