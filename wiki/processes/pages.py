"""Services for pages: create, save with conflict detection, rename, move, revert, review."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import markdown
from flask import current_app
from markupsafe import Markup
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from wiki import events
from wiki.auth.models import User
from wiki.errors import DomainError, NotAllowed, NotFound, ValidationError
from wiki.extensions import db
from wiki.markup import Renderer
from wiki.processes import links, page_codes, rendering
from wiki.processes.models import Page, PageReview, PageTag, Process, Revision
from wiki.processes.paths import is_valid_slug, join_path, slugify
from wiki.processes.tree import (
    commit_claiming_address,
    forget_old_paths,
    moved_to,
    remember_old_path,
    slug_taken,
)
from wiki.textutil import clean_line, clean_text
from wiki.timeutil import utcnow

MAX_TITLE_LENGTH = 200
MAX_SUMMARY_LENGTH = 300
MAX_TAGS = 20
MAX_REVIEW_INTERVAL_DAYS = 3650


class PageConflict(DomainError):
    """Someone saved the page after the editor opened it; nothing was written."""

    status_code = 409

    def __init__(self, page: Page, base: Revision | None, latest: Revision):
        super().__init__(
            f"{latest.author.name if latest.author else 'Someone'} saved this page while you "
            "were editing. Your text is kept below: compare, merge and save again."
        )
        self.page = page
        self.base = base
        self.latest = latest


class NeedsApproval(DomainError):
    """The edit may not be saved directly: it waits for someone else's approval instead
    (wiki.approvals opens a change request from it); nothing was written."""

    status_code = 409

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


# Rules that hold an edit (or a new page) back for approval, registered by the domain that
# owns them (wiki.approvals), so that every way of saving or creating a page meets them: each
# returns the NeedsApproval for this person, process and page (None: a new page), or None.
approval_rules: list[Callable[[User, Process, Page | None], NeedsApproval | None]] = []


def needs_approval(actor: User | None, process: Process, page: Page | None) -> NeedsApproval | None:
    """Why this person's edit of the page (or new page in the process) must wait for
    approval; None: they may save."""
    if actor is None:  # the wiki itself or a content import
        return None
    for rule in approval_rules:
        held = rule(actor, process, page)
        if held is not None:
            return held
    return None


@dataclass(frozen=True)
class PageDraft:
    """What an editor submits."""

    title: str
    body: str
    summary: str = ""
    tags: str | None = None  # comma-separated; None leaves the tags as they are
    minor: bool = False  # the author says it is a minor edit (a typo, wording)


def content_hash(title: str, body: str) -> str:
    return hashlib.sha256(f"{title}\0{body}".encode()).hexdigest()


def get_page(path: str) -> Page:
    """The page at path, or at the path it was renamed or moved to from there."""
    path = path.strip("/")
    page = db.session.scalar(select(Page).where(Page.path == path))
    if page is None:
        # An editor opened before a rename posts to the old path: the save must still land.
        moved = moved_to(path)
        page = moved if isinstance(moved, Page) else None
    if page is None:
        raise NotFound(f"There is no page at “{path}”.")
    return page


def get_page_by_id(page_id: int) -> Page:
    page = db.session.get(Page, page_id)
    if page is None:
        raise NotFound(f"There is no page {page_id}.")
    return page


def get_revision(page: Page, number: int) -> Revision:
    revision = db.session.scalar(
        select(Revision).where(Revision.page_id == page.id, Revision.number == number)
    )
    if revision is None:
        raise NotFound(f"“{page.title}” has no revision {number}.")
    return revision


def latest_revision(page: Page) -> Revision:
    return get_revision(page, page.latest_revision)


def rendered_html(revision: Revision) -> Markup:
    """The sanitised HTML of a revision, rendered once and kept."""
    if revision.html is None:
        revision.html = str(_render(revision.page.process, revision.body, revision.page))
        db.session.commit()
    return Markup(revision.html)


def preview_html(process: Process, body: str, page: Page | None = None) -> Markup:
    return _render(process, body, page)


def _render(process: Process, body: str, page: Page | None) -> Markup:
    return renderer_for(process, body, page)(body)


def renderer_for(
    process: Process,
    text: str,
    page: Page | None = None,
    extra: Sequence[markdown.Extension] = (),
) -> Renderer:
    """Render text, or its parts one by one (a preview's sections), as a page of the process
    (or this page) is rendered; what it refers to (pages, files) is looked up once for all."""
    extensions = [*(rendering.extensions_for(page) if page is not None else []), *extra]
    return Renderer(links.resolver_for(process.path, [text]), extensions)


def create_page(
    actor: User,
    process: Process,
    draft: PageDraft,
    owner: User | None = None,
    review_interval_days: int | None = None,
    approved_by: User | None = None,
) -> Page:
    """Raises NeedsApproval when the new page must wait for a second person (approved_by:
    the one who approved it, for wiki.approvals)."""
    if approved_by is None:
        held = needs_approval(actor, process, None)
        if held is not None:
            raise held
    draft = _cleaned(draft)
    title, slug, summary, tags = _checked_draft(draft, process)
    path = join_path(process.path, slug)
    page = Page(
        process=process,
        title=title,
        slug=slug,
        path=path,
        owner=owner or actor,
        review_interval_days=review_interval_days or current_app.config["REVIEW_INTERVAL_DAYS"],
        latest_revision=1,
    )
    page.tag_rows = [PageTag(tag=tag) for tag in tags or []]
    db.session.add(page)
    forget_old_paths([path])
    db.session.flush()
    append_revision(page, 1, actor, title, draft.body, summary or "Created", approved_by)
    links.invalidate_links_to([path])
    events.page_created.send(page, actor=actor)
    _commit_or_conflict(page, None)
    return page


def save_page(
    actor: User | None,
    page: Page,
    draft: PageDraft,
    base_revision: int,
    approved_by: User | None = None,
) -> bool:
    """Save an edit made from base_revision. Returns False when nothing changed.

    Raises PageConflict when another save landed after base_revision, so two people never
    overwrite each other, and NeedsApproval when the edit must wait for a second person
    (approved_by: the one who approved it, for wiki.approvals).
    """
    if approved_by is None:
        held = needs_approval(actor, page.process, page)
        if held is not None:
            raise held
    draft = _cleaned(draft)
    title, slug, summary, tags = _checked_draft(draft, page.process, exclude=page)
    latest = latest_revision(page)
    if base_revision != page.latest_revision:
        raise PageConflict(page, _revision_or_none(page, base_revision), latest)
    tags_changed = tags is not None and tags != page.tags
    if latest.content_hash == content_hash(title, draft.body) and not tags_changed:
        return False
    if tags_changed:
        page.tag_rows = [PageTag(tag=tag) for tag in tags]
        # A change of tags alone is a revision too, so that it shows in history and an editor
        # who started before it meets a conflict instead of silently undoing it.
        summary = summary or f"Tags: {', '.join(tags) or 'none'}"
    number = base_revision + 1
    # The guarded update is the lock: of two saves from the same base, only one matches.
    claimed = db.session.execute(
        update(Page)
        .where(Page.id == page.id, Page.latest_revision == base_revision)
        .values(latest_revision=number, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        db.session.rollback()
        raise PageConflict(page, _revision_or_none(page, base_revision), latest_revision(page))
    if title != page.title:
        _rename(page, title, slug)
    append_revision(page, number, actor, title, draft.body, summary, approved_by)
    events.page_edited.send(page, actor=actor, minor=draft.minor)
    _commit_or_conflict(page, base_revision)
    db.session.refresh(page)
    return True


def revert_page(actor: User, page: Page, number: int) -> bool:
    """Bring back the text of an old revision as a new revision."""
    old = get_revision(page, number)
    changed = save_page(
        actor,
        page,
        PageDraft(old.title, old.body, f"Reverted to revision {number}"),
        page.latest_revision,
    )
    if changed:  # reverting to the text the page has already changes nothing, and is not audited
        events.page_reverted.send(page, actor=actor, number=number)
        db.session.commit()
    return changed


def move_page(actor: User, page: Page, process: Process) -> Page:
    if process.id == page.process_id:
        return page
    taken = slug_taken(process, page.slug, exclude_page=page)
    if taken:
        raise ValidationError({"process": taken})
    old_path = page.path
    page.process = process
    page.path = join_path(process.path, page.slug)
    _after_path_change(page, old_path)
    events.page_moved.send(page, actor=actor, old_path=old_path)
    commit_claiming_address("process")
    return page


def delete_page(actor: User, page: Page) -> None:
    if not can_delete(actor, page):
        raise NotAllowed("Only the page's owner, managers and admins can delete a page.")
    path = page.path
    events.page_deleted.send(page, actor=actor)
    db.session.delete(page)
    links.invalidate_links_to([path])
    db.session.commit()


def mark_reviewed(actor: User, page: Page) -> None:
    if not can_review(actor, page):
        raise NotAllowed("Only the page's owner, managers and admins can mark it reviewed.")
    page.last_reviewed_at = utcnow()
    db.session.add(
        PageReview(page_id=page.id, reviewer_id=actor.id, reviewed_at=page.last_reviewed_at)
    )
    events.page_reviewed.send(page, actor=actor)
    db.session.commit()


def update_ownership(actor: User, page: Page, owner: User, review_interval_days: int) -> None:
    """Hand a page to another owner and set how often it must be reviewed."""
    if not can_review(actor, page):
        raise NotAllowed("Only the page's owner, managers and admins can change these.")
    errors: dict[str, str] = {}
    if not owner.active:
        errors["owner"] = f"{owner.name} is deactivated; choose an active person."
    if not 1 <= review_interval_days <= MAX_REVIEW_INTERVAL_DAYS:
        errors["review_interval_days"] = (
            f"Choose a review interval from 1 to {MAX_REVIEW_INTERVAL_DAYS} days."
        )
    if errors:
        raise ValidationError(errors)
    page.owner = owner
    page.review_interval_days = review_interval_days
    db.session.commit()


def can_review(user: User, page: Page) -> bool:
    return page.owner_id == user.id or user.has_role("admin", "manager")


can_delete = can_review


def checked_draft(draft: PageDraft, page: Page) -> PageDraft:
    """The draft cleaned as a save of the page would clean it; ValidationError when a save
    would refuse it."""
    draft = _cleaned(draft)
    _checked_draft(draft, page.process, exclude=page)
    return draft


def checked_new_draft(draft: PageDraft, process: Process) -> PageDraft:
    """The draft of a new page cleaned as creating it would; ValidationError when creating
    it would refuse it."""
    draft = _cleaned(draft)
    _checked_draft(draft, process)
    return draft


def _cleaned(draft: PageDraft) -> PageDraft:
    return PageDraft(
        clean_line(draft.title),
        clean_text(draft.body),
        clean_line(draft.summary),
        None if draft.tags is None else clean_line(draft.tags),
        draft.minor,
    )


def _checked_draft(
    draft: PageDraft, process: Process, exclude: Page | None = None
) -> tuple[str, str, str, list[str] | None]:
    title, summary = draft.title, draft.summary
    slug = slugify(title)
    errors: dict[str, str] = {}
    if not title:
        errors["title"] = "A page needs a title."
    elif len(title) > MAX_TITLE_LENGTH:
        errors["title"] = f"A title has at most {MAX_TITLE_LENGTH} characters."
    elif not slug:
        errors["title"] = "A title needs at least one letter or digit."
    else:
        taken = slug_taken(process, slug, exclude_page=exclude)
        if taken:
            errors["title"] = taken
    max_body = current_app.config["MAX_BODY_CHARS"]
    if len(draft.body) > max_body:
        errors["body"] = f"The text has {len(draft.body):,} characters; at most {max_body:,}."
    if len(summary) > MAX_SUMMARY_LENGTH:
        errors["summary"] = f"A summary has at most {MAX_SUMMARY_LENGTH} characters."
    tags = None if draft.tags is None else parse_tags(draft.tags)
    if tags is not None:
        bad = [tag for tag in tags if not is_valid_slug(tag) or len(tag) > 50]
        if bad:
            errors["tags"] = f"Tags use lowercase letters, digits and hyphens: “{bad[0]}” does not."
        elif len(tags) > MAX_TAGS:
            errors["tags"] = f"A page has at most {MAX_TAGS} tags."
    if errors:
        raise ValidationError(errors)
    return title, slug, summary, tags


def parse_tags(text: str) -> list[str]:
    return sorted({tag.strip().lower().replace(" ", "-") for tag in text.split(",") if tag.strip()})


def append_revision(
    page: Page,
    number: int,
    author: User | None,
    title: str,
    body: str,
    summary: str,
    approved_by: User | None = None,
) -> None:
    db.session.add(
        Revision(
            page_id=page.id,
            number=number,
            title=title,
            body=body,
            summary=summary,
            author=author,
            approved_by=approved_by,
            content_hash=content_hash(title, body),
        )
    )
    links.record_links(page, body)
    page_codes.record_codes(page, title, body)


def _rename(page: Page, title: str, slug: str) -> None:
    page.title = title
    if slug != page.slug:
        old_path = page.path
        page.slug = slug
        page.path = join_path(page.process.path, slug)
        _after_path_change(page, old_path)


def _after_path_change(page: Page, old_path: str) -> None:
    remember_old_path(old_path, page_id=page.id)
    forget_old_paths([page.path])
    links.invalidate_links_to([old_path, page.path])
    links.relink_moved_page(page)


def _revision_or_none(page: Page, number: int) -> Revision | None:
    return db.session.scalar(
        select(Revision).where(Revision.page_id == page.id, Revision.number == number)
    )


def _commit_or_conflict(page: Page, base_revision: int | None) -> None:
    try:
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        if base_revision is None:
            raise ValidationError(
                {"title": "A page with this title was just created here by someone else."}
            ) from error
        raise PageConflict(
            page, _revision_or_none(page, base_revision), latest_revision(page)
        ) from error
