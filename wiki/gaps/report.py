"""The trainer's gap report: gaps grouped along the process tree with counts, people affected,
median age and the top search misses; opened against resolved per week; the time from logging
to documented; and the gaps themselves for CSV."""

from __future__ import annotations

import csv
import gc
import io
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from statistics import median

from sqlalchemy import (
    BigInteger,
    DateTime,
    Float,
    Integer,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    select,
    text,
    true,
)
from sqlalchemy.orm import joinedload, selectinload

from wiki.extensions import db
from wiki.gaps.models import SHORT_PEOPLE, SOURCES, STATUSES, CourseModule, Gap
from wiki.processes import tree
from wiki.processes.models import Process
from wiki.search.models import SearchMiss
from wiki.textutil import safe_cell

TOP_MISSES = 3
DAY = 86_400  # seconds
WEEKS = 12  # in the trend chart


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
    weeks: list[tuple[date, int, int]]  # the last WEEKS weeks: Monday, opened, resolved
    median_days_to_documented: float | None


@contextmanager
def cyclic_gc_paused():
    """Building the report makes thousands of short-lived lists and sets that reference
    counting frees by itself; the cyclic collector, woken by their number, would walk every
    object in the process each time (a third of the report's time at 100,000 gaps). The
    report page renders under it too: its 2,000 rows wake the collector just the same."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def build_report(filters: ReportFilters, now: datetime) -> GapReport:
    with cyclic_gc_paused():
        return _build_report(filters, now, tree.process_tree())


def _build_report(filters: ReportFilters, now: datetime, roots: list[tree.TreeNode]) -> GapReport:
    """The report in one grouped query (one per index part, see _index_parts), and one for
    the top search misses.

    The database sends one row per process, with its gaps' ages and their people joined into a
    text each, rather than a row per gap: at 100,000 gaps, building a result row per gap would
    cost more than everything else the report does. The people come from each gap's own copy
    of their ids (Gap.people_affected), so that no gap is joined to its people either."""
    scope = _scope(filters.process_path)
    documented = Gap.status.in_(("documented", "closed")) & Gap.resolved_at.is_not(None)
    first_monday = _first_monday(now)
    per_process = select(
        Gap.process_id,
        _joined(_seconds_from(Gap.created_at, now)),
        _joined(Gap.people_affected),
        # Joining leaves out the NULLs: only documented gaps give their time to documented,
        # and only the weeks of the trend are counted.
        _joined(case((documented, _seconds_from(Gap.created_at, Gap.resolved_at)))),
        _joined(_week_number(Gap.created_at, first_monday)),
        _joined(_week_number(Gap.resolved_at, first_monday)),
    ).group_by(Gap.process_id)
    own_ages: dict[int, list[int]] = {}  # in seconds
    own_people: dict[int, set[int]] = {}
    to_documented: list[int] = []  # in seconds
    opened: Counter[int] = Counter()  # week number → gaps
    resolved: Counter[int] = Counter()
    for part in _index_parts():
        for process_id, ages, people, documenting, opened_in, resolved_in in db.session.execute(
            per_process.where(_conditions(filters, scope), part)
        ):
            own_ages.setdefault(process_id, []).extend(_numbers(ages))
            own_people.setdefault(process_id, set()).update(_numbers(people))
            to_documented.extend(_numbers(documenting))
            opened.update(_numbers(opened_in))
            resolved.update(_numbers(resolved_in))
    rows = _rows_along_tree(roots, own_ages, own_people, scope)
    _add_top_misses(rows, filters, scope)
    return GapReport(
        filters=filters,
        rows=rows,
        total=sum(len(ages) for ages in own_ages.values()),
        people=len(set().union(*own_people.values())),
        weeks=[
            (first_monday + timedelta(weeks=week), opened[week], resolved[week])
            for week in range(WEEKS)
        ],
        median_days_to_documented=median(to_documented) / DAY if to_documented else None,
    )


def _index_parts() -> tuple:
    """The gaps in parts that each match one index covering the report: on PostgreSQL, those
    with a short people_affected (nearly all) and the others (see the Gap model)."""
    if db.engine.dialect.name == "postgresql":
        return (text(SHORT_PEOPLE), text(f"NOT ({SHORT_PEOPLE})"))
    return (true(),)


def _conditions(filters: ReportFilters, scope: set[int] | None):
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
    return and_(*conditions)


def _days_from(column, moment):
    """Days from the column's moment on to `moment` (positive when the column is earlier), in
    the database's own arithmetic."""
    if isinstance(moment, datetime):
        moment = literal(moment, DateTime())
    if db.engine.dialect.name == "sqlite":
        return func.julianday(moment) - func.julianday(column)
    # date_part answers in floating point; EXTRACT, in PostgreSQL's slower NUMERIC.
    return func.date_part("epoch", moment - column, type_=Float) / float(DAY)


def _seconds_from(column, moment):
    """Whole seconds from the column's moment on to `moment`: whole numbers travel as text
    faster than fractions of days."""
    if isinstance(moment, datetime):
        moment = literal(moment, DateTime())
    if db.engine.dialect.name == "sqlite":
        return cast(func.round((func.julianday(moment) - func.julianday(column)) * DAY), Integer)
    return cast(func.date_part("epoch", moment - column, type_=Float), BigInteger)


