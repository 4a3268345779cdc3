"""Views for pages: start, edit (with preview and conflicts), history, diff, revert, move."""

from __future__ import annotations

from dataclasses import replace

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from wiki.approvals import services as approvals
from wiki.attachments import pending
from wiki.attachments import services as attachments
from wiki.attachments import views as attachment_views
from wiki.attachments.names import markdown_reference
from wiki.auth import services as accounts
from wiki.errors import DomainError, ValidationError
from wiki.forms import form_response, whole_number
from wiki.processes import (
    drafts,
    editing,
    history,
    page_templates,
    pages,
    rendered,
    tree,
)
from wiki.processes.blueprint import bp
from wiki.processes.merge import merge_texts
from wiki.processes.models import Page
from wiki.verification import services as verification
from wiki.watching import services as watching


def _draft() -> pages.PageDraft:
    return pages.PageDraft(
        title=request.form.get("title", ""),
        body=request.form.get("body", ""),
        summary=request.form.get("summary", ""),
        tags=request.form.get("tags", ""),
        minor=request.form.get("minor") == "1",
    )


@bp.route("/p/<path:path>/+new", methods=["GET", "POST"])
def new_page(path: str):
    process = tree.get_process(path)
    templates = page_templates.templates_for(process)
    errors: dict[str, str] = {}
    preview = None
    values = {"title": request.args.get("title", ""), "body": "", "summary": "", "tags": ""}
    if "template" in request.args:
        template_id = whole_number(request.args.get("template")) or 0
        values["body"] = page_templates.get_template(template_id).body
    saved_draft = drafts.get_draft(current_user, None, process)
    # The author writes their new page again after an approver asked for changes.
    resumed = approvals.own_new_page_request(
        current_user, process, whole_number(request.args.get("request")) or 0
    )
    if request.method == "GET" and resumed is not None:
        values.update(title=resumed.title, body=resumed.body, summary=resumed.summary)
    if request.method == "GET" and saved_draft is not None and request.args.get("draft"):
        values.update(title=saved_draft.title, body=saved_draft.body)
        saved_draft = None
    if request.method == "POST":
        draft = _draft()
        values = request.form.to_dict()
        if request.form.get("action") == "cancel":
            drafts.discard_draft(current_user, None, process)
            return redirect(url_for("processes.view", path=process.path))
        if request.form.get("action") == "preview":
            preview = editing.preview(current_user, process, None, draft.body)
        else:
            try:
                page = pages.create_page(current_user, process, draft)
            except pages.NeedsApproval as held:
                return _open_new_page_request(process, draft, held, values, resumed)
            except ValidationError as error:
                errors = error.errors
            else:
                pending.adopt_pending(current_user, process, page, draft.body)
                drafts.discard_draft(current_user, None, process)
                _watch_if_asked(page)
                flash(f"Created “{page.title}”.", "success")
                return redirect(url_for("processes.view", path=page.path))
    return form_response(
        "processes/edit.html",
        errors,
        process=process,
        page=None,
        values=values,
        errors=errors,
        preview=preview,
        templates=templates,
        base_revision=None,
        draft_offer=drafts.draft_offer(saved_draft, "", values.get("body", "")),
        held=pages.needs_approval(current_user, process, None),
        form_action=url_for(
            "processes.new_page", path=process.path, request=resumed.id if resumed else None
        ),
    )


def _open_new_page_request(process, draft, held: pages.NeedsApproval, values, resumed=None):
    """The new page waits for approval: kept as a change request, nothing published yet."""
    try:
        change = approvals.open_new_page_request(
            current_user, process, draft, held.kind, resumed.id if resumed else None
        )
    except ValidationError as error:
        return form_response(
            "processes/edit.html", error.errors, process=process, page=None, values=values,
            errors=error.errors, preview=None, templates=[], base_revision=None,
            draft_offer=None, held=held, form_action=request.full_path,
        )  # fmt: skip
    drafts.discard_draft(current_user, None, process)
    flash(approvals.waiting_notice(change), "success")
    return redirect(url_for("approvals.view", request_id=change.id))


