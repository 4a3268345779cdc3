"""The parts of a page's view that every reader sees the same (trail, body, files, backlinks,
verification badge, experts; a process's experts for its own page too), drawn once per content
version and shared by every session of the worker (versioning.shared_part); the view adds what
is each person's own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask import get_template_attribute
from markupsafe import Markup
from sqlalchemy import exists, select

from wiki.approvals.models import ChangeRequest
from wiki.attachments import services as attachments
from wiki.comments.models import Comment
from wiki.extensions import db
from wiki.people.expertise import experts_panel
from wiki.processes import links, pages, rendered
from wiki.processes.models import Page, Process
from wiki.timeutil import utcnow
from wiki.verification import services as verification
from wiki.verification.models import DependencyChange
from wiki.versioning import shared_part

PARTS = "processes/_page_parts.html"


@dataclass(frozen=True)
class PageParts:
    trail: Markup
    actions: Markup
    feedback: Markup
    owner: str
    badge: Markup
    updated: Markup
    body: Markup
    guide: Markup
    verifier_ids: frozenset[int]
    fresh_until: datetime | None = None
    # Whether anyone commented: a page without comments reads none per view.
    has_comments: bool = False
    # Whether anyone asked for a change to it (a controlled page): likewise.
    has_change_requests: bool = False
    # Whether a page it depends on changed since (verification.dependencies): likewise.
    has_dependency_marks: bool = False


def page_parts(page: Page, today: date) -> PageParts:
    # The day is part of the key (availability and dates turn with it); a verification badge
    # can turn within the day, when the parts are drawn again.
    key = ("page", page.id, today)
    parts = shared_part(key, lambda: _draw_page(page, today))
    if parts.fresh_until is not None and utcnow() >= parts.fresh_until:
        parts = shared_part(key, lambda: _draw_page(page, today), renew=True)
    return parts


def experts_part(process: Process, today: date) -> Markup:
    """The experts panel of a process; with nobody in it, it invites whoever reads it (a link
    the same for every reader, so that in a wiki where most processes have no experts yet
    the panel is still drawn once, not once per reader)."""
    return shared_part(("experts", process.id, today), lambda: _draw_experts(process, today))


def _draw(macro: str, *args) -> Markup:
    return Markup(get_template_attribute(PARTS, macro)(*args))


def _draw_page(page: Page, today: date) -> PageParts:
    revision = pages.latest_revision(page)
    html = pages.rendered_html(revision)
    files = list(attachments.current_attachments(page.id).values())
    badge = verification.badge(page)
    has_comments, has_change_requests, has_dependency_marks = _any_of(
        (Comment, ChangeRequest, DependencyChange), page
    )
    return PageParts(
        trail=_draw("trail", page),
        actions=_draw("actions", page),
        feedback=_draw("feedback", page),
        owner=page.owner.name if page.owner else "nobody",
        badge=_draw("badge", badge),
        updated=_draw("updated", page, revision),
        body=_draw("body", html, files),
        guide=_draw("guide", rendered.table_of_contents(html), links.backlinks(page)),
        # The same for every page of the process: worked out once per process, not per page.
        verifier_ids=shared_part(
            ("verifiers", page.process_id, today), lambda: verification.verifier_ids(page)
        ),
        fresh_until=badge.turns_at,
        has_comments=has_comments,
        has_change_requests=has_change_requests,
        has_dependency_marks=has_dependency_marks,
    )


def _any_of(models: tuple, page: Page) -> tuple[bool, ...]:
    """Whether the page has any row of each model (each with a page_id column): one query."""
    query = select(*(exists().where(model.page_id == page.id) for model in models))
    return tuple(bool(found) for found in db.session.execute(query).one())


def _draw_experts(process: Process, today: date) -> Markup:
    return _draw("experts", experts_panel(process, today), process)
