"""API: logging gaps, "me too", the list, status changes, and the trainer's report."""

from __future__ import annotations

from datetime import date
from typing import Literal

from flask_login import current_user
from pydantic import BaseModel, Field

from wiki.api.blueprint import bp, spec
from wiki.api.pages import PersonRef, person_ref
from wiki.api.processes import ProcessOut, process_out
from wiki.api.schemas import (
    Body,
    Day,
    Id,
    ListQuery,
    Moment,
    Text,
    cursor_offset,
    list_of,
    listed,
    responses,
    window,
)
from wiki.errors import NotAllowed
from wiki.gaps import services
from wiki.gaps.models import SOURCES, STATUSES, Gap
from wiki.gaps.report import ReportFilters, build_report, chosen_gaps, report_data
from wiki.processes import tree
from wiki.timeutil import utcnow

GAP = "<int(max=2147483647):gap_id>"
TAGS = ["gaps"]
Status = Literal[*STATUSES]
# What a program may say a gap came from (forum meetings and escalations log their own).
Source = Literal["manual", "page_feedback", "search_miss"]


class GapOut(BaseModel):
    id: int
    title: str
    description: str
    process: ProcessOut
    source: Literal[*SOURCES]
    status: Status
    reporter: PersonRef | None
    people_affected: int
    owner: PersonRef | None
    due_on: date | None
    source_page_id: int | None
    created_at: Moment
    updated_at: Moment


class MeToo(BaseModel):
    added: bool = Field(description="False when you were already counted.")
    gap: GapOut


class GapIn(Body):
    title: Text = Field(min_length=1, max_length=1000)
    description: Text = Field("", max_length=200_000)
    process_id: Id
    source: Source = "manual"
    page_id: Id | None = Field(None, description="The page it was missing from.")


class StatusIn(Body):
    status: Status
    owner_id: Id | None = Field(None, description="planned: who will document it.")
    due_on: Day | None = Field(None, description="planned: by when.")
    page_path: Text = Field("", max_length=1200, description="documented: the page's path.")
    module_id: Id | None = Field(None, description="folded: the course module.")
    reason: Text = Field("", max_length=10_000, description="rejected: why; or any note.")


class ReportQuery(BaseModel):
    """The trainer's report's filters."""

    process: str = Field("", max_length=1000, description="A process path: it and below.")
    since: Day | None = Field(None, description="Logged on this day or later.")
    until: Day | None = Field(None, description="Logged on this day or earlier.")
    source: Literal[*SOURCES] | None = None
    status: Status | None = None


class GapQuery(ListQuery, ReportQuery):
    """A page of the gaps the report's filters choose."""


class ReportRow(BaseModel):
    path: str
    gaps: int
    here: int
    people: int
    median_age_days: float | None
    top_search_misses: list[dict[str, str | int]]


class ReportWeek(BaseModel):
    week: date
    opened: int
    resolved: int


class GapReportOut(BaseModel):
    total: int
    people: int
    median_days_to_documented: float | None
    processes: list[ReportRow]
    weeks: list[ReportWeek]


def gap_out(gap: Gap) -> GapOut:
    return GapOut(
        id=gap.id, title=gap.title, description=gap.description, process=process_out(gap.process),
        source=gap.source, status=gap.status, reporter=person_ref(gap.reporter),
        people_affected=len(gap.affected), owner=person_ref(gap.owner), due_on=gap.due_on,
        source_page_id=gap.source_page_id, created_at=gap.created_at, updated_at=gap.updated_at,
    )  # fmt: skip


def _process_path(path: str) -> str:
    """A process path of a filter, 404 when there is none there."""
    return tree.get_process(path).path if path.strip("/") else ""


@bp.get("/gaps")
@spec.validate(resp=responses(HTTP_200=list_of(GapOut)), tags=TAGS)
def gaps(query: GapQuery):
    """Gaps, newest first, chosen by the trainer's report's filters: process subtree, period,
    source and status."""
    start = cursor_offset(query, "gaps")
    rows = chosen_gaps(_report_filters(query), limit=query.limit + 1, offset=start)
    found = window(rows, query, "gaps", start)
    return listed(found, gap_out)


@bp.post("/gaps")
@spec.validate(resp=responses(writes=True, HTTP_201=GapOut), tags=TAGS)
def log_gap(json: GapIn):
    """Log something you could not find in the wiki."""
    draft = services.GapDraft(
        title=json.title,
        description=json.description,
        process_path=tree.get_process_by_id(json.process_id).path,
        source=json.source,
        source_page_id=json.page_id,
        search_query=json.title if json.source == "search_miss" else "",
    )
    return gap_out(services.log_gap(current_user, draft)), 201


@bp.get(f"/gaps/{GAP}")
@spec.validate(resp=responses(HTTP_200=GapOut), tags=TAGS)
def gap(gap_id: int):
    """One gap."""
    return gap_out(services.get_gap(gap_id))


@bp.post(f"/gaps/{GAP}/me-too")
@spec.validate(resp=responses(writes=True, HTTP_200=MeToo), tags=TAGS)
def me_too(gap_id: int):
    """Count yourself among the people this gap affects."""
    found = services.get_gap(gap_id)
    added = services.me_too(current_user, found)
    return MeToo(added=added, gap=gap_out(found))


@bp.post(f"/gaps/{GAP}/status")
@spec.validate(resp=responses(writes=True, HTTP_200=GapOut), tags=TAGS)
def change_status(gap_id: int, json: StatusIn):
    """Move a gap on (trainers and admins), as its lifecycle allows."""
    change = services.Change(
        status=json.status,
        owner_id=json.owner_id,
        due_on=json.due_on.isoformat() if json.due_on else "",
        page_path=json.page_path,
        module_id=json.module_id,
        reason=json.reason,
    )
    return gap_out(services.change_status(current_user, services.get_gap(gap_id), change))


@bp.get("/gaps/report")
@spec.validate(resp=responses(HTTP_200=GapReportOut), tags=TAGS)
def report(query: ReportQuery):
    """The trainer's report (trainers and admins): per process, the weeks, the top misses."""
    if not current_user.has_role("admin", "trainer"):
        raise NotAllowed("Only trainers and admins read the gap report.")
    return report_data(build_report(_report_filters(query), utcnow()))


def _report_filters(query: ReportQuery) -> ReportFilters:
    return ReportFilters(
        process_path=_process_path(query.process),
        since=query.since,
        until=query.until,
        source=query.source or "",
        status=query.status or "",
    )