@bp.route("/p/<path:path>/+edit", methods=["GET", "POST"])
def edit(path: str):
    page = pages.get_page(path)
    errors: dict[str, str] = {}
    preview = None
    base_revision = page.latest_revision
    if request.method == "GET":
        latest = pages.latest_revision(page)
        tags = ", ".join(page.tags)
        values = {"title": page.title, "body": latest.body, "summary": "", "tags": tags,
                  "base_tags": tags}  # fmt: skip
        resumed = approvals.resumed_request(current_user, page)
        if resumed is not None:  # the person's own request waits: they go on with its text
            values.update(title=resumed.title, body=resumed.body, summary=resumed.summary)
        saved_draft = drafts.get_draft(current_user, page)
        if saved_draft is not None and request.args.get("draft"):
            # Restored on its own base: when the page changed since, saving meets the
            # conflict screen instead of undoing someone's work.
            values.update(title=saved_draft.title or page.title, body=saved_draft.body)
            base_revision = saved_draft.base_revision or base_revision
            saved_draft = None
        offer = drafts.draft_offer(saved_draft, latest.body, values["body"])
        return _edit_form(page, values, errors, preview, base_revision, draft_offer=offer)
    values = request.form.to_dict()
    if request.form.get("action") == "cancel":
        drafts.discard_draft(current_user, page)
        return redirect(url_for("processes.view", path=page.path))
    base_revision = whole_number(request.form.get("base_revision")) or 0
    draft = _draft()
    upload = attachment_views.chosen_file()
    if upload is not None or request.form.get("action") == "upload":
        try:
            draft = _with_upload(page, draft, upload)
        except DomainError as error:
            errors = {"file": error.message}
            return _edit_form(page, values, errors, preview, base_revision, error.status_code)
        values["body"] = draft.body
        if request.form.get("action") == "upload":
            # Without JavaScript: the file is stored, its reference is in the text; the
            # person goes on editing and saves when ready.
            flash("Uploaded. Its reference is at the end of the text: save to keep it.", "success")
            return _edit_form(page, values, errors, preview, base_revision)
    if request.form.get("action") == "preview":
        preview = pages.preview_html(page.process, draft.body, page)
        return _edit_form(page, values, errors, preview, base_revision)
    try:
        changed = pages.save_page(current_user, page, draft, base_revision)
    except pages.NeedsApproval as held:
        return _open_request(page, draft, base_revision, held, values)
    except pages.PageConflict as conflict:
        return _conflict(page, conflict, draft, values)
    except ValidationError as error:
        return _edit_form(page, values, error.errors, preview, base_revision, status=422)
    drafts.discard_draft(current_user, page)
    _watch_if_asked(page)
    flash("Saved." if changed else "Nothing changed, so no new revision was made.", "success")
    return redirect(url_for("processes.view", path=page.path))


def _open_request(page: Page, draft, base_revision: int, held: pages.NeedsApproval, values):
    """The edit waits for approval: kept as a change request; the page stays as it was."""
    try:
        change = approvals.open_request(current_user, page, draft, base_revision, held.kind)
    except ValidationError as error:
        return _edit_form(page, values, error.errors, None, base_revision, status=422)
    drafts.discard_draft(current_user, page)
    _watch_if_asked(page)
    flash(
        "Your change is kept as a change request: the page shows it once someone else approves it.",
        "success",
    )
    return redirect(url_for("approvals.view", request_id=change.id))


def _watch_if_asked(page: Page) -> None:
    """The editor offers to watch the page written; the box is ticked unless unticked."""
    if request.form.get("watch") == "1":
        watching.watch(current_user, page=page)


