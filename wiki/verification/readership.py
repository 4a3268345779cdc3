"""How often each page is viewed, per page and day: no person is recorded. Each worker counts
in memory and writes its counts in one statement every few seconds, so a page view writes
nothing itself."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Hashable
from datetime import date

from flask import current_app
from sqlalchemy import Date, ForeignKey, Index, Integer, case, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from wiki.extensions import db
from wiki.processes.models import Page
from wiki.timeutil import utcnow

FLUSH_SECONDS = 10.0
PAGE_VIEWS = "page_view_tally"


class PageViewCount(db.Model):
    __tablename__ = "page_view_counts"
    # A page's views of a window are summed from the index alone, without reading the rows.
    __table_args__ = (Index("ix_page_view_counts_page_day_views", "page_id", "day", "views"),)

    page_id: Mapped[int] = mapped_column(
        ForeignKey("pages.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    views: Mapped[int] = mapped_column(Integer, default=0)


# A page's views are also added up per period of this many days (counted from day one of the
# calendar): a window of 31 days spans two periods, whose views bound the window's from above.
PERIOD_DAYS = 30


def period_of(day: date) -> int:
    return day.toordinal() // PERIOD_DAYS


class PageLastView(db.Model):
    """Per page, kept with the counts: the last day it was viewed (whether a page was read in a
    window is one row a page, not its days' rows), and its views in the latest period it was
    viewed in and in the period before that one."""

    __tablename__ = "page_last_views"

    page_id: Mapped[int] = mapped_column(
        ForeignKey("pages.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, index=True)
    period: Mapped[int]
    period_views: Mapped[int]
    previous_views: Mapped[int]


class _Tally:
    def __init__(self) -> None:
        self.counts: Counter = Counter()
        self.since = time.monotonic()
        self.lock = threading.Lock()

    def take(self) -> Counter:
        with self.lock:
            taken, self.counts, self.since = self.counts, Counter(), time.monotonic()
        return taken


def tally(name: str) -> _Tally:
    """This app's counts of a kind (each app has its own database)."""
    return current_app.extensions.setdefault(name, _Tally())


def add_to_tally(name: str, key: Hashable, write: Callable[[], None]) -> None:
    """Count one of `key`, and call `write` when the counts are FLUSH_SECONDS old."""
    counted = tally(name)
    with counted.lock:
        counted.counts[key] += 1
        due = time.monotonic() - counted.since >= FLUSH_SECONDS
    if due:
        write()


def count_view(page_id: int) -> None:
    """Count one view of the page today; written with the others within FLUSH_SECONDS."""
    add_to_tally(PAGE_VIEWS, (page_id, utcnow().date()), write_counts)


def write_counts() -> None:
    """Add this worker's counts to the table, on a connection of its own (outside the
    request's transaction, and not a change of content: page caches stay). A count that
    cannot be written (the database away) is dropped: it is not worth a failed page."""
    counts = tally(PAGE_VIEWS).take()
    if not counts:
        return
    table = PageViewCount.__table__
    try:
        with db.engine.begin() as connection:
            # Only pages that still exist: one deleted meanwhile would refuse the whole batch.
            pages = {page for page, _ in counts}
            existing = set(connection.scalars(select(Page.id).where(Page.id.in_(pages))))
            rows = [
                {"page_id": page, "day": day, "views": n}
                for (page, day), n in sorted(counts.items())
                if page in existing
            ]
            if rows:
                add_counts(connection, table, rows, keys=("page_id", "day"))
                _keep_last_days(connection, rows)
    except SQLAlchemyError:
        return


def _keep_last_days(connection, rows: list[dict]) -> None:
    """Only ever added to, never recomputed from the counts: two workers flushing at once
    cannot lose each other's views."""
    per_period: dict[tuple[int, int], tuple[date, int]] = {}
    for row in rows:
        key = (row["page_id"], period_of(row["day"]))
        last, views = per_period.get(key, (row["day"], 0))
        per_period[key] = (max(last, row["day"]), views + row["views"])
    table = PageLastView.__table__
    old = table.c
    # A statement per period (a flush spans two across midnight at most): one statement may
    # change a page's row only once.
    for period in sorted({period for _, period in per_period}):
        insert = (
            _dialect(connection)
            .insert(table)
            .values(
                [
                    {
                        "page_id": page,
                        "day": last,
                        "period": period,
                        "period_views": views,
                        "previous_views": 0,
                    }
                    for (page, of), (last, views) in sorted(per_period.items())
                    if of == period
                ]  # fmt: skip
            )
        )
        new = insert.excluded
        later = {
            "day": case((new.day > old.day, new.day), else_=old.day),
            "period": case((new.period > old.period, new.period), else_=old.period),
            "period_views": case(
                (new.period == old.period, old.period_views + new.period_views),
                (new.period > old.period, new.period_views),
                else_=old.period_views,
            ),
            "previous_views": case(
                (new.period == old.period + 1, old.period_views),
                (new.period > old.period + 1, 0),
                (new.period == old.period - 1, old.previous_views + new.period_views),
                else_=old.previous_views,
            ),
        }
        connection.execute(insert.on_conflict_do_update(index_elements=[old.page_id], set_=later))


def _dialect(connection):
    return postgresql if connection.dialect.name == "postgresql" else sqlite


def add_counts(connection, table, rows: list[dict], keys: tuple[str, ...]) -> None:
    """Insert the rows, or add their counts (every column but `keys`) to the rows there."""
    insert = _dialect(connection).insert(table).values(rows)
    counted = [name for name in rows[0] if name not in keys]
    connection.execute(
        insert.on_conflict_do_update(
            index_elements=[table.c[name] for name in keys],
            set_={name: table.c[name] + insert.excluded[name] for name in counted},
        )
    )
