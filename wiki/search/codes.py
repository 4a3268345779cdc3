"""ERP codes (transactions, reports: ZFI_3WM, ZAP_HOLD) as the pages write them: the registry
of every code with its own page, chosen automatically (the page tagged with the code) unless a
trainer or admin chose another, and the choices search reads to show that page first."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import select

from wiki.auth.models import User
from wiki.errors import NotAllowed, NotFound, ValidationError
from wiki.extensions import db
from wiki.processes.models import Page, PageTag, Revision
from wiki.search.documents import key
from wiki.search.models import CodePage

EDITORS = ("trainer", "admin")
# A code as pages write it: letters, then an underscore and more (ZFI_3WM, ZAP_PAYRUN).
CODE = re.compile(r"\b[A-Z][A-Z0-9]{1,5}_[A-Z0-9_]*[A-Z0-9]\b")


@dataclass
class CodeEntry:
    code: str
    # The pages that mention it or are tagged with it, by title.
    pages: list[Page] = field(default_factory=list)
    tagged: Page | None = None
    choice: CodePage | None = None

    @property
    def page(self) -> Page | None:
        """The code's own page: the one chosen, else the one tagged with it."""
        return self.choice.page if self.choice is not None else self.tagged


def tag_of(code: str) -> str:
    """The tag that makes a page a code's own (zfi-3wm for ZFI_3WM)."""
    return code.lower().replace("_", "-")


def can_choose(user: User) -> bool:
    return user.is_authenticated and user.has_role(*EDITORS)


def list_codes() -> list[CodeEntry]:
    """Every code the pages mention (in their title or latest text) or are tagged with."""
    entries: dict[str, CodeEntry] = {}
    pages = {page.id: page for page in db.session.scalars(select(Page))}
    rows = db.session.execute(
        select(Revision.page_id, Revision.title, Revision.body).join(
            Page, (Page.id == Revision.page_id) & (Page.latest_revision == Revision.number)
        )
    )
    for page_id, title, body in rows:
        for code in sorted(set(CODE.findall(title)) | set(CODE.findall(body))):
            entries.setdefault(code, CodeEntry(code)).pages.append(pages[page_id])
    by_tag = {tag_of(code): entry for code, entry in entries.items()}
    for page_id, tag in db.session.execute(select(PageTag.page_id, PageTag.tag)):
        entry = by_tag.get(tag.lower())
        if entry is not None and entry.tagged is None:
            entry.tagged = pages[page_id]
            if entry.tagged not in entry.pages:
                entry.pages.append(entry.tagged)
    for choice in db.session.scalars(select(CodePage)):
        if choice.code in entries:
            entries[choice.code].choice = choice
    for entry in entries.values():
        entry.pages.sort(key=lambda page: page.title.lower())
    return [entries[code] for code in sorted(entries)]


def get_code(code: str) -> CodeEntry:
    found = next((entry for entry in list_codes() if entry.code == code), None)
    if found is None:
        raise NotFound("No page mentions that code.")
    return found


def choose_page(user: User, code: str, page_id: str) -> CodeEntry:
    """Make one of the pages that mention the code its own page ("" for the automatic one)."""
    if not can_choose(user):
        raise NotAllowed("Only trainers and admins choose a code's page.")
    entry = get_code(code)
    if page_id.strip() == "":
        if entry.choice is not None:
            db.session.delete(entry.choice)
            entry.choice = None
        db.session.commit()
        return entry
    chosen = next((page for page in entry.pages if str(page.id) == page_id.strip()), None)
    if chosen is None:
        raise ValidationError({"page": f"Choose one of the pages that mention {code}."})
    if entry.choice is None:
        entry.choice = CodePage(code=code)
        db.session.add(entry.choice)
    entry.choice.page, entry.choice.chosen_by = chosen, user
    db.session.commit()
    return entry


def chosen_keys(codes: list[str]) -> dict[str, str]:
    """The search document of the page chosen for each of these codes (as a query holds them,
    lower case) that has one."""
    if not codes:
        return {}
    upper = {code.upper(): code for code in codes}
    rows = db.session.execute(
        select(CodePage.code, CodePage.page_id).where(CodePage.code.in_(list(upper)))
    )
    return {upper[code]: key("page", page_id) for code, page_id in rows}
