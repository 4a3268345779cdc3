"""Writing and reading the audit trail: entries join the transaction of the action they record,
so an action that is rolled back leaves none; only the retention job removes entries."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Select, delete, func, select

from wiki.audit import origin
from wiki.audit.models import KINDS, AuditEntry
from wiki.auth.models import User
from wiki.extensions import db
from wiki.textutil import clean_line, safe_cell
from wiki.timeutil import utcnow

PAGE_SIZE = 100
CSV_COLUMNS = ("when (UTC)", "what", "who", "email", "address", "object", "name", "detail")


# What an email address looks like; anything else typed into a login's email field (a password,
# say, typed one field too early) is kept only as a hash.
_ADDRESS = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]+")


def _as_typed(login: str) -> str:
    """A login as typed, for the trail: an address as it is, anything else as a hash that
    tells two tries of the same text apart and says nothing of it."""
    typed = clean_line(login)
    if not typed or _ADDRESS.fullmatch(typed):
        return typed
    return "typed, hashed: " + hashlib.sha256(typed.encode()).hexdigest()[:16]


def record(
    kind: str,
    actor: User | None = None,
    subject: str = "",
    subject_label: str = "",
    detail: str = "",
    email: str = "",
) -> AuditEntry:
    """Add an entry to the session: it is written by the commit that writes the action."""
    if kind not in KINDS:
        raise ValueError(f"unknown audit kind {kind!r}")
    entry = AuditEntry(
        kind=kind,
        actor_id=actor.id if actor is not None else None,
        actor_email=(_as_typed(email) or (actor.email if actor is not None else ""))[:254],
        address=origin.client_address(),
        subject=subject[:60],
        subject_label=clean_line(subject_label)[:300],
        detail=clean_line(detail)[:500],
    )
    db.session.add(entry)
    return entry


@dataclass
class AuditFilters:
    person: str = ""  # part of an email address
    kind: str = ""
    since: date | None = None
    until: date | None = None  # inclusive


def _chosen(filters: AuditFilters) -> Select:
    query = select(AuditEntry)
    if filters.person.strip():
        query = query.where(
            func.lower(AuditEntry.actor_email).contains(
                filters.person.strip().lower(), autoescape=True
            )
        )
    if filters.kind in KINDS:
        query = query.where(AuditEntry.kind == filters.kind)
    if filters.since:
        query = query.where(AuditEntry.at >= datetime.combine(filters.since, datetime.min.time()))
    if filters.until:
        end = datetime.combine(filters.until + timedelta(days=1), datetime.min.time())
        query = query.where(AuditEntry.at < end)
    return query


@dataclass
class AuditPage:
    entries: list[AuditEntry]
    total: int
    page: int
    page_count: int


def list_entries(filters: AuditFilters, page: int = 1) -> AuditPage:
    """The newest entries first, PAGE_SIZE a page."""
    chosen = _chosen(filters)
    total = db.session.scalar(select(func.count()).select_from(chosen.subquery())) or 0
    page_count = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), page_count)
    entries = db.session.scalars(
        chosen.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    ).all()
    return AuditPage(list(entries), total, page, page_count)


def entries_csv(filters: AuditFilters) -> str:
    """Every chosen entry, oldest first, as CSV that no spreadsheet runs as formulas."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    last_id = 0
    while True:
        chunk = db.session.scalars(
            _chosen(filters).where(AuditEntry.id > last_id).order_by(AuditEntry.id).limit(500)
        ).all()
        if not chunk:
            return out.getvalue()
        last_id = chunk[-1].id
        for entry in chunk:
            row = (
                entry.at.isoformat(timespec="seconds"),
                entry.kind_label,
                entry.actor.name if entry.actor else "",
                entry.actor_email,
                entry.address,
                entry.subject,
                entry.subject_label,
                entry.detail,
            )
            writer.writerow([safe_cell(value) for value in row])


def purge_expired(days: int, now: datetime | None = None) -> int:
    """Remove entries older than `days`: the retention bound, and the only removal there is."""
    cutoff = (now or utcnow()) - timedelta(days=days)
    result = db.session.execute(
        delete(AuditEntry)
        .where(AuditEntry.at < cutoff)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount or 0
