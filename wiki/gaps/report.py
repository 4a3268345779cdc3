"""The trainer's gap report: gaps grouped along the process tree with counts, people affected,
median age and the top search misses; opened against resolved per week; the time from logging
to documented; and the gaps themselves for CSV."""

from __future__ import annotations

import csv
import io
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from statistics import median

from sqlalchemy import DateTime, and_, func, literal, select

from wiki.extensions import db
from wiki.gaps.models import SOURCES, STATUSES, Gap, GapAffected
from wiki.processes import tree
from wiki.processes.models import Process
from wiki.search.models import SearchMiss

TOP_MISSES = 3
# A cell starting with one of these is a formula to a spreadsheet: it is written with a quote.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class ReportFilters:
    process_path: str = ""
    since: date | None = None
    until: date | None = None
    source: str = ""
    status: str = ""


@dataclass
class ProcessRow:
    process: Process
    depth: int
    own: int = 0  # gaps logged on this very process
    total: int = 0  # here and below
    people: int = 0  # distinct people affected, here and below
    median_age_days: float | None = None
    top_misses: list[tuple[str, int]] = field(default_factory=list)


@dataclass
class GapReport:
    filters: ReportFilters
    rows: list[ProcessRow]
    total: int
    people: int
    weeks: list[tuple[date, int, int]]  # week's Monday, opened, resolved
    median_days_to_documented: float | None
    gap_ids: list[int]


def build_report(filters: ReportFilters, now: datetime) -> GapReport:
    scope = _scope(filters.process_path)
    conditions = [Gap.merged_into_id.is_(None)]
    if scope is not None:
        conditions.append(Gap.process_id.in_(scope))
    if filters.since:
        conditions.append(Gap.created_at >= datetime.combine(filters.since, datetime.min.time()))
    if filters.until:
        end = datetime.combine(filters.until + timedelta(days=1), datetime.min.time())
        conditions.append(Gap.created_at < end)
    if filters.source in SOURCES:
        conditions.append(Gap.source == filters.source)
    if filters.status in STATUSES:
        conditions.append(Gap.status == filters.status)
    where = and_(*conditions)
    # Ages come from the database as numbers of days: reading 100,000 datetimes would cost more
    # than the rest of the report.
    gaps = db.session.execute(
        select(
            Gap.id,
            Gap.process_id,
            _days_before(now, Gap.created_at),
            _days_before(now, Gap.resolved_at),
            Gap.status,
        ).where(where)
    ).all()
    pairs = db.session.execute(
        select(Gap.process_id, GapAffected.user_id)
        .join(GapAffected, GapAffected.gap_id == Gap.id)
        .where(where)
        .distinct()
    ).all()
    rows = _rows_along_tree(gaps, pairs, now, scope)
    _add_top_misses(rows, filters)
    documented = [
        created_age - resolved_age
        for _id, _pid, created_age, resolved_age, status in gaps
        if status in ("documented", "closed") and resolved_age is not None
    ]
    return GapReport(
        filters=filters,
        rows=rows,
        total=len(gaps),
        people=len({user for _pid, user in pairs}),
        weeks=_weeks(gaps, now),
        median_days_to_documented=median(documented) if documented else None,
        gap_ids=[row[0] for row in gaps],
    )


def _days_before(now: datetime, column):
    """Days from the column's moment to `now`, as a number, in the database's own arithmetic."""
    moment = literal(now, DateTime())
    if db.engine.dialect.name == "sqlite":
        return func.julianday(moment) - func.julianday(column)
    return func.extract("epoch", moment - column) / 86400.0


def _scope(process_path: str) -> set[int] | None:
    if not process_path:
        return None
    process = tree.get_process(process_path)
    return set(
        db.session.scalars(
            select(Process.id).where(
                (Process.id == process.id) | Process.path.startswith(process.path + "/")
            )
        )
    )


