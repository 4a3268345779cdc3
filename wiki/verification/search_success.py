"""Search success for content health: per day and top process, how many searches were made,
how many found nothing and how many were followed by opening a result. Counted, never per
person: the search domain reports each search and first opening here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Date, String, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from wiki.extensions import db
from wiki.processes.models import Process
from wiki.timeutil import utcnow
from wiki.verification.readership import add_counts, add_to_tally, tally

WINDOW = timedelta(days=30)
NO_AREA = ""  # a search in no process that found nothing to place it by
SEARCHES = "search_tally"


class SearchDayCount(db.Model):
    __tablename__ = "search_day_counts"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    # The top process's path: the one searched in, else the one of the best hit.
    area: Mapped[str] = mapped_column(String(200), primary_key=True)
    searches: Mapped[int] = mapped_column(default=0)
    no_results: Mapped[int] = mapped_column(default=0)
    opened: Mapped[int] = mapped_column(default=0)


def count_search(area: str, found: bool) -> None:
    _add(area, "searches")
    if not found:
        _add(area, "no_results")


def count_opening(area: str) -> None:
    """A search followed by opening a result (its first opening): counted for the area the
    search was counted for, which its result links carry."""
    tops = set(db.session.scalars(select(Process.path).where(Process.parent_id.is_(None))))
    _add(area if area in tops else NO_AREA, "opened")


def _add(area: str, column: str) -> None:
    """Counted in memory and written with the others every few seconds, like the page views:
    a search changes no content, and a write of its own cost a tenth of a results page."""
    add_to_tally(SEARCHES, (utcnow().date(), area, column), write_counts)


def write_counts() -> None:
    """Add this worker's counts to the table, on a connection of its own. Counts that cannot
    be written (the database away) are dropped: they are not worth a failed search."""
    counts = tally(SEARCHES).take()
    if not counts:
        return
    rows: dict[tuple[date, str], dict] = {}
    for (day, area, column), n in sorted(counts.items()):
        row = rows.setdefault(
            (day, area), {"day": day, "area": area, "searches": 0, "no_results": 0, "opened": 0}
        )
        row[column] += n
    try:
        with db.engine.begin() as connection:
            add_counts(connection, SearchDayCount.__table__, list(rows.values()), ("day", "area"))
    except SQLAlchemyError:
        return


@dataclass
class AreaSearches:
    name: str
    path: str
    searches: int = 0
    no_results: int = 0
    opened: int = 0

    @property
    def opened_share(self) -> float | None:
        return min(self.opened / self.searches, 1.0) if self.searches else None

    @property
    def empty_share(self) -> float | None:
        return self.no_results / self.searches if self.searches else None


def search_success(now: datetime) -> tuple[AreaSearches, list[AreaSearches]]:
    """All searches of the window, and those of each top process (and of none) that had any."""
    write_counts()  # this worker's counts of the last seconds
    rows = db.session.execute(
        select(
            SearchDayCount.area,
            func.sum(SearchDayCount.searches),
            func.sum(SearchDayCount.no_results),
            func.sum(SearchDayCount.opened),
        )
        .where(SearchDayCount.day >= (now - WINDOW).date())
        .group_by(SearchDayCount.area)
    ).all()
    names = dict(
        db.session.execute(
            select(Process.path, Process.name).where(Process.parent_id.is_(None))
        ).all()
    )
    overall = AreaSearches("All searches", "")
    areas: dict[str, AreaSearches] = {}
    for area, searches, no_results, opened in rows:
        # A top process renamed or gone since: its searches count as in no process.
        path = area if area in names else NO_AREA
        row = areas.setdefault(path, AreaSearches(names.get(path, "No process"), path))
        for total in (row, overall):
            total.searches += searches
            total.no_results += no_results
            total.opened += opened
    return overall, [areas[path] for path in sorted(areas, key=lambda path: path or "~")]
