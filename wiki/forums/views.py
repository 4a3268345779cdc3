"""User-group forums: the list, a forum with its members and meetings, recording a meeting,
and the gaps raised in it."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from wiki.auth import services as accounts
from wiki.errors import ValidationError
from wiki.forms import whole_number
from wiki.forums import services
from wiki.gaps.models import STATUSES
from wiki.gaps.services import GapDraft
from wiki.rendered import kept_html
from wiki.timeutil import utcnow

bp = Blueprint("forums", __name__, url_prefix="/forums")

ID = "int(max=2147483647)"


@bp.get("/")
def index():
    return _index_page()


@bp.post("/")
def create():
    values = request.form.to_dict()
    try:
        forum = services.create_forum(
            current_user,
            values.get("process", ""),
            values.get("name", ""),
            values.get("description", ""),
        )
    except ValidationError as refused:
        return _index_page(values, refused.errors, 422)
    flash(f"{forum.name} is open. Add its members.", "success")
    return redirect(url_for("forums.view", forum_id=forum.id))


def _index_page(values: dict | None = None, errors: dict | None = None, status: int = 200):
    forums = services.list_forums()
    return render_template(
        "forums/index.html",
        forums=forums,
        next_due={forum.id: services.next_meeting_due(forum) for forum in forums},
        today=utcnow().date(),
        can_manage=services.can_manage(current_user),
        values=values or {},
        errors=errors or {},
    ), status


@bp.get(f"/<{ID}:forum_id>")
def view(forum_id: int):
    return _forum_page(services.get_forum(forum_id))


@bp.post(f"/<{ID}:forum_id>/join")
def join(forum_id: int):
    forum = services.get_forum(forum_id)
    services.join(current_user, forum)
    flash(f"You are a member of {forum.name}.", "success")
    return redirect(url_for("forums.view", forum_id=forum.id))


@bp.post(f"/<{ID}:forum_id>/leave")
def leave(forum_id: int):
    forum = services.get_forum(forum_id)
    services.leave(current_user, forum)
    flash(f"You left {forum.name}.", "success")
    return redirect(url_for("forums.view", forum_id=forum.id))


@bp.post(f"/<{ID}:forum_id>/members")
def add_member(forum_id: int):
    forum = services.get_forum(forum_id)
    try:
        person = services.add_member(current_user, forum, whole_number(request.form.get("person")))
    except ValidationError as refused:
        return _forum_page(forum, member_values=request.form.to_dict(), errors=refused.errors)
    flash(f"{person.name} is a member now.", "success")
    return redirect(url_for("forums.view", forum_id=forum.id))


@bp.post(f"/<{ID}:forum_id>/members/<{ID}:user_id>/remove")
def remove_member(forum_id: int, user_id: int):
    forum = services.get_forum(forum_id)
    if services.remove_member(current_user, forum, user_id):
        flash("Removed from the forum.", "success")
    return redirect(url_for("forums.view", forum_id=forum.id))


@bp.post(f"/<{ID}:forum_id>/meetings")
def record_meeting(forum_id: int):
    forum = services.get_forum(forum_id)
    form = request.form
    draft = services.MeetingDraft(
        held_on=form.get("held_on", ""),
        attendee_ids=tuple(filter(None, map(whole_number, form.getlist("attendees")))),
        minutes=form.get("minutes", ""),
    )
    try:
        meeting = services.record_meeting(current_user, forum, draft)
    except ValidationError as refused:
        values = form.to_dict()
        values["attendees"] = form.getlist("attendees")
        return _forum_page(forum, meeting_values=values, errors=refused.errors)
    flash("Meeting recorded. Now record the gaps it raised, each with its owner.", "success")
    return redirect(url_for("forums.meeting", forum_id=forum.id, meeting_id=meeting.id))


def _forum_page(forum, meeting_values=None, member_values=None, errors=None):
    can_record = services.can_record(current_user, forum)
    members = sorted((member.user for member in forum.members), key=lambda user: user.name)
    outsiders = (
        [person for person in accounts.active_people() if person.id not in forum.member_ids()]
        if services.can_manage(current_user)
        else []
    )
    return render_template(
        "forums/forum.html",
        forum=forum,
        members=members,
        outsiders=outsiders,
        is_member=current_user.id in forum.member_ids(),
        can_record=can_record,
        can_manage=services.can_manage(current_user),
        next_due=services.next_meeting_due(forum),
        open_gaps=services.open_gap_count(forum),
        description_html=kept_html(forum, "description", "description_html"),
        meeting_values=meeting_values or {"held_on": utcnow().date().isoformat()},
        member_values=member_values or {},
        errors=errors or {},
    ), (422 if errors else 200)


@bp.get(f"/<{ID}:forum_id>/meetings/<{ID}:meeting_id>")
def meeting(forum_id: int, meeting_id: int):
    forum = services.get_forum(forum_id)
    return _meeting_page(services.get_meeting(forum, meeting_id))


@bp.post(f"/<{ID}:forum_id>/meetings/<{ID}:meeting_id>/gaps")
def record_gap(forum_id: int, meeting_id: int):
    meeting = services.get_meeting(services.get_forum(forum_id), meeting_id)
    form = request.form
    draft = GapDraft(
        title=form.get("title", ""),
        description=form.get("description", ""),
        process_path=form.get("process", ""),
        owner_id=whole_number(form.get("owner")),
        due_on=form.get("due_on", ""),
    )
    try:
        gap = services.record_gap(current_user, meeting, draft)
    except ValidationError as refused:
        return _meeting_page(meeting, form.to_dict(), refused.errors)
    flash(f"Gap {gap.id} recorded and planned for {gap.owner.name}.", "success")
    return redirect(url_for("forums.meeting", forum_id=forum_id, meeting_id=meeting.id))


def _meeting_page(meeting, values=None, errors=None):
    forum = meeting.forum
    can_record = services.can_record(current_user, forum)
    return render_template(
        "forums/meeting.html",
        forum=forum,
        meeting=meeting,
        minutes_html=kept_html(meeting, "minutes", "minutes_html"),
        statuses=STATUSES,
        can_record=can_record,
        people=accounts.active_people() if can_record else [],
        values=values or {"process": forum.process.path},
        errors=errors or {},
    ), (422 if errors else 200)
