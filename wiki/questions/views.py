"""Questions: ask, read the thread, answer, mark answered, and turn the exchange into a page."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from wiki.approvals import services as approvals
from wiki.attachments import pending
from wiki.errors import DomainError, ValidationError
from wiki.forms import form_response, whole_number
from wiki.notifications import services as notifications
from wiki.processes import drafts, pages, tree
from wiki.questions import access, listing, routing, services, to_page
from wiki.questions import search_documents as _search_documents  # noqa: F401 (registers)
from wiki.watching import services as watching

bp = Blueprint("questions", __name__, url_prefix="/questions")

ID = "<int(max=2147483647):question_id>"


@bp.get("/")
def index():
    filters = listing.Filters.from_args(request.args)
    page_number = whole_number(request.args.get("page")) or 1
    found = listing.list_questions(
        current_user, filters, page_number, current_app.config["PAGE_SIZE"]
    )
    return render_template(
        "questions/index.html",
        found=found,
        filters=filters,
        scopes=listing.SCOPES,
        states=listing.STATES,
    )


@bp.get("/feed.atom")
def feed():
    filters = listing.Filters.from_args(request.args)
    found = listing.list_questions(current_user, filters, 1, 50)
    body = render_template("questions/feed.atom.xml", found=found, filters=filters)
    return body, 200, {"Content-Type": "application/atom+xml; charset=utf-8"}


@bp.route("/ask", methods=["GET", "POST"])
def ask():
    source = request.values.get("source", "")
    process_path = request.values.get("process", "").strip("/")
    process = tree.get_process(process_path) if process_path else None
    page = _page_argument(process)
    values = {
        "title": request.values.get("title", ""),
        "body": request.values.get("body", ""),
        "private": request.values.get("private", ""),
        "experts": request.values.getlist("experts"),
    }
    errors: dict[str, str] = {}
    if request.method == "POST" and process is not None:
        draft = services.QuestionDraft(
            title=values["title"],
            body=values["body"],
            expert_ids=[n for n in map(whole_number, values["experts"]) if n],
            private=bool(values["private"]),
            origin="search-miss" if source == "search-miss" else "page" if page else "process",
        )
        try:
            question = services.ask_question(current_user, process, draft, page)
        except ValidationError as error:
            errors = error.errors
        else:
            flash("Your question is on its way. You will hear when someone answers.", "success")
            return redirect(url_for("questions.view", question_id=question.id))
    elif request.method == "POST":
        errors = {"process": "Choose the process your question is about."}
    suggestions = routing.suggest_experts(process, current_user) if process else []
    return form_response(
        "questions/ask.html",
        errors,
        process=process,
        page=page,
        source=source,
        values=values,
        errors=errors,
        suggestions=suggestions,
        others=routing.other_people(current_user, suggestions) if process else [],
    )


@bp.get(f"/{ID}")
def view(question_id: int):
    question = services.get_question(current_user, question_id)
    # Reading the thread is reading what the bell said about it.
    notifications.mark_read_about(current_user, services.question_url(question))
    return _thread(question)


@bp.post(f"/{ID}/posts")
def post(question_id: int):
    question = services.get_question(current_user, question_id)
    try:
        post = services.add_post(current_user, question, request.form.get("body", ""))
    except ValidationError as error:
        values = {"body": request.form.get("body", ""), "watch": request.form.get("watch", "")}
        return _thread(question, values, error.errors, 422)
    if question.page is not None and request.form.get("watch") == "1":
        watching.watch(current_user, page=question.page)  # offered beside the answer box
    flash("Posted.", "success")
    return redirect(url_for("questions.view", question_id=question.id, _anchor=f"post-{post.id}"))


@bp.post(f"/{ID}/answered")
def mark_answered(question_id: int):
    question = services.get_question(current_user, question_id)
    answered = request.form.get("answered") != "no"
    try:
        services.mark_answered(current_user, question, answered)
    except ValidationError as error:
        flash(error.message, "error")
    else:
        flash("Marked answered. Thank you!" if answered else "Open again.", "success")
    return redirect(url_for("questions.view", question_id=question.id))


@bp.post(f"/{ID}/append")
def append(question_id: int):
    question = services.get_question(current_user, question_id)
    page_id = whole_number(request.form.get("page")) or 0
    try:
        page = to_page.append_to_page(
            current_user, question, to_page.get_page_of(question, page_id)
        )
    except pages.PageConflict:
        flash("The page kept changing while we added to it; please try again.", "error")
        return redirect(url_for("questions.view", question_id=question.id))
    except DomainError as error:
        if error.status_code in (403, 404):
            raise
        flash(error.message, "error")
        return redirect(url_for("questions.view", question_id=question.id))
    flash(f"Added the exchange to “{page.title}”. Edit the page to polish it.", "success")
    return redirect(
        url_for("processes.view", path=page.path, _anchor=to_page.section_anchor(question))
    )


@bp.post(f"/{ID}/publication-request")
def ask_to_publish(question_id: int):
    question = services.get_question(current_user, question_id)
    try:
        to_page.ask_to_publish(current_user, question)
    except DomainError as error:
        if error.status_code == 403:
            raise
        flash(error.message, "error")
    else:
        flash(f"{question.asker.name} is asked; you will be told when they allow it.", "success")
    return redirect(url_for("questions.view", question_id=question.id))


@bp.post(f"/{ID}/publication")
def allow_publication(question_id: int):
    question = services.get_question(current_user, question_id)
    to_page.allow_publication(current_user, question)
    flash("Thank you: its experts may now put this exchange in the wiki.", "success")
    return redirect(url_for("questions.view", question_id=question.id))


@bp.route(f"/{ID}/new-page", methods=["GET", "POST"])
def new_page(question_id: int):
    question = services.get_question(current_user, question_id)
    if not access.can_document(current_user, question) or access.awaits_asker(
        current_user, question
    ):
        abort(403)
    errors: dict[str, str] = {}
    preview = None
    values = to_page.start_page_values(question)
    prefilled_body = values["body"]
    saved_draft = drafts.get_draft(current_user, None, question.process, question.id)
    if request.method == "GET" and saved_draft is not None and request.args.get("draft"):
        values.update(title=saved_draft.title, body=saved_draft.body)
        saved_draft = None
    if request.method == "POST":
        values = request.form.to_dict()
        draft = pages.PageDraft(
            title=values.get("title", ""),
            body=values.get("body", ""),
            summary=values.get("summary", ""),
            tags=values.get("tags", ""),
        )
        if values.get("action") == "cancel":
            drafts.discard_draft(current_user, None, question.process, question.id)
            return redirect(url_for("questions.view", question_id=question.id))
        if values.get("action") == "preview":
            preview = pages.preview_html(question.process, draft.body)
        else:
            try:
                page = to_page.create_page_from(current_user, question, draft)
            except pages.NeedsApproval as held:
                try:
                    change = approvals.open_new_page_request(
                        current_user, question.process, draft, held.kind, question_id=question.id
                    )
                except ValidationError as error:
                    errors = error.errors
                else:
                    drafts.discard_draft(current_user, None, question.process, question.id)
                    flash(approvals.waiting_notice(change), "success")
                    return redirect(url_for("approvals.view", request_id=change.id))
            except ValidationError as error:
                errors = error.errors
            else:
                # The editor's draft, and the files pasted into a new page in this process.
                pending.adopt_pending(current_user, question.process, page, draft.body)
                drafts.discard_draft(current_user, None, question.process, question.id)
                flash(f"Created “{page.title}” from the question.", "success")
                return redirect(url_for("processes.view", path=page.path))
    return form_response(
        "processes/edit.html",
        errors,
        process=question.process,
        page=None,
        values=values,
        errors=errors,
        preview=preview,
        templates=[],
        base_revision=None,
        form_action=url_for("questions.new_page", question_id=question.id),
        from_question=question,
        held=pages.needs_approval(current_user, question.process, None),
        draft_offer=drafts.draft_offer(saved_draft, prefilled_body, values.get("body", "")),
    )


def _thread(question, values=None, errors=None, status=200):
    return render_template(
        "questions/view.html",
        question=question,
        html=services.rendered_thread(question),
        values=values or {},
        errors=errors or {},
        can_post=access.can_post(current_user, question),
        can_mark=access.can_mark_answered(current_user, question),
        can_document=access.can_document(current_user, question),
        awaits_asker=access.awaits_asker(current_user, question),
        pages_to_append=to_page.pages_to_append_to(question),
        documented=to_page.documented_in(question),
    ), status


def _page_argument(process):
    page_id = whole_number(request.values.get("page"))
    if process is None or page_id is None:
        return None
    return services.page_in(process, page_id)
