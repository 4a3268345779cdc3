"""Peer coaching groups: my groups and the program's figures, forming a group, accepting its
ground rules, recording and reading meetings."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from wiki.auth import services as accounts
from wiki.errors import ValidationError
from wiki.forms import form_response, whole_number
from wiki.peergroups import services
from wiki.peergroups.models import (
    DEFAULT_GROUND_RULES,
    FACILITATION,
    MAX_MEMBERS,
    MIN_MEMBERS,
    OUTCOMES,
)
from wiki.timeutil import utcnow

bp = Blueprint("groups", __name__, url_prefix="/groups")

ID = "int(max=2147483647)"


@bp.get("/")
def index():
    return render_template(
        "peergroups/index.html",
        groups=services.groups_of(current_user),
        figures=services.program_figures() if services.can_see_program(current_user) else None,
        can_form=services.can_form_groups(current_user),
        outcomes=OUTCOMES,
    )


@bp.route("/new", methods=["GET", "POST"])
def new():
    if not services.can_form_groups(current_user):
        abort(403)
    values = {
        "name": request.form.get("name", ""),
        "primary_outcome": request.form.get("primary_outcome", ""),
        "facilitation": request.form.get("facilitation", "rotating"),
        "external_facilitator": request.form.get("external_facilitator", ""),
        "ground_rules": request.form.get("ground_rules", DEFAULT_GROUND_RULES),
        "members": request.form.getlist("members"),
    }
    errors: dict[str, str] = {}
    if request.method == "POST":
        draft = services.GroupDraft(
            name=values["name"],
            primary_outcome=values["primary_outcome"],
            facilitation=values["facilitation"],
            external_facilitator=values["external_facilitator"],
            ground_rules=values["ground_rules"],
            member_ids=tuple(filter(None, map(whole_number, values["members"]))),
        )
        try:
            group = services.create_group(current_user, draft)
        except ValidationError as refused:
            errors = refused.errors
        else:
            flash(f"Formed “{group.name}”. Its members have been told.", "success")
            return redirect(url_for("groups.index"))
    people = accounts.active_people()
    return form_response(
        "peergroups/form.html",
        errors,
        values=values,
        errors=errors,
        people=people,
        outcomes=OUTCOMES,
        facilitation=FACILITATION,
        sizes=(MIN_MEMBERS, MAX_MEMBERS),
    )


@bp.get(f"/<{ID}:group_id>")
def view(group_id: int):
    group = services.get_group(current_user, group_id)
    return render_template(
        "peergroups/group.html",
        group=group,
        outcomes=OUTCOMES,
        facilitation=FACILITATION,
        window=services.next_meeting_window(group),
        figures=services.figures_for(group),
        accepted={m.user_id for m in group.members if m.accepted_rules_at},
    )


@bp.post(f"/<{ID}:group_id>/accept")
def accept(group_id: int):
    group = services.get_group(current_user, group_id)
    services.accept_rules(current_user, group)
    flash("You accepted the ground rules.", "success")
    return redirect(url_for("groups.view", group_id=group.id))


@bp.route(f"/<{ID}:group_id>/meetings/new", methods=["GET", "POST"])
def new_meeting(group_id: int):
    group = services.get_group(current_user, group_id)
    errors: dict[str, str] = {}
    values = request.form.to_dict() if request.method == "POST" else {}
    if request.method == "POST":
        try:
            meeting = services.record_meeting(current_user, group, _meeting_draft(group))
        except ValidationError as refused:
            errors = refused.errors
        else:
            flash("The meeting is recorded. Only the group's members can read it.", "success")
            return redirect(url_for("groups.meeting", group_id=group.id, meeting_id=meeting.id))
    suggested = services.next_facilitator(group)
    values.setdefault("held_on", utcnow().date().isoformat())
    values.setdefault("length_minutes", "120")
    values.setdefault("facilitator", str(suggested.id) if suggested else "")
    if request.method == "GET":
        values.update({f"member-{m.user_id}-present": "yes" for m in group.members})
    return form_response(
        "peergroups/meeting_form.html",
        errors,
        group=group,
        values=values,
        errors=errors,
        to_review=services.actions_to_review(group),
        members=sorted((m.user for m in group.members), key=lambda person: person.name),
    )


@bp.get(f"/<{ID}:group_id>/meetings/<{ID}:meeting_id>")
def meeting(group_id: int, meeting_id: int):
    group = services.get_group(current_user, group_id)
    found = services.get_meeting(current_user, group, meeting_id)
    return render_template("peergroups/meeting.html", group=group, meeting=found)


def _meeting_draft(group) -> services.MeetingDraft:
    form = request.form
    return services.MeetingDraft(
        held_on=form.get("held_on", ""),
        length_minutes=form.get("length_minutes", ""),
        facilitator_id=whole_number(form.get("facilitator")),
        closing=form.get("closing") == "yes",
        entries=[
            services.MemberEntry(
                user_id=member.user_id,
                present=form.get(f"member-{member.user_id}-present") == "yes",
                priority=form.get(f"member-{member.user_id}-priority", ""),
                action=form.get(f"member-{member.user_id}-action", ""),
                rating=form.get(f"member-{member.user_id}-rating", ""),
                comment=form.get(f"member-{member.user_id}-comment", ""),
            )
            for member in group.members
        ],
        reviews={
            earlier.id: form.get(f"review-{earlier.id}", "")
            for earlier in services.actions_to_review(group)
        },
    )
