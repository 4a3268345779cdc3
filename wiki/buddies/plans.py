"""Onboarding plans: templates per role or team, each newcomer's items with due dates, the
pages a newcomer reads ticking them off, and progress against what is due by now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from wiki.auth.models import User
from wiki.buddies.access import can_follow, can_manage_templates
from wiki.buddies.models import (
    ITEM_KIND_LABELS,
    ITEM_KINDS,
    PageRead,
    PlanItem,
    PlanTemplate,
    PlanTemplateItem,
)
from wiki.errors import NotAllowed, NotFound, ValidationError
from wiki.extensions import db
from wiki.forms import date_field
from wiki.processes import tree
from wiki.processes.models import Page, Process
from wiki.textutil import clean_line
from wiki.timeutil import utcnow

MAX_DUE_DAY = 365
DUE_DATE = "Give the due date as YYYY-MM-DD."


@dataclass(frozen=True)
class ItemDraft:
    kind: str
    title: str = ""
    page_path: str = ""  # read_page: the page's address, with or without /p/
    process_path: str = ""  # learn_process and meet_expert
    due: str = ""  # on a plan: YYYY-MM-DD; on a template: days after the start


@dataclass(frozen=True)
class Progress:
    total: int
    done: int
    due_by_now: int  # items whose due date has come
    done_of_due: int  # of those, how many are done
    overdue: list[PlanItem]
    next_items: list[PlanItem]

    @property
    def status(self) -> str:
        """ "done", "on track" (nothing overdue) or "behind"."""
        if self.total and self.done == self.total:
            return "done"
        return "behind" if self.overdue else "on track"

    @property
    def percent_done(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


# --- Templates --------------------------------------------------------------------------


def templates() -> list[PlanTemplate]:
    return list(db.session.scalars(select(PlanTemplate).order_by(PlanTemplate.name)))


def get_template(template_id: int) -> PlanTemplate:
    template = db.session.get(PlanTemplate, template_id)
    if template is None:
        raise NotFound("There is no such plan template.")
    return template


def create_template(actor: User, name: str, audience: str) -> PlanTemplate:
    _require_template_manager(actor)
    name, audience = clean_line(name), clean_line(audience)
    errors = {}
    if not name:
        errors["name"] = "Give the template a name."
    elif len(name) > 120:
        errors["name"] = "Keep the name to 120 characters."
    elif db.session.scalar(select(PlanTemplate.id).where(PlanTemplate.name == name)):
        errors["name"] = f"A template is already called “{name}”."
    if len(audience) > 200:
        errors["audience"] = "Keep it to 200 characters."
    if errors:
        raise ValidationError(errors)
    template = PlanTemplate(name=name, audience=audience)
    db.session.add(template)
    db.session.commit()
    return template


def add_template_item(actor: User, template: PlanTemplate, draft: ItemDraft) -> PlanTemplateItem:
    _require_template_manager(actor)
    errors: dict[str, str] = {}
    due_day = _due_day(draft.due, errors)
    kind, title, page, process = _target(draft, errors)
    if errors:
        raise ValidationError(errors)
    item = PlanTemplateItem(
        template=template, kind=kind, title=title, due_day=due_day, page=page, process=process
    )
    db.session.add(item)
    db.session.commit()
    return item


def remove_template_item(actor: User, template: PlanTemplate, item_id: int) -> None:
    _require_template_manager(actor)
    item = db.session.get(PlanTemplateItem, item_id)
    if item is None or item.template_id != template.id:
        raise NotFound("There is no such item in this template.")
    db.session.delete(item)
    db.session.commit()


def apply_template(template: PlanTemplate, newcomer: User, start: date) -> int:
    """Add the template's items to the newcomer's plan, due `due_day` days after `start`;
    items already applied are skipped. Uncommitted: it goes with the assignment."""
    applied = set(
        db.session.scalars(
            select(PlanItem.template_item_id).where(
                PlanItem.newcomer_id == newcomer.id, PlanItem.template_item_id.is_not(None)
            )
        )
    )
    added = 0
    for source in template.items:
        if source.id in applied:
            continue
        db.session.add(
            PlanItem(
                newcomer=newcomer,
                kind=source.kind,
                title=source.title,
                due_on=start + timedelta(days=source.due_day),
                page_id=source.page_id,
                process_id=source.process_id,
                template_item_id=source.id,
            )
        )
        added += 1
    return added


def default_title(kind: str, page: Page | None, process: Process | None) -> str:
    """What an item is called when nobody named it: after its page or process."""
    if kind == "read_page" and page is not None:
        return f"Read “{page.title}”"
    if kind == "learn_process" and process is not None:
        return f"Learn {process.name}"
    if kind == "meet_expert" and process is not None:
        return f"Meet an expert in {process.name}"
    return ""


def due_label(due_day: int) -> str:
    """How a due offset reads: "day 3", "week 2"."""
    if due_day >= 7 and due_day % 7 == 0:
        return f"week {due_day // 7 + 1}"
    return f"day {due_day + 1}"


# --- A newcomer's plan ------------------------------------------------------------------


def plan_of(newcomer: User) -> list[PlanItem]:
    return list(
        db.session.scalars(
            select(PlanItem)
            .where(PlanItem.newcomer_id == newcomer.id)
            .order_by(PlanItem.due_on, PlanItem.id)
        )
    )


def progress(items: list[PlanItem], today: date) -> Progress:
    due = [item for item in items if item.due_on <= today]
    open_items = [item for item in items if not item.is_done]
    return Progress(
        total=len(items),
        done=sum(1 for item in items if item.is_done),
        due_by_now=len(due),
        done_of_due=sum(1 for item in due if item.is_done),
        overdue=[item for item in open_items if item.is_overdue(today)],
        next_items=[item for item in open_items if not item.is_overdue(today)][:5],
    )


def get_item(actor: User, item_id: int, today: date | None = None) -> PlanItem:
    item = db.session.get(PlanItem, item_id)
    if item is None or not can_follow(actor, item.newcomer, today or utcnow().date()):
        raise NotFound("There is no such plan item.")
    return item


def add_item(actor: User, newcomer: User, draft: ItemDraft, today: date | None = None) -> PlanItem:
    today = today or utcnow().date()
    if not can_follow(actor, newcomer, today):
        raise NotAllowed("Only the newcomer, their buddy, admins and managers change this plan.")
    errors: dict[str, str] = {}
    due_on = date_field(draft.due, errors, "due", missing=DUE_DATE, malformed=DUE_DATE)
    kind, title, page, process = _target(draft, errors)
    if errors:
        raise ValidationError(errors)
    item = PlanItem(
        newcomer=newcomer, kind=kind, title=title, due_on=due_on, page=page, process=process
    )
    db.session.add(item)
    db.session.flush()
    _complete_reading(newcomer, utcnow())  # a page already read counts at once
    db.session.commit()
    return item


def reschedule(actor: User, item: PlanItem, due_text: str) -> None:
    errors: dict[str, str] = {}
    due_on = date_field(due_text, errors, "due", missing=DUE_DATE, malformed=DUE_DATE)
    if errors:
        raise ValidationError(errors)
    item.due_on = due_on
    db.session.commit()


def remove_item(actor: User, item: PlanItem) -> None:
    db.session.delete(item)
    db.session.commit()


def set_done(actor: User, item: PlanItem, done: bool, now: datetime | None = None) -> None:
    """Check or uncheck an item by hand (the newcomer or the buddy)."""
    if done and not item.is_done:
        item.done_at, item.done_by = now or utcnow(), actor
    elif not done:
        item.done_at, item.done_by = None, None
    db.session.commit()


def record_read(reader: User, page: Page, now: datetime | None = None) -> bool:
    """Note a newcomer's first opening of a page and tick what it completes.

    Looks before it writes, so that a page read before costs one query and no write.
    """
    if not reader.is_newcomer:
        return False
    read = db.session.scalar(
        select(PageRead.id).where(PageRead.user_id == reader.id, PageRead.page_id == page.id)
    )
    if read is not None:
        return False
    now = now or utcnow()
    db.session.add(PageRead(user_id=reader.id, page_id=page.id, first_read_at=now))
    db.session.flush()
    _complete_reading(reader, now)
    db.session.commit()
    return True


def _complete_reading(newcomer: User, now: datetime) -> None:
    """Tick the open read_page items whose page is read, and the learn_process items whose
    process's pages are all read."""
    open_items = db.session.scalars(
        select(PlanItem).where(
            PlanItem.newcomer_id == newcomer.id,
            PlanItem.done_at.is_(None),
            PlanItem.kind.in_(("read_page", "learn_process")),
        )
    ).all()
    if not open_items:
        return
    read = set(db.session.scalars(select(PageRead.page_id).where(PageRead.user_id == newcomer.id)))
    for item in open_items:
        if item.kind == "read_page" and item.page_id in read:
            item.done_at, item.done_by = now, newcomer
        elif item.kind == "learn_process" and item.process_id is not None:
            pages = set(
                db.session.scalars(select(Page.id).where(Page.process_id == item.process_id))
            )
            if pages and pages <= read:
                item.done_at, item.done_by = now, newcomer


