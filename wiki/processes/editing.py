"""What the editor asks while someone writes: a preview rendered as the page will be, and
page titles for the link picker."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app
from markdown.extensions.toc import slugify
from markupsafe import Markup
from sqlalchemy import func, select

from wiki.auth.models import User
from wiki.extensions import db
from wiki.processes import pages
from wiki.processes.models import Page, Process
from wiki.textutil import clean_line
from wiki.versioning import request_version

MAX_TITLE_RESULTS = 10


@dataclass(frozen=True)
class TitleMatch:
    title: str
    path: str
    process_name: str
    link: str  # the wiki link to insert, relative when the page is in the writer's process


def preview(user: User, process: Process, page: Page | None, body: str) -> Markup:
    """The same renderer and sanitiser as the saved page; a new page shows its writer's
    pending files.

    A preview is asked for every pause in typing, and typing changes one section at a time:
    the text is rendered section by section (split at its headings), and each section's HTML
    is kept per worker until something every reader sees is written (the shared version: a
    page or file coming or going changes a section's links), so a 10 KB page costs the render
    of the section being typed in. Sections not kept are rendered together in one pass. Texts
    whose parts refer to each other across sections (reference links, footnotes,
    abbreviations, raw HTML, headings with the same anchor) are rendered whole."""
    render = _renderer(user, process, page, body)
    sections = split_sections(body)
    if sections is None or len(sections) == 1:
        return render(body)
    cache = _section_cache()
    scope = (request_version(), process.path, page.id if page else 0, 0 if page else user.id)
    keys = [(*scope, section) for section in sections]
    found = {key: cache.get(key) for key in keys}
    missing = [key for key, html in found.items() if html is None]
    rendered = _rendered_apart(render, [key[-1] for key in missing])
    for key, html in zip(missing, rendered, strict=True):
        found[key] = cache.put(key, html)
    return Markup("\n".join(found[key] for key in keys if found[key]))


# A paragraph of this private-use character alone marks where one section ends in a text of
# several rendered together.
_SECTION_END = "\ue0ff"


def _rendered_apart(render: Callable[[str], Markup], sections: list[str]) -> list[str]:
    """Each section's HTML, the sections rendered in one pass: a pasted page or the editor's
    first preview holds twenty sections, and the renderer's setup and the sanitiser's parse
    cost per text. Cut apart at the end marks; rendered one by one if a mark is missing."""
    if len(sections) > 1 and not any(_SECTION_END in section for section in sections):
        html = str(render(f"\n\n{_SECTION_END}\n\n".join(sections)))
        parts = html.split(f"<p>{_SECTION_END}</p>")
        if len(parts) == len(sections):
            return [part.strip("\n") for part in parts]
    return [str(render(section)) for section in sections]


def _renderer(
    user: User, process: Process, page: Page | None, body: str
) -> Callable[[str], Markup]:
    if page is not None:
        return pages.renderer_for(page.process, body, page)
    # Imported here: attachments build on pages.
    from wiki.attachments.pending import preview_extension

    return pages.renderer_for(process, body, extra=[preview_extension(user, process)])


# Markdown whose parts refer to each other across headings: such a text is rendered whole.
_WHOLE_ONLY = re.compile(r"^ {0,3}\[[^\]]+\]:|\[\^|^\*\[|\[TOC\]|^\s*<", re.MULTILINE)
_FENCE = re.compile(r" {0,3}(```|~~~)")
_HEADING = re.compile(r"(#{1,6})[ \t]+(.*?)[ \t#]*$")


def split_sections(body: str) -> list[str] | None:
    """The text cut before each heading that is not inside fenced code; None when it must be
    rendered whole."""
    if _WHOLE_ONLY.search(body):
        return None
    sections: list[str] = []
    current: list[str] = []
    fence: str | None = None
    headings: set[str] = set()
    for line in body.splitlines(keepends=True):
        opening = _FENCE.match(line)
        if opening and (fence is None or opening.group(1) == fence):
            fence = None if fence else opening.group(1)
        heading = _HEADING.match(line) if fence is None else None
        if heading:
            anchor = slugify(heading.group(2).strip(), "-")
            if anchor in headings:
                return None  # the page numbers repeated anchors ("steps_1") across the text
            headings.add(anchor)
            if current:
                sections.append("".join(current))
                current = []
        current.append(line)
    if fence is not None:
        return None  # an unclosed fence runs to the end of the text
    if current:
        sections.append("".join(current))
    return sections


class _SectionCache:
    """Rendered sections, least recently used out first; one per app and worker."""

    def __init__(self, size: int):
        self.size = size
        self.entries: OrderedDict[tuple, str] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple) -> str | None:
        with self.lock:
            html = self.entries.get(key)
            if html is not None:
                self.entries.move_to_end(key)
            return html

    def put(self, key: tuple, html: str) -> str:
        with self.lock:
            self.entries[key] = html
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)
        return html


def _section_cache() -> _SectionCache:
    return current_app.extensions.setdefault("editor_sections", _SectionCache(2000))


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
