"""The glossary screens: every term with its other words and definition, and (for trainers
and admins) adding, changing and removing terms."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from wiki.errors import ValidationError
from wiki.forms import form_response
from wiki.glossary import services
from wiki.glossary.forms import TermDraft
from wiki.security import roles_required

bp = Blueprint("glossary", __name__, url_prefix="/glossary")

ID = "int(max=2147483647)"


@bp.get("/")
def index():
    return render_template(
        "glossary/index.html", terms=services.list_terms(), can_edit=services.can_edit(current_user)
    )


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*services.EDITORS)
def create():
    return _edit(None)


@bp.route(f"/<{ID}:term_id>/edit", methods=["GET", "POST"])
@roles_required(*services.EDITORS)
def edit(term_id: int):
    return _edit(services.get_term(term_id))


@bp.post(f"/<{ID}:term_id>/delete")
@roles_required(*services.EDITORS)
def delete(term_id: int):
    term = services.get_term(term_id)
    services.delete_term(current_user, term)
    flash(f"“{term.term}” is no longer in the glossary.", "success")
    return redirect(url_for(".index"))


def _edit(term):
    if request.method == "GET":
        values = (
            {"term": term.term, "synonyms": term.synonyms, "definition": term.definition}
            if term
            else {}
        )
        return form_response("glossary/edit.html", None, term=term, values=values, errors={})
    draft = TermDraft.from_form(request.form)
    try:
        saved = services.save_term(current_user, draft, term)
    except ValidationError as refused:
        values = request.form.to_dict()
        return form_response(
            "glossary/edit.html", refused.errors, term=term, values=values, errors=refused.errors
        )
    flash(f"“{saved.term}” is saved; search looks for its other words from now on.", "success")
    return redirect(url_for(".index", _anchor=f"term-{saved.id}"))