def process_read_counts(newcomer: User, process_ids: list[int]) -> dict[int, tuple[int, int]]:
    """process id → (pages read, pages) for the newcomer."""
    if not process_ids:
        return {}
    totals = dict(
        db.session.execute(
            select(Page.process_id, func.count(Page.id))
            .where(Page.process_id.in_(process_ids))
            .group_by(Page.process_id)
        ).all()
    )
    read = dict(
        db.session.execute(
            select(Page.process_id, func.count(Page.id))
            .join(PageRead, PageRead.page_id == Page.id)
            .where(PageRead.user_id == newcomer.id, Page.process_id.in_(process_ids))
            .group_by(Page.process_id)
        ).all()
    )
    return {pid: (read.get(pid, 0), totals.get(pid, 0)) for pid in process_ids}


# --- Checking drafts --------------------------------------------------------------------


Target = tuple[str, str, Page | None, Process | None]  # kind, title, page, process


def _target(draft: ItemDraft, errors: dict[str, str]) -> Target:
    kind = draft.kind
    title = clean_line(draft.title)
    page = process = None
    if kind not in ITEM_KINDS:
        errors["kind"] = "Choose what the item asks: " + ", ".join(ITEM_KIND_LABELS.values())
        return kind, title, None, None
    if kind == "read_page":
        found = tree.page_at_address(draft.page_path)
        if found is None:
            errors["page"] = (
                "Give the address of a page: paste it from the address bar, or write its path, "
                "as in /p/procure-to-pay/payments/…"
            )
        else:
            page = found
            title = title or default_title(kind, page, None)
    elif kind in ("learn_process", "meet_expert"):
        try:
            process = tree.get_process(draft.process_path)
        except NotFound:
            errors["process"] = "Choose a process."
        else:
            title = title or default_title(kind, None, process)
    if not title:
        errors["title"] = "Say what the task is."
    elif len(title) > 200:
        errors["title"] = "Keep it to 200 characters."
    return kind, title, page, process


def _due_day(text: str, errors: dict[str, str]) -> int:
    text = text.strip()
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_DUE_DAY + 1:
        errors["due"] = f"Give the day it is due, from 1 (the first day) to {MAX_DUE_DAY + 1}."
        return 0
    return int(text) - 1


def _require_template_manager(actor: User) -> None:
    if not can_manage_templates(actor):
        raise NotAllowed("Only admins, managers and trainers change plan templates.")
