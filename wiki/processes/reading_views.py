"""The view of a page as its reader sees it: drawn once and shared, each reader's own put in."""

from __future__ import annotations

from flask import get_template_attribute, render_template, session
from flask_login import current_user
from markupsafe import Markup

from wiki.approvals import services as approvals
from wiki.buddies import plans
from wiki.comments import services as comments
from wiki.processes import page_parts, pages
from wiki.processes.models import Page
from wiki.questions.listing import recent_in_process
from wiki.timeutil import utcnow
from wiki.verification import dependencies, readership
from wiki.versioning import shared_part
from wiki.web.frames import draw_frame
from wiki.web.navigation import sidebar_html, user_menu


def show_page(page: Page, watch_id: int | None):
    """A page as its reader sees it; watch_id: their watch on it, if any (its Watch button).

    Most views draw nothing: the whole page, layout included, is drawn once per shared
    version for everyone who sees it the same (wiki.web.frames), and what is each reader's
    own (their CSRF token, their corner of the header, the Watch button, the sidebar's mark)
    is put in. A page with comments, change requests, dependency marks or questions the
    reader may see, or a message to show them, is drawn for them alone."""
    plans.record_read(current_user, page)  # ticks a newcomer's "read this page" items
    readership.count_view(page.id)
    today = utcnow().date()
    parts = page_parts.page_parts(page, today)
    questions = recent_in_process(current_user, page.process)
    seen = {
        "page": page,
        "parts": parts,
        "can_review": pages.can_review(current_user, page),
        "overdue": page.is_review_overdue(),
        "can_verify": page.owner_id == current_user.id or current_user.id in parts.verifier_ids,
    }
    own = questions or "_flashes" in session
    if own or parts.has_comments or parts.has_change_requests or parts.has_dependency_marks:
        return render_template(
            "processes/page.html",
            **seen,
            experts=page_parts.experts_part(page.process, today),
            watch_button=_watch_button(watch_id, page),
            questions=questions,
            discussion=comments.threads_of(current_user, page) if parts.has_comments else [],
            dependency_marks=dependencies.marks_of_page(page) if parts.has_dependency_marks else [],
            waiting=approvals.waiting_on(page) if parts.has_change_requests else [],
        )

    def draw(mark) -> dict:
        return {
            **seen,
            "experts": page_parts.experts_part(page.process, today),
            "watch_button": mark("watch"),
            "user_menu": lambda: mark("user_menu"),
            "sidebar_html": lambda _path: mark("sidebar"),
            "questions": [],
            "discussion": [],
            "dependency_marks": [],
            "waiting": [],
        }

    # Everything the drawing shows that is not the same for every reader is in the key; a
    # badge that turned within the day drew new parts, with another fresh_until.
    key = ("page frame", page.id, today, parts.fresh_until, current_user.has_role("admin"),
           seen["can_review"], seen["overdue"], seen["can_verify"])  # fmt: skip
    frame = shared_part(
        key, lambda: draw_frame(lambda mark: render_template("processes/page.html", **draw(mark)))
    )
    return frame.fill(
        {
            "watch": _watch_button(watch_id, page),
            "user_menu": user_menu(),
            "sidebar": sidebar_html(page.process.path),
        }
    )


def _watch_button(watch_id: int | None, page: Page) -> Markup:
    """Watch, or Stop watching: drawn once per page for everyone who watches it not, and once
    per watch, each with the reader's CSRF token put in."""

    def draw(_mark) -> str:
        return get_template_attribute("_macros.html", "watch_form")(watch_id, page.path)

    frame = shared_part(("watch button", page.id, watch_id), lambda: draw_frame(draw))
    return Markup(frame.fill({}))