def _with_upload(page: Page, draft: pages.PageDraft, upload) -> pages.PageDraft:
    """Store the chosen file on the page and add its reference to the end of the text."""
    if upload is None:
        raise ValidationError({"file": "Choose a file to upload."})
    attachment = attachments.upload_attachment(
        current_user, page, upload.filename, attachment_views.read_upload(upload)
    )
    reference = markdown_reference(attachment.name, attachment.is_image)
    return replace(draft, body=f"{draft.body.rstrip()}\n\n{reference}\n".lstrip())


def _edit_form(page, values, errors, preview, base_revision, status=200, draft_offer=None):
    return render_template(
        "processes/edit.html", process=page.process, page=page, values=values, errors=errors,
        preview=preview, templates=[], base_revision=base_revision, draft_offer=draft_offer,
        held=pages.needs_approval(current_user, page.process, page),
    ), status  # fmt: skip


def _conflict(page: Page, conflict: pages.PageConflict, draft: pages.PageDraft, values):
    base_text = conflict.base.body if conflict.base else ""
    # Edits to different lines are merged for the editor, so that saving keeps both people's
    # work; the editor's own text stays on the screen either way.
    merged = merge_texts(base_text, conflict.latest.body, draft.body) if conflict.base else None
    current_tags = ", ".join(page.tags)
    values = {
        **values,
        "body": draft.body if merged is None else merged,
        # Keep their new title and tags unless this editor changed them too.
        "title": conflict.latest.title
        if conflict.base and draft.title == conflict.base.title
        else draft.title,
        "tags": current_tags
        if pages.parse_tags(draft.tags or "") == pages.parse_tags(values.get("base_tags", ""))
        else draft.tags,
        "base_tags": current_tags,
    }
    return render_template(
        "processes/conflict.html",
        page=page,
        process=page.process,
        conflict=conflict,
        their_change=history.diff_texts(base_text, conflict.latest.body, "before", "theirs"),
        your_change=history.diff_texts(base_text, draft.body, "before", "yours"),
        merged=merged is not None,
        your_text=draft.body,
        values=values,
        base_revision=conflict.latest.number,
        errors={},
    ), 409


@bp.get("/p/<path:path>/+history")
def page_history(path: str):
    page = pages.get_page(path)
    return render_template(
        "processes/history.html",
        page=page,
        revisions=history.page_history(page),
        steps=verification.steps_of(page),
        change_requests=approvals.requests_of_page(page),
    )


@bp.get("/p/<path:path>/+diff")
def diff(path: str):
    page = pages.get_page(path)
    newer = whole_number(request.args.get("to")) or page.latest_revision
    older = whole_number(request.args.get("from")) or max(newer - 1, 1)
    if older > newer:
        older, newer = newer, older
    old, new = pages.get_revision(page, older), pages.get_revision(page, newer)
    changes, changed_blocks = rendered.rendered_diff(
        pages.rendered_html(old), pages.rendered_html(new)
    )
    return render_template(
        "processes/diff.html", page=page, old=old, new=new,
        lines=history.diff_revisions(old, new), changes=changes, changed_blocks=changed_blocks,
        raw=request.args.get("view") == "raw",
    )  # fmt: skip


@bp.get("/p/<path:path>/+revert/<int(max=2147483647):number>")
def confirm_revert(path: str, number: int):
    """Revert asks first: what would come back, and a button that does it (no script needed)."""
    page = pages.get_page(path)
    old, current = pages.get_revision(page, number), pages.latest_revision(page)
    return render_template(
        "processes/revert.html", page=page, old=old, current=current,
        lines=history.diff_revisions(current, old),
    )  # fmt: skip


@bp.get("/p/<path:path>/+revision/<int(max=2147483647):number>")
def revision(path: str, number: int):
    page = pages.get_page(path)
    old = pages.get_revision(page, number)
    return render_template(
        "processes/revision.html", page=page, revision=old, html=pages.rendered_html(old)
    )


