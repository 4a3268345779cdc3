"""What the editor asks while someone writes: a preview rendered as the page will be, and
page titles for the link picker."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup
from sqlalchemy import func, select

from wiki.auth.models import User
from wiki.extensions import db
from wiki.markup import render_markdown
from wiki.processes import links, pages
from wiki.processes.models import Page, Process
from wiki.textutil import clean_line

MAX_TITLE_RESULTS = 10


@dataclass(frozen=True)
class TitleMatch:
    title: str
    path: str
    process_name: str
    link: str  # the wiki link to insert, relative when the page is in the writer's process


def preview(user: User, process: Process, page: Page | None, body: str) -> Markup:
    """The same renderer and sanitiser as the saved page; a new page shows its writer's
    pending files."""
    if page is not None:
        return pages.preview_html(page.process, body, page)
    # Imported here: attachments build on pages.
    from wiki.attachments.pending import preview_extension

    return render_markdown(
        body, links.resolver_for(process.path), [preview_extension(user, process)]
    )


def find_titles(user: User, text: str, process: Process | None) -> list[TitleMatch]:
    """Pages whose title contains the text, those starting with it first; only pages the
    person may read."""
    from wiki.attachments.services import can_read_page  # the one rule for who reads a page

    text = clean_line(text)[:100].lower()
    if not text:
        return []
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    title = func.lower(Page.title)
    rows = db.session.scalars(
        select(Page)
        .where(title.like(pattern, escape="\\"))
        .order_by(title.like(pattern[1:], escape="\\").desc(), Page.title)
        .limit(MAX_TITLE_RESULTS * 2)
    )
    matches = []
    for page in rows:
        if not can_read_page(user, page):
            continue
        same_process = process is not None and page.process_id == process.id
        # A "/" in a title would read as a process; the slug names the same page.
        name = page.slug if "/" in page.title or "]" in page.title else page.title
        target = name if same_process else f"/{page.process.path}/{name}"
        matches.append(TitleMatch(page.title, page.path, page.process.name, f"[[{target}]]"))
    return matches[:MAX_TITLE_RESULTS]
