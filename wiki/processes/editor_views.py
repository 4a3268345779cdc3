"""The editor's requests made while someone writes (JSON for its script): live preview, the
page picker's titles, the person's draft, and files pasted into a page not saved yet."""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, request, url_for
from flask_login import current_user

from wiki.attachments import pending
from wiki.attachments import views as attachment_views
from wiki.errors import DomainError
from wiki.forms import whole_number
from wiki.processes import drafts, editing, tree
from wiki.processes.blueprint import bp
from wiki.processes.models import Page, Process


def _subject() -> tuple[Process, Page | None]:
    """The page being edited (form field "page", its path) or the process a new page is
    written in (field "process")."""
    found = tree.resolve_path(request.values.get("page") or request.values.get("process") or "")
    if isinstance(found, str):  # an editor opened before a rename or move
        found = tree.resolve_path(found)
    if isinstance(found, Page):
        return found.process, found
    if isinstance(found, Process):
        return found, None
    abort(404)


def _question_id() -> int | None:
    """A page made from a question's answer keeps its draft apart (field "question")."""
    return whole_number(request.values.get("question"))


@bp.post("/editor/preview")
def editor_preview():
    process, page = _subject()
    html = editing.preview(current_user, process, page, request.form.get("body", ""))
    return jsonify(html=str(html))


@bp.get("/editor/titles")
def editor_titles():
    process = tree.resolve_path(request.args.get("process", ""))
    matches = editing.find_titles(
        current_user, request.args.get("q", ""), process if isinstance(process, Process) else None
    )
    return jsonify(
        results=[
            {
                "title": match.title,
                "process": match.process_name,
                "url": url_for("processes.view", path=match.path),
                "link": match.link,
            }
            for match in matches
        ]
    )


@bp.post("/editor/draft")
def save_draft():
    process, page = _subject()
    saved_at = drafts.save_draft(
        current_user,
        page,
        process,
        request.form.get("title", ""),
        request.form.get("body", ""),
        whole_number(request.form.get("base_revision")),
        _question_id(),
    )
    return jsonify(saved_at=saved_at.isoformat(timespec="seconds") + "Z")


@bp.post("/editor/draft/discard")
def discard_draft():
    process, page = _subject()
    question_id = _question_id()
    drafts.discard_draft(current_user, page, process, question_id)
    if request.accept_mimetypes.best == "application/json":
        return jsonify(discarded=True)
    flash("The draft was discarded.", "success")
    if question_id is not None and page is None:
        return redirect(url_for("questions.new_page", question_id=question_id))
    if page is not None:
        return redirect(url_for("processes.edit", path=page.path))
    return redirect(url_for("processes.new_page", path=process.path))


@bp.post("/editor/upload")
def upload_pending():
    """A file pasted into a new page: kept for its uploader until the page is saved."""
    process, page = _subject()
    if page is not None:
        abort(404)  # a page's files go to its attachments
    upload = attachment_views.chosen_file()
    try:
        if upload is None:
            raise DomainError("Choose a file to upload.", "file")
        kept = pending.upload_pending(
            current_user, process, upload.filename or "", attachment_views.read_upload(upload)
        )
    except DomainError as error:
        return jsonify(error="Not stored", message=error.message), error.status_code
    return jsonify(name=kept.name, version=1, markdown=pending.reference_for(kept)), 201
