"""What a change to a verified page sets off, and what becomes of a verifier who leaves:
receivers of the domains' events (wired in wiki/subscribers.py)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select

from wiki import events
from wiki.auth.models import User
from wiki.buddies.models import PageRead, PlanItem
from wiki.extensions import db
from wiki.gaps.models import CourseModule, module_processes
from wiki.notifications.services import notify, notify_many
from wiki.processes.links import backlinks
from wiki.processes.models import Page, Revision
from wiki.timeutil import utcnow
from wiki.verification import dependencies, services

# Whoever read a page this recently hears that it changed.
READ_RECENTLY = timedelta(days=90)


def connect() -> None:
    events.page_edited.connect(_edited, weak=False)
    events.page_verified.connect(_verified, weak=False)
    events.person_deactivated.connect(_deactivated, weak=False)


def _edited(page: Page, actor: User | None, minor: bool = False) -> None:
    if actor is not None and actor.id == page.owner_id:
        dependencies.clear_page(page)  # its owner looked after it
    trust = services.trust_of(page)
    if trust is None or services.state_of(trust) == services.EXPIRED:
        return
    # The two newest revisions (the page's own counter is updated in the database, not yet
    # on the object, while the save is under way).
    newest = db.session.scalars(
        select(Revision)
        .where(Revision.page_id == page.id)
        .order_by(Revision.number.desc())
        .limit(2)
    ).all()
    if len(newest) < 2:
        return
    after, before = newest
    old, new = f"{before.title}\n{before.body}", f"{after.title}\n{after.body}"
    if not services.is_material(old, new, minor):
        return
    now = utcnow()
    first_change = trust.changed_at is None
    trust.changed_at = trust.changed_at or now
    services.record_step(page, "changed", actor, revision=after.number)
    changes = f"/p/{page.path}/+diff?from={trust.verified_revision}&to={after.number}"
    if first_change and trust.verifier is not None:
        notify(
            [trust.verifier],
            "verification_review",
            f"Review “{page.title}”: it changed",
            f"“{page.title}”, which you verified, changed materially; it is due for review. "
            "Read what changed and verify it again.",
            changes,
        )
    _tell_readers(page, after, actor)
    _tell_dependants(page, before, after)


def _verified(page: Page, actor: User | None) -> None:
    dependencies.clear_page(page)  # vouched for as it stands


def _tell_readers(page: Page, after: Revision, actor: User | None) -> None:
    """Everyone who read the page recently or has it in their plan hears what changed since
    the revision they read (one notice per group that read the same revision); a plan's
    reading item for it opens again."""
    since = utcnow() - READ_RECENTLY
    reads = db.session.execute(
        select(PageRead.user_id, PageRead.first_read_at).where(
            PageRead.page_id == page.id, PageRead.first_read_at >= since
        )
    ).all()
    planned = db.session.scalars(
        select(PlanItem).where(PlanItem.page_id == page.id, PlanItem.kind == "read_page")
    ).all()
    read_at = dict(reads)
    people = set(read_at) | {item.newcomer_id for item in planned}
    people.discard(actor.id if actor is not None else None)
    if people:
        # The revision each read: the newest one saved before their first reading.
        history = db.session.execute(
            select(Revision.number, Revision.created_at)
            .where(Revision.page_id == page.id)
            .order_by(Revision.number)
        ).all()
        groups: dict[int | None, list[User]] = {}
        for person in db.session.scalars(select(User).where(User.id.in_(people))):
            moment = read_at.get(person.id)
            seen = None if moment is None else _revision_at(history, moment)
            groups.setdefault(seen, []).append(person)
        for seen, readers in groups.items():
            since_read = seen is not None and seen < after.number
            notify_many(
                readers,
                "page_changed",
                f"{page.title} changed since you read it",
                f"“{page.title}” changed in a way that matters: read what changed.",
                f"/p/{page.path}/+diff?from={seen}&to={after.number}"
                if since_read
                else f"/p/{page.path}",
            )
    reopened = [item for item in planned if item.done_at is not None]
    for item in reopened:
        item.done_at, item.done_by_id = None, None
    if reopened:
        # Read again, it is ticked again.
        db.session.execute(
            delete(PageRead).where(
                PageRead.page_id == page.id,
                PageRead.user_id.in_([item.newcomer_id for item in reopened]),
            )
        )


def _tell_dependants(page: Page, before: Revision, after: Revision) -> None:
    """The pages that link here and the course modules built on its process are marked
    "depends on a page that changed"; their owners and the trainers hear of it."""
    changes = f"/p/{page.path}/+diff?from={before.number}&to={after.number}"
    linking = backlinks(page)
    for dependant in linking:
        if dependant.owner is not None:
            notify(
                [dependant.owner],
                "dependency_changed",
                f"{dependant.title} depends on a page that changed",
                f"“{dependant.title}” links to “{page.title}”, which changed materially. Check "
                "that it still says the same.",
                changes,
            )
    chain = [process.id for process in [*page.process.ancestors(), page.process]]
    modules = db.session.scalars(
        select(CourseModule)
        .join(module_processes, module_processes.c.module_id == CourseModule.id)
        .where(module_processes.c.process_id.in_(chain))
        .distinct()
    ).all()
    dependencies.mark([*linking, *modules], page, before.number, after.number, utcnow())
    if modules:
        trainers = db.session.scalars(
            select(User).where(User.active.is_(True)).where(User.role_rows.any(role="trainer"))
        ).all()
        names = ", ".join(f"“{module.title}”" for module in modules)
        notify(
            trainers,
            "dependency_changed",
            f"Course modules depend on a page that changed: {page.title}",
            f"{names} cover {page.process.name}, where “{page.title}” changed materially.",
            changes,
        )


def _deactivated(person: User, actor: User | None) -> None:
    """The pages a leaving verifier vouched for pass to the backup verifier of each page's
    process; a page without one keeps its date and expires in its time."""
    for trust in services.pages_verified_by(person):
        services.pass_to_backup(trust, person, actor, "no longer uses the wiki")


def _revision_at(history: list, moment) -> int | None:
    """The number of the revision that was current at that moment (history: (number, saved)
    in order)."""
    seen = None
    for number, saved in history:
        if saved > moment:
            break
        seen = number
    return seen
