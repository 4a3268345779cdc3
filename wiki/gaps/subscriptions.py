"""Trainers following a process subtree: each gap logged there is announced to them."""

from __future__ import annotations

from sqlalchemy import select

from wiki.auth.models import User
from wiki.errors import NotAllowed, NotFound, ValidationError
from wiki.extensions import db
from wiki.gaps.models import SOURCES, Gap, GapSubscription
from wiki.notifications.services import notify
from wiki.processes import tree
from wiki.processes.models import Process


def can_subscribe(person: User) -> bool:
    return person.has_role("admin", "trainer")


def subscriptions_of(person: User) -> list[GapSubscription]:
    return list(
        db.session.scalars(
            select(GapSubscription)
            .join(Process, Process.id == GapSubscription.process_id)
            .where(GapSubscription.user_id == person.id)
            .order_by(Process.path)
        )
    )


def subscribe(person: User, process_path: str) -> GapSubscription:
    if not can_subscribe(person):
        raise NotAllowed("Only trainers and admins follow gaps.")
    try:
        process = tree.get_process(process_path.strip("/"))
    except NotFound:
        raise ValidationError(
            {"process": "Choose the process whose gaps you want to hear of."}
        ) from None
    existing = db.session.scalar(
        select(GapSubscription).where(
            GapSubscription.user_id == person.id, GapSubscription.process_id == process.id
        )
    )
    if existing is not None:
        return existing
    subscription = GapSubscription(user_id=person.id, process=process)
    db.session.add(subscription)
    db.session.commit()
    return subscription


def unsubscribe(person: User, subscription_id: int | None) -> None:
    subscription = db.session.get(GapSubscription, subscription_id) if subscription_id else None
    # Someone else's subscription is as absent as a missing one.
    if subscription is None or subscription.user_id != person.id:
        raise NotFound("There is no such subscription.")
    db.session.delete(subscription)
    db.session.commit()


def announce(gap: Gap) -> None:
    """Tell those following the gap's process, or one above it, that it was logged
    (uncommitted: it is committed with the gap)."""
    lineage = [process.id for process in (*gap.process.ancestors(), gap.process)]
    query = (
        select(User)
        .join(GapSubscription, GapSubscription.user_id == User.id)
        .where(GapSubscription.process_id.in_(lineage), User.active)
        .distinct()
    )
    if gap.reporter_id is not None:  # (an unnamed one, say a private question's asker, may be)
        query = query.where(User.id != gap.reporter_id)
    followers = db.session.scalars(query).all()
    notify(
        followers,
        "gap_logged",
        f"New gap in {gap.process.name}: {gap.title}",
        f"Logged from {SOURCES[gap.source].lower()}. You follow gaps in this part of the "
        "process tree.",
        f"/gaps/{gap.id}",
        dedupe_key=f"gap-logged-{gap.id}",
    )