def _rows_along_tree(gaps, pairs, now: datetime, scope: set[int] | None) -> list[ProcessRow]:
    """One row per process that has gaps here or below, in tree order, with subtree sums.

    Each process first collects its own gaps' ages and people; then, children before parents,
    each passes its collection up in one list or set operation, so that no gap is walked up
    the tree one by one."""
    own_ages: dict[int, list[float]] = defaultdict(list)
    for _id, process_id, age, _resolved_age, _status in gaps:
        own_ages[process_id].append(age)
    own_people: dict[int, set[int]] = defaultdict(set)
    for process_id, user_id in pairs:
        own_people[process_id].add(user_id)
    ordered = _tree_order(tree.process_tree())
    ages: dict[int, list[float]] = {}
    people: dict[int, set[int]] = {}
    for process in reversed(ordered):  # every child comes after its parent in tree order
        ages.setdefault(process.id, []).extend(own_ages.get(process.id, ()))
        people.setdefault(process.id, set()).update(own_people.get(process.id, ()))
        if process.parent_id is not None:
            ages.setdefault(process.parent_id, []).extend(ages[process.id])
            people.setdefault(process.parent_id, set()).update(people[process.id])
    rows = []
    for process in ordered:
        subtree_ages = ages[process.id]
        if not subtree_ages or (scope is not None and process.id not in scope):
            continue
        rows.append(
            ProcessRow(
                process=process,
                depth=process.depth,
                own=len(own_ages.get(process.id, ())),
                total=len(subtree_ages),
                people=len(people[process.id]),
                median_age_days=median(subtree_ages),
            )
        )
    return rows


def _tree_order(nodes) -> list[Process]:
    ordered = []
    for node in nodes:
        ordered.append(node.process)
        ordered.extend(_tree_order(node.children))
    return ordered


def _add_top_misses(rows: list[ProcessRow], filters: ReportFilters) -> None:
    by_id = {row.process.id: row for row in rows}
    if not by_id:
        return
    query = (
        select(SearchMiss.process_id, SearchMiss.normalized, func.count(SearchMiss.id))
        .where(SearchMiss.process_id.in_(list(by_id)))
        .group_by(SearchMiss.process_id, SearchMiss.normalized)
    )
    if filters.since:
        query = query.where(
            SearchMiss.created_at >= datetime.combine(filters.since, datetime.min.time())
        )
    counted: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for process_id, words, count in db.session.execute(query):
        counted[process_id].append((words, count))
    for process_id, misses in counted.items():
        misses.sort(key=lambda pair: (-pair[1], pair[0]))
        by_id[process_id].top_misses = misses[:TOP_MISSES]


def _weeks(gaps, now: datetime, count: int = 12) -> list[tuple[date, int, int]]:
    """Opened and resolved per week for the last `count` weeks, oldest first."""
    this_monday = now.date() - timedelta(days=now.weekday())
    since_monday = (now - datetime.combine(this_monday, datetime.min.time())) / timedelta(days=1)
    opened: Counter[int] = Counter()
    resolved: Counter[int] = Counter()
    for _id, _pid, created_age, resolved_age, _status in gaps:
        opened[_weeks_back(since_monday, created_age)] += 1
        if resolved_age is not None:
            resolved[_weeks_back(since_monday, resolved_age)] += 1
    return [
        (this_monday - timedelta(weeks=back), opened[back], resolved[back])
        for back in range(count - 1, -1, -1)
    ]


def _weeks_back(since_monday: float, days_before: float) -> int:
    """0 for a moment in this week, 1 for last week, and so on.

    Day numbers carry a rounding error of about a tenth of a millisecond: to the nearest
    millisecond, a gap logged at midnight on a Monday stays in its own week."""
    days_into_week = round((since_monday - days_before) * 86_400_000) / 86_400_000
    return -math.floor(days_into_week / 7)


def safe_cell(value: object) -> str:
    """A cell as text that no spreadsheet runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


CSV_COLUMNS = (
    "id",
    "title",
    "process",
    "source",
    "status",
    "reporter",
    "people affected",
    "owner",
    "due",
    "logged",
    "resolved",
    "documented in",
    "course module",
)


def report_csv(report: GapReport) -> str:
    """The report's gaps, one row each, UTF-8 text for a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    ids = report.gap_ids
    for start in range(0, len(ids), 500):
        chunk = db.session.scalars(
            select(Gap).where(Gap.id.in_(ids[start : start + 500])).order_by(Gap.id)
        )
        for gap in chunk:
            writer.writerow(
                [
                    safe_cell(value)
                    for value in (
                        gap.id,
                        gap.title,
                        gap.process.path,
                        SOURCES[gap.source],
                        STATUSES[gap.status],
                        gap.reporter.name if gap.reporter else "",
                        len(gap.affected),
                        gap.owner.name if gap.owner else "",
                        gap.due_on.isoformat() if gap.due_on else "",
                        gap.created_at.isoformat(timespec="minutes"),
                        gap.resolved_at.isoformat(timespec="minutes") if gap.resolved_at else "",
                        gap.documented_page.path if gap.documented_page else "",
                        f"{gap.course_module.course.title}: {gap.course_module.title}"
                        if gap.course_module
                        else "",
                    )
                ]
            )
    return out.getvalue()
