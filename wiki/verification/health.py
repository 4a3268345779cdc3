"""Content health for trainers and managers: how much of what people read is verified (the
trust score, per top process, against an 80 % line, and day by day), the most read pages that
are not verified, pages nobody read in 180 days, and how often searches succeed per process."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Date, Select, case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from wiki.extensions import db
from wiki.processes.models import Page, Process
from wiki.verification.models import PageTrust
from wiki.verification.readership import PageLastView, PageViewCount, period_of, write_counts
from wiki.verification.search_success import AreaSearches, search_success
from wiki.verification.services import EXPIRED, STATE_LABELS, UNVERIFIED

TRUST_LINE = 0.80
READ_WINDOW = timedelta(days=30)
UNREAD_WINDOW = timedelta(days=180)
MOST_READ = 10
UNREAD_SHOWN = 50


@dataclass
class AreaTrust:
    name: str
    path: str
    viewed: int = 0  # pages viewed in the window
    verified: int = 0  # of those, verified (a review due still counts: not yet expired)

    @property
    def share(self) -> float | None:
        return self.verified / self.viewed if self.viewed else None


@dataclass
class ReadPage:
    title: str
    path: str
    views: int
    state: str

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]


@dataclass
class Health:
    overall: AreaTrust
    areas: list[AreaTrust] = field(default_factory=list)
    most_read_unverified: list[ReadPage] = field(default_factory=list)
    unread: list[tuple[str, str]] = field(default_factory=list)  # (title, path)
    unread_count: int = 0
    history: list[tuple[date, float]] = field(default_factory=list)
    searches: AreaSearches = field(default_factory=lambda: AreaSearches("All searches", ""))
    search_areas: list[AreaSearches] = field(default_factory=list)


def content_health(now: datetime) -> Health:
    """Which pages were read in the window comes from each page's last day read (one row a
    page); of the pages read and not verified, only those that may be among the most read have
    their days' views summed, from an index that holds them. 50,000 pages and a million count
    rows stay well within half a second."""
    write_counts()  # this worker's counts of the last seconds
    since = (now - READ_WINDOW).date()
    valid = PageTrust.verified_until > now  # a review due counts until expiry
    read_pages = (
        select(Page.id)
        .join(PageLastView, PageLastView.page_id == Page.id)
        .outerjoin(PageTrust, PageTrust.page_id == Page.id)
        .where(PageLastView.day >= since)
    )
    # Counted per process in the database: a row a process, not a row a page read.
    verified = func.sum(case((valid, 1), else_=0))
    read = db.session.execute(
        read_pages.with_only_columns(Page.process_id, func.count(), verified).group_by(
            Page.process_id
        )
    ).all()
    paths = dict(db.session.execute(select(Process.id, Process.path)).all())
    tops = dict(
        db.session.execute(
            select(Process.path, Process.name).where(Process.parent_id.is_(None))
        ).all()
    )
    overall = AreaTrust("All processes", "")
    areas = {path: AreaTrust(name, path) for path, name in sorted(tops.items())}
    for process_id, viewed, valid_count in read:
        for area in (overall, areas.get(paths.get(process_id, "").split("/", 1)[0])):
            if area is not None:
                area.viewed += viewed
                area.verified += int(valid_count or 0)
    most_read = _most_read_unverified(
        read_pages.where(PageTrust.page_id.is_(None) | ~valid), since, now
    )
    cutoff = now - UNREAD_WINDOW
    read_lately = (
        select(PageLastView.page_id)
        .where(PageLastView.page_id == Page.id, PageLastView.day >= cutoff.date())
        .exists()
    )
    unread = select(Page.title, Page.path).where(Page.created_at < cutoff, ~read_lately)
    searches, search_areas = search_success(now)
    return Health(
        overall=overall,
        areas=list(areas.values()),
        most_read_unverified=most_read,
        unread=[
            tuple(row) for row in db.session.execute(unread.order_by(Page.path).limit(UNREAD_SHOWN))
        ],
        unread_count=db.session.scalar(select(func.count()).select_from(unread.subquery())) or 0,
        history=trust_history(now),
        searches=searches,
        search_areas=search_areas,
    )


# Pages summed first (then four times as many, ...); past FULL_SUM of them, all at once.
FIRST_BOUNDS = 4 * MOST_READ
FULL_SUM = 3000


def _most_read_unverified(unverified: Select, since: date, now: datetime) -> list[ReadPage]:
    """The read pages not verified with the most views in the window, exactly. A page's views
    in the two periods the window spans (kept per page when counts are flushed) bound its views
    in the window from above: pages are summed in the order of their bounds, until no page
    left can pass the tenth best sum."""
    views = (
        select(func.coalesce(func.sum(PageViewCount.views), 0))
        .where(PageViewCount.page_id == Page.id, PageViewCount.day >= since)
        .scalar_subquery()
    )
    summed = unverified.with_only_columns(
        Page.id, Page.title, Page.path, views.label("views"), PageTrust.page_id.is_not(None)
    )
    current = period_of(now.date())
    bound = case(
        (PageLastView.period == current, PageLastView.period_views + PageLastView.previous_views),
        (PageLastView.period == current - 1, PageLastView.period_views),
        else_=0,
    )
    # The FULL_SUM highest bounds, in one sort; summed a few, then four times as many, ...
    bounds = db.session.execute(
        unverified.with_only_columns(Page.id, bound).order_by(bound.desc(), Page.id).limit(FULL_SUM)
    ).all()
    rows: list = []
    start, size = 0, FIRST_BOUNDS
    while start < len(bounds):
        chunk = bounds[start : start + size]
        rows += db.session.execute(
            summed.where(Page.id.in_([page_id for page_id, _ in chunk]))
        ).all()
        best = sorted(rows, key=lambda row: (-row.views, row.id))[:MOST_READ]
        start, size = start + len(chunk), size * 4
        every_one = start == len(bounds) < FULL_SUM
        if every_one or _beats_the_rest(best, *chunk[-1]):
            break
    else:  # nothing read, or more pages that may pass the tenth than are worth summing apart
        best = db.session.execute(summed.order_by(views.desc(), Page.id).limit(MOST_READ)).all()
    return [
        ReadPage(title, path, int(count), EXPIRED if ever else UNVERIFIED)
        for _, title, path, count, ever in best
    ]


def _beats_the_rest(best: list, last_id: int, last_bound: int) -> bool:
    """Whether no page not yet summed can pass the tenth: each has a bound below the last one
    read, or equal to it and an id after it (views equal, the lower id ranks first)."""
    if len(best) < MOST_READ:
        return False
    tenth = best[-1]
    return tenth.views > last_bound or (tenth.views == last_bound and last_id >= tenth.id)


class TrustSnapshot(db.Model):
    """The trust score of one day, written by `wiki tick`, for the chart over time."""

    __tablename__ = "trust_snapshots"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    viewed: Mapped[int]
    verified: Mapped[int]


def snapshot_trust(now: datetime) -> bool:
    """Keep today's overall score once a day; True when written."""
    if db.session.get(TrustSnapshot, now.date()) is not None:
        return False
    overall = content_health(now).overall
    db.session.add(TrustSnapshot(day=now.date(), viewed=overall.viewed, verified=overall.verified))
    try:
        db.session.commit()
    except IntegrityError:  # another tick kept it meanwhile
        db.session.rollback()
        return False
    return True


