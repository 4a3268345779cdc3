"""Wiki links between pages: resolving them, recording them, and backlinks."""

from __future__ import annotations

from flask import url_for
from sqlalchemy import delete, select, update

from wiki.extensions import db
from wiki.markup import LinkResolver, LinkTarget, find_wiki_links
from wiki.processes.models import Page, PageLink, PathRedirect, Process, Revision
from wiki.processes.paths import parent_path, wiki_link_path
from wiki.rendered import forget_linked_html


def resolver_for(process_path: str) -> LinkResolver:
    """Resolve wiki links written in a page or description of the process at process_path."""

    def resolve(target: str) -> LinkTarget:
        path = wiki_link_path(target, process_path)
        if path_exists(path):
            return LinkTarget(url_for("processes.view", path=path), True)
        title = target.rstrip("/").rsplit("/", 1)[-1] if target.startswith("/") else target
        return LinkTarget(
            url_for("processes.new_page", path=parent_path(path) or path, title=title), False
        )

    return resolve


def path_exists(path: str) -> bool:
    return (
        db.session.scalar(select(Page.id).where(Page.path == path)) is not None
        or db.session.scalar(select(Process.id).where(Process.path == path)) is not None
        or db.session.get(PathRedirect, path) is not None
    )


def record_links(page: Page, body: str) -> None:
    """Replace the page's outgoing links with those of its newest text."""
    targets = {wiki_link_path(target, page.process.path) for target in find_wiki_links(body)}
    db.session.execute(delete(PageLink).where(PageLink.source_page_id == page.id))
    db.session.add_all(PageLink(source_page_id=page.id, target_path=t) for t in sorted(targets))


def relink_moved_page(page: Page) -> None:
    """A page's process path changed: its relative links now point elsewhere, so record them
    anew and forget every rendering of its revisions."""
    body = db.session.scalar(
        select(Revision.body).where(
            Revision.page_id == page.id, Revision.number == page.latest_revision
        )
    )
    record_links(page, body or "")
    forget_rendered_html(page.id)


def forget_rendered_html(page_id: int) -> None:
    """Every revision of the page renders anew on its next view (its links or attachments
    resolve differently now)."""
    db.session.execute(
        update(Revision)
        .where(Revision.page_id == page_id)
        .values(html=None)
        .execution_options(synchronize_session=False)
    )


def invalidate_links_to(paths: list[str]) -> None:
    """Forget the rendered HTML of pages whose links to these paths now resolve differently,
    and the kept HTML of every other text with a wiki link that may point there (they record
    no links: a link's last segment, as wiki_link_path makes it, names the page or process)."""
    if not paths:
        return
    ends = {path.rsplit("/", 1)[-1] for path in paths}

    def may_point_to(text: str) -> bool:
        return any(
            wiki_link_path(target, "").rsplit("/", 1)[-1] in ends
            for target in find_wiki_links(text)
        )

    forget_linked_html(may_point_to)
    sources = select(PageLink.source_page_id).where(PageLink.target_path.in_(paths))
    db.session.execute(
        update(Revision)
        .where(Revision.page_id.in_(sources), Revision.html.is_not(None))
        .values(html=None)
        .execution_options(synchronize_session=False)
    )


def backlinks(page: Page) -> list[Page]:
    """Pages whose newest text links here, by the current path or an old one."""
    old_paths = select(PathRedirect.old_path).where(PathRedirect.page_id == page.id)
    sources = select(PageLink.source_page_id).where(
        (PageLink.target_path == page.path) | PageLink.target_path.in_(old_paths)
    )
    return list(
        db.session.scalars(
            select(Page).where(Page.id.in_(sources), Page.id != page.id).order_by(Page.title)
        )
    )
