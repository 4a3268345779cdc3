"""Loading and exporting the onboarding part of a content folder: plan templates, and each
newcomer's buddy and plan. Each load step says what it did as (label, created, changed)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from wiki.auth.models import User
from wiki.buddies.models import (
    DEFAULT_ASSIGNMENT_DAYS,
    BuddyAssignment,
    PlanItem,
    PlanTemplate,
    PlanTemplateItem,
)
from wiki.buddies.plans import apply_template, default_title
from wiki.content import files
from wiki.content.plans_file import PlanItemEntry, PlanTemplateEntry
from wiki.extensions import db
from wiki.processes.models import Page, Process
from wiki.timeutil import utcnow

Outcome = tuple[str, bool, bool]


def load_plan_template(
    entry: PlanTemplateEntry, processes: dict[str, Process]
) -> tuple[PlanTemplate, Outcome]:
    template = db.session.scalar(select(PlanTemplate).where(PlanTemplate.name == entry.name))
    created = template is None
    if created:
        template = PlanTemplate(name=entry.name)
        db.session.add(template)
    wanted = [_template_item(item, processes) for item in entry.items]
    current = [
        (item.kind, item.title, item.due_day, item.page_id, item.process_id)
        for item in template.items
    ]
    changed = template.audience != entry.audience or current != [
        (item.kind, item.title, item.due_day, item.page_id, item.process_id) for item in wanted
    ]
    if changed:
        template.audience = entry.audience
        template.items = wanted
    return template, (f"plan template {entry.name}", created, changed)


def _template_item(item: PlanItemEntry, processes: dict[str, Process]) -> PlanTemplateItem:
    page = process = None
    if item.kind == "read_page":
        page = db.session.scalar(select(Page).where(Page.path == item.target))
    elif item.kind != "custom":
        process = processes[item.target]
    if item.kind == "custom":
        title = item.target
    else:
        title = item.title or default_title(item.kind, page, process)
    return PlanTemplateItem(
        kind=item.kind,
        title=title,
        due_day=item.day - 1,
        page_id=page.id if page else None,
        process_id=process.id if process else None,
    )


def load_buddy(entry: files.PersonEntry, people: dict[str, User]) -> Outcome | None:
    """Assign the buddy (and apply the plan) to a newcomer who has no assignment yet; a wiki
    where someone has assigned buddies in the app keeps its own."""
    if not entry.buddy:
        return None
    newcomer = people[entry.email]
    label = f"buddy of {entry.email}"
    if newcomer.id and db.session.scalar(
        select(BuddyAssignment.id).where(BuddyAssignment.newcomer_id == newcomer.id)
    ):
        return label, False, False
    start = entry.start_date or utcnow().date()
    db.session.add(
        BuddyAssignment(
            newcomer=newcomer,
            buddy=people[entry.buddy],
            starts_on=start,
            ends_on=start + timedelta(days=DEFAULT_ASSIGNMENT_DAYS),
        )
    )
    if entry.plan:
        template = db.session.scalar(select(PlanTemplate).where(PlanTemplate.name == entry.plan))
        db.session.flush()
        apply_template(template, newcomer, start)
    return label, True, False


def export_plan_templates() -> list[PlanTemplateEntry]:
    return [
        PlanTemplateEntry(
            name=template.name,
            audience=template.audience,
            # An item whose page or process has gone has nothing to point at: it is left out.
            items=[_item_entry(item) for item in template.items if _has_target(item)],
        )
        for template in db.session.scalars(select(PlanTemplate).order_by(PlanTemplate.name))
    ]


def _has_target(item: PlanTemplateItem) -> bool:
    if item.kind == "read_page":
        return item.page is not None
    return item.kind == "custom" or item.process is not None


def _item_entry(item: PlanTemplateItem) -> PlanItemEntry:
    if item.kind == "custom":
        return PlanItemEntry(item.kind, item.title, item.due_day + 1)
    target = item.page.path if item.kind == "read_page" else item.process.path
    title = "" if item.title == default_title(item.kind, item.page, item.process) else item.title
    return PlanItemEntry(item.kind, target, item.due_day + 1, title)


def buddy_and_plan_of(person: User) -> tuple[str, str]:
    """The buddy of the newcomer's first assignment and the template applied with it."""
    first = db.session.scalar(
        select(BuddyAssignment)
        .where(BuddyAssignment.newcomer_id == person.id)
        .order_by(BuddyAssignment.starts_on, BuddyAssignment.id)
        .limit(1)
    )
    if first is None:
        return "", ""
    plan = db.session.scalar(
        select(PlanTemplate.name)
        .join(PlanTemplateItem, PlanTemplateItem.template_id == PlanTemplate.id)
        .join(PlanItem, PlanItem.template_item_id == PlanTemplateItem.id)
        .where(PlanItem.newcomer_id == person.id)
        .order_by(PlanItem.id)
        .limit(1)
    )
    return first.buddy.email, plan or ""