def trust_history(now: datetime, days: int = 180) -> list[tuple[date, float]]:
    rows = db.session.scalars(
        select(TrustSnapshot)
        .where(TrustSnapshot.day >= (now - timedelta(days=days)).date(), TrustSnapshot.viewed > 0)
        .order_by(TrustSnapshot.day)
    )
    return [(row.day, row.verified / row.viewed) for row in rows]


def health_csv(health: Health) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["area", "pages viewed (30 days)", "verified", "trust score"])
    for area in [health.overall, *health.areas]:
        share = "" if area.share is None else f"{area.share:.3f}"
        writer.writerow([area.name, area.viewed, area.verified, share])
    writer.writerow([])
    writer.writerow(["most read, not verified", "path", "views (30 days)", "state"])
    for page in health.most_read_unverified:
        writer.writerow([page.title, page.path, page.views, page.state_label])
    writer.writerow([])
    writer.writerow(["not read in 180 days", "path"])
    writer.writerows(health.unread)
    writer.writerow([])
    writer.writerow(["searches by process (30 days)", "searches", "opened a result", "no result"])
    for area in [health.searches, *health.search_areas]:
        shares = [area.opened_share, area.empty_share]
        writer.writerow(
            [area.name, area.searches, *("" if s is None else f"{s:.3f}" for s in shares)]
        )
    return out.getvalue()
