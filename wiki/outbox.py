"""Rows waiting to be sent (webhook deliveries, mail): the database's clock, claiming one row
so that no two senders on any host send it, and waking `wiki worker` when the saving commit
lands. Shared by wiki/webhooks/delivery.py and wiki/notifications/mail.py."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import DateTime, func, select, text, type_coerce, update
from sqlalchemy.orm import InstrumentedAttribute, Session

# The channel `wiki worker` listens on (PostgreSQL); a commit that made rows to send notifies it.
CHANNEL = "wiki_outbox"


def database_now(session: Session) -> datetime:
    """The database's clock, naive UTC like every time the app stores. Claims are judged by it
    alone, so that a sender whose own clock (or `wiki tick --now`) runs ahead cannot take a
    fresh claim of another sender for a stalled one."""
    if session.get_bind().dialect.name == "postgresql":
        clock = func.timezone("UTC", func.clock_timestamp())
    else:
        # SQLAlchemy's own storage format on SQLite, to the millisecond.
        clock = func.strftime("%Y-%m-%d %H:%M:%f000", "now")
    return session.scalar(select(type_coerce(clock, DateTime())))


def wake_worker(session: Session) -> None:
    """Tell `wiki worker` there is something to send, once the session's transaction commits
    (PostgreSQL delivers a NOTIFY at commit, and never for a rollback). On SQLite the worker
    polls."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"NOTIFY {CHANNEL}"))


def stalled_after(deadline_seconds: float) -> timedelta:
    """A claim this old belongs to a sender that died mid-send: every attempt ends at its
    deadline, so three deadlines (at least a minute) is long past any live one."""
    return timedelta(seconds=max(60.0, 3 * deadline_seconds))


def backoff(attempts: int) -> timedelta:
    """The wait after the attempts made so far failed: 1, 2, 4 ... minutes."""
    return timedelta(minutes=2 ** max(attempts - 1, 0))


def release_stalled(session: Session, model: type, stalled, values: dict) -> int:
    """Apply `values` to the rows matching `stalled` (claims whose sender died), looking first
    so that an idle worker writes nothing; returns how many."""
    if session.scalar(select(model.id).where(stalled).limit(1)) is None:
        session.rollback()
        return 0
    released = session.execute(
        update(model).where(stalled).values(values).execution_options(synchronize_session=False)
    ).rowcount
    session.commit()
    return released


@dataclass(frozen=True)
class Claim:
    """One row this sender alone may send; `token` fences its result (a sender thought dead
    whose row was claimed again cannot write over the new claim's result)."""

    row_id: int
    token: str
    claimed_at: datetime


def claim_one(
    session: Session,
    model: type,
    due,
    claim_columns: tuple[InstrumentedAttribute, InstrumentedAttribute],
    values: dict,
) -> Claim | None:
    """Mark the oldest row of `model` matching `due` as this sender's and commit; None when no
    row is due. PostgreSQL picks it with FOR UPDATE SKIP LOCKED, so two senders each take a
    different row without waiting on each other; SQLite runs one writer at a time, and the
    guard is repeated in the UPDATE itself, so a row taken meanwhile is not taken again."""
    by_column, at_column = claim_columns
    # A look first, which takes no lock: an idle worker polling SQLite never blocks a save.
    if session.scalar(select(model.id).where(due).limit(1)) is None:
        session.rollback()
        return None
    token = uuid.uuid4().hex
    now = database_now(session)
    oldest = (
        select(model.id)
        .where(due)
        .order_by(model.id)
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    claimed = session.execute(
        update(model)
        .where(model.id == oldest, due)
        .values({by_column: token, at_column: now, **values})
        .returning(model.id)
        .execution_options(synchronize_session=False)
    ).scalar()
    if claimed is None:
        session.rollback()
        return None
    session.commit()
    return Claim(claimed, token, now)
