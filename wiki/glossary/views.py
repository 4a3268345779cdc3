"""The glossary screens: every term with its other words and definition, and (for trainers
and admins) adding, changing and removing terms; the registry of ERP codes and their pages."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from wiki.errors import ValidationError
from wiki.forms import form_response
from wiki.glossary import services
from wiki.glossary.forms import TermDraft
from wiki.search import codes
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


@bp.get("/codes")
def code_registry():
    return _registry(None, {})


@bp.post("/codes/<code>")
@roles_required(*codes.EDITORS)
def choose_code_page(code: str):
    try:
        entry = codes.choose_page(current_user, code, request.form.get("page", ""))
    except ValidationError as refused:
        return _registry(code, refused.errors)
    chosen = f"“{entry.page.title}”" if entry.page else "no page"
    flash(f"A search for {entry.code} now shows {chosen} first.", "success")
    return redirect(url_for(".code_registry", _anchor=f"code-{entry.code}"))


def _registry(refused_code: str | None, errors: dict[str, str]):
    return form_response(
        "glossary/codes.html",
        errors,
        entries=codes.list_codes(),
        can_choose=codes.can_choose(current_user),
        refused_code=refused_code,
        errors=errors,
    )