@bp.post("/p/<path:path>/+revert/<int(max=2147483647):number>")
def revert(path: str, number: int):
    page = pages.get_page(path)
    try:
        changed = pages.revert_page(current_user, page, number)
    except pages.NeedsApproval as held:
        old = pages.get_revision(page, number)
        draft = pages.PageDraft(old.title, old.body, f"Revert to revision {number}")
        return _open_request(page, draft, page.latest_revision, held, {})
    flash(
        f"Reverted to revision {number}." if changed else "That is already the current text.",
        "success",
    )
    return redirect(url_for("processes.view", path=page.path))


@bp.post("/p/<path:path>/+review")
def review(path: str):
    page = pages.get_page(path)
    pages.mark_reviewed(current_user, page)
    flash("Marked as reviewed today.", "success")
    return redirect(url_for("processes.view", path=page.path))


@bp.route("/p/<path:path>/+move", methods=["GET", "POST"])
def move(path: str):
    page = pages.get_page(path)
    error_message = None
    if request.method == "POST":
        try:
            pages.move_page(current_user, page, tree.get_process(request.form.get("process", "")))
        except DomainError as error:
            error_message = error.message
        else:
            flash(f"Moved “{page.title}”.", "success")
            return redirect(url_for("processes.view", path=page.path))
    return form_response(
        "processes/move_page.html",
        error_message,
        page=page,
        error=error_message,
        selected=request.form.get("process", page.process.path),
    )


@bp.route("/p/<path:path>/+ownership", methods=["GET", "POST"])
def ownership(path: str):
    page = pages.get_page(path)
    errors: dict[str, str] = {}
    values = {"owner": str(page.owner_id or ""), "review_interval_days": page.review_interval_days}
    if request.method == "POST":
        values = request.form.to_dict()
        interval = whole_number(request.form.get("review_interval_days"))
        owner_id = whole_number(request.form.get("owner"))
        try:
            owner = accounts.get_user(owner_id) if owner_id else None
            if owner is None:
                raise ValidationError({"owner": "Choose the page's owner."})
            pages.update_ownership(current_user, page, owner, interval or 0)
        except ValidationError as error:
            errors = error.errors
        else:
            flash(f"{owner.name} owns “{page.title}”, reviewed every {interval} days.", "success")
            return redirect(url_for("processes.view", path=page.path))
    elif not pages.can_review(current_user, page):
        abort(403)
    return form_response(
        "processes/ownership.html",
        errors,
        page=page,
        people=accounts.list_users(),
        values=values,
        errors=errors,
    )


@bp.post("/p/<path:path>/+delete")
def delete(path: str):
    page = pages.get_page(path)
    process_path = page.process.path
    pages.delete_page(current_user, page)
    flash(f"Deleted “{page.title}”.", "success")
    return redirect(url_for("processes.view", path=process_path))


@bp.route("/p/<path:path>/+templates", methods=["GET", "POST"])
def templates(path: str):
    process = tree.get_process(path)
    errors: dict[str, str] = {}
    if request.method == "POST":
        tree.require_process_manager(current_user)
        if "delete" in request.form:
            template = page_templates.get_template(whole_number(request.form.get("delete")) or 0)
            page_templates.delete_template(current_user, template)
            flash(f"Deleted the template “{template.name}”.", "success")
            return redirect(url_for("processes.templates", path=process.path))
        try:
            template = page_templates.save_template(
                current_user, process, request.form.get("name", ""), request.form.get("body", "")
            )
        except ValidationError as error:
            errors = error.errors
        else:
            flash(f"Saved the template “{template.name}”.", "success")
            return redirect(url_for("processes.templates", path=process.path))
    return form_response(
        "processes/templates.html",
        errors,
        process=process,
        templates=page_templates.templates_for(process),
        errors=errors,
        values=request.form,
        can_manage=tree.can_manage_processes(current_user),
    )
