"""ERP codes (transactions, reports: ZFI_3WM, ZAP_HOLD) as the pages write them: the registry
of every code with its own page, chosen automatically (the page tagged with the code) unless a
trainer or admin chose another, and the choices search reads to show that page first."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from wiki.auth.models import User
from wiki.errors import NotAllowed, NotFound, ValidationError
from wiki.extensions import db
from wiki.processes.models import Page, PageCode, PageTag
from wiki.search.documents import key
from wiki.search.models import CodePage

EDITORS = ("trainer", "admin")


@dataclass(frozen=True)
class PageRef:
    """What the registry shows of a page (thousands of them at once: no ORM objects)."""

    id: int
    title: str
    path: str


@dataclass
class CodeEntry:
    code: str
    # The pages that mention it or are tagged with it, by title.
    pages: list[PageRef] = field(default_factory=list)
    tagged: PageRef | None = None
    choice: CodePage | None = None

    @property
    def page(self) -> PageRef | Page | None:
        """The code's own page: the one chosen, else the one tagged with it."""
        return self.choice.page if self.choice is not None else self.tagged


def tag_of(code: str) -> str:
    """The tag that makes a page a code's own (zfi-3wm for ZFI_3WM)."""
    return code.lower().replace("_", "-")


def can_choose(user: User) -> bool:
    return user.is_authenticated and user.has_role(*EDITORS)


def list_codes() -> list[CodeEntry]:
    """Every code the pages mention (in their title or latest text)."""
    return _entries()


def get_code(code: str) -> CodeEntry:
    found = _entries(code)
    if not found:
        raise NotFound("No page mentions that code.")
    return found[0]


def _entries(only: str | None = None) -> list[CodeEntry]:
    """The codes the pages write, as recorded at each save (wiki.processes.page_codes), with
    the pages that mention them, the page tagged with each, and the trainers' choices."""
    mentions = select(PageCode.code, Page.id, Page.title, Page.path).join(
        Page, Page.id == PageCode.page_id
    )
    if only is not None:
        mentions = mentions.where(PageCode.code == only)
    entries: dict[str, CodeEntry] = {}
    for code, *page in db.session.execute(mentions):
        entries.setdefault(code, CodeEntry(code)).pages.append(PageRef(*page))
    by_tag = {tag_of(code): entry for code, entry in entries.items()}
    if by_tag:
        tagged = db.session.execute(
            select(PageTag.tag, Page.id, Page.title, Page.path)
            .join(Page, Page.id == PageTag.page_id)
            .where(func.lower(PageTag.tag).in_(list(by_tag)))
            .order_by(PageTag.page_id)
        )
        for tag, *row in tagged:
            entry, page = by_tag[tag.lower()], PageRef(*row)
            if entry.tagged is None:
                entry.tagged = page
                if page not in entry.pages:
                    entry.pages.append(page)
        for choice in db.session.scalars(
            select(CodePage)
            .where(CodePage.code.in_(list(entries)))
            .options(joinedload(CodePage.page), joinedload(CodePage.chosen_by))
        ):
            entries[choice.code].choice = choice
    for entry in entries.values():
        entry.pages.sort(key=lambda page: page.title.lower())
    return [entries[code] for code in sorted(entries)]


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
    entry.choice.page, entry.choice.chosen_by = db.session.get(Page, chosen.id), user
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