def _joined(expression):
    """The group's values joined with commas into one text."""
    if db.engine.dialect.name == "sqlite":
        return func.group_concat(expression)
    return func.string_agg(cast(expression, String), ",")


def _numbers(joined: str | None) -> list[int]:
    """The whole numbers in a joined text; empty parts (a gap without people) are skipped."""
    return list(map(int, filter(None, joined.split(",")))) if joined else []


def _scope(process_path: str) -> set[int] | None:
    if not process_path:
        return None
    process = tree.get_process(process_path)
    return set(db.session.scalars(select(Process.id).where(tree.in_subtree(process.path))))


def _rows_along_tree(
    roots: list[tree.TreeNode],
    own_ages: dict[int, list[int]],
    own_people: dict[int, set[int]],
    scope: set[int] | None,
) -> list[ProcessRow]:
    """One row per process that has gaps here or below, in tree order, with subtree sums.

    Children before parents, each process passes its collection up in one list or set
    operation, so that no gap is walked up the tree one by one."""
    ordered = _tree_order(roots)
    ages: dict[int, list[int]] = {}
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
                median_age_days=median(subtree_ages) / DAY,
            )
        )
    return rows


def _tree_order(nodes) -> list[Process]:
    ordered = []
    for node in nodes:
        ordered.append(node.process)
        ordered.extend(_tree_order(node.children))
    return ordered


def _add_top_misses(rows: list[ProcessRow], filters: ReportFilters, scope: set[int] | None) -> None:
    """Each process's most frequent misses, ranked by the database so that only the top few
    per process come back."""
    by_id = {row.process.id: row for row in rows}
    if not by_id:
        return
    times = func.count(SearchMiss.id)
    # Without a subtree, every process with misses is shown: a list of 2,000 ids to match
    # would cost more than the misses of processes without gaps, skipped below.
    ranked = (
        select(
            SearchMiss.process_id,
            SearchMiss.normalized,
            times.label("times"),
            func.row_number()
            .over(
                partition_by=SearchMiss.process_id,
                order_by=(times.desc(), SearchMiss.normalized),
            )
            .label("rank"),
        )
        .where(
            SearchMiss.process_id.is_not(None)
            if scope is None
            else SearchMiss.process_id.in_(scope)
        )
        .group_by(SearchMiss.process_id, SearchMiss.normalized)
    )
    if filters.since:
        ranked = ranked.where(
            SearchMiss.created_at >= datetime.combine(filters.since, datetime.min.time())
        )
    ranked = ranked.subquery()
    top = select(ranked.c.process_id, ranked.c.normalized, ranked.c.times).where(
        ranked.c.rank <= TOP_MISSES
    )
    for process_id, words, count in db.session.execute(top.order_by(ranked.c.rank)):
        if process_id in by_id:
            by_id[process_id].top_misses.append((words, count))


def _first_monday(now: datetime) -> date:
    """The Monday of the oldest week the trend shows."""
    return now.date() - timedelta(days=now.weekday(), weeks=WEEKS - 1)


def _week_number(column, first_monday: date):
    """Whole weeks from the first Monday shown to the column's moment; NULL before it."""
    start = datetime.combine(first_monday, datetime.min.time())
    return case((column >= start, cast(func.floor(-_days_from(column, start) / 7.0), Integer)))


def chosen_gaps(filters: ReportFilters, limit: int, offset: int = 0) -> list[Gap]:
    """The gaps the report's filters choose, the newest first: those it counts, one by one."""
    return list(
        db.session.scalars(
            select(Gap)
            .where(_conditions(filters, _scope(filters.process_path)))
            .options(selectinload(Gap.affected), joinedload(Gap.process))
            .order_by(Gap.created_at.desc(), Gap.id.desc())
            .limit(limit)
            .offset(offset)
        )
    )


def report_data(found: GapReport) -> dict:
    """The report as plain data, for `wiki gaps report --format json` and the API."""
    return {
        "total": found.total,
        "people": found.people,
        "median_days_to_documented": found.median_days_to_documented,
        "processes": [
            {
                "path": row.process.path,
                "gaps": row.total,
                "here": row.own,
                "people": row.people,
                "median_age_days": None
                if row.median_age_days is None
                else round(row.median_age_days, 1),
                "top_search_misses": [{"words": w, "count": c} for w, c in row.top_misses],
            }
            for row in found.rows
        ],
        "weeks": [
            {"week": monday.isoformat(), "opened": opened, "resolved": resolved}
            for monday, opened, resolved in found.weeks
        ],
    }


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


def report_csv(filters: ReportFilters) -> str:
    """The gaps the filters choose, one row each, UTF-8 text for a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    where = _conditions(filters, _scope(filters.process_path))
    last_id = 0
    while True:
        chunk = db.session.scalars(
            select(Gap)
            .where(where, Gap.id > last_id)
            .order_by(Gap.id)
            .limit(500)
            .options(
                selectinload(Gap.affected),
                joinedload(Gap.process),
                joinedload(Gap.reporter),
                joinedload(Gap.owner),
                joinedload(Gap.documented_page),
                joinedload(Gap.course_module).joinedload(CourseModule.course),
            )
        ).all()
        if not chunk:
            break
        last_id = chunk[-1].id
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
