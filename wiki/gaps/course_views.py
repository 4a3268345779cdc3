"""Courses: the catalogue, a course's modules with the gaps to revise and the source pages."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from wiki.errors import ValidationError
from wiki.forms import form_response
from wiki.gaps import courses

bp = Blueprint("courses", __name__, url_prefix="/courses")


@bp.route("/", methods=["GET", "POST"])
def index():
    values = {key: request.form.get(key, "") for key in ("title", "description")}
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            course = courses.create_course(current_user, values["title"], values["description"])
        except ValidationError as refused:
            errors = refused.errors
        else:
            return redirect(url_for("courses.view", course_id=course.id))
    return form_response(
        "gaps/courses.html",
        errors,
        courses=courses.courses(),
        values=values,
        errors=errors,
        can_manage=courses.can_manage_courses(current_user),
    )


@bp.get("/<int(max=2147483647):course_id>")
def view(course_id: int):
    return _course_page(courses.get_course(course_id))


@bp.post("/<int(max=2147483647):course_id>/modules")
def add_module(course_id: int):
    course = courses.get_course(course_id)
    try:
        title, processes = request.form.get("module_title", ""), request.form.getlist("processes")
        courses.add_module(current_user, course, title, processes)
    except ValidationError as refused:
        chosen = {**request.form.to_dict(), "processes": processes}  # every one chosen
        return _course_page(course, chosen, refused.errors, 422)
    flash("Module added.", "success")
    return redirect(url_for("courses.view", course_id=course.id))


def _course_page(course, values: dict | None = None, errors: dict | None = None, status=200):
    return render_template(
        "gaps/course.html",
        course=course,
        material=[
            (module, courses.folded_gaps(module), courses.source_pages(module))
            for module in course.modules
        ],
        values=values or {},
        errors=errors or {},
        can_manage=courses.can_manage_courses(current_user),
    ), status
