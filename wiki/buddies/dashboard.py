"""What the newcomer's home, the buddy's dashboard and the manager's view show."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from wiki.auth.models import User
from wiki.buddies import plans
from wiki.buddies.access import active_assignment
from wiki.buddies.introductions import introductions_of
from wiki.buddies.models import BuddyAssignment, Introduction, PlanItem
from wiki.coaching.models import CoachingAction, CoachingSession
from wiki.coaching.services import last_session_between, overdue_actions_between
from wiki.extensions import db
from wiki.gaps.models import Gap
from wiki.processes.models import Page, Process, Revision
from wiki.questions.models import Question


@dataclass(frozen=True)
class WaitingQuestion:
    question: Question
    waited_days: int

    @property
    def private(self) -> bool:
        return self.question.private


@dataclass
class NewcomerSummary:
    newcomer: User
    assignment: BuddyAssignment | None
    days_since_start: int | None
    items: list[PlanItem]
    progress: plans.Progress
    open_questions: list[WaitingQuestion]
    introductions: list[Introduction] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)  # the gaps the newcomer logged
    # Only where the viewer is the buddy, who took part in it: the date, never the content.
    last_coaching: CoachingSession | None = None
    # Only where the viewer is the buddy: the pair's coaching actions past their date.
    overdue_coaching: list[CoachingAction] = field(default_factory=list)


@dataclass
class NewcomerHome:
    summary: NewcomerSummary
    processes: list[tuple[Process, int, int]]  # a plan's process, pages read, pages
    changes: list[Revision]
    questions: list[Question]


@dataclass
class TeamOverview:
    summaries: list[NewcomerSummary]
    # buddy → how many newcomers they have now, most first
    buddies: list[tuple[User, int]]

    @property
    def by_status(self) -> dict[str, int]:
        counts = Counter(summary.progress.status for summary in self.summaries)
        return {status: counts.get(status, 0) for status in ("on track", "behind", "done")}


def summary_for(newcomer: User, now: datetime) -> NewcomerSummary:
    today = now.date()
    items = plans.plan_of(newcomer)
    start = newcomer.start_date
    return NewcomerSummary(
        newcomer=newcomer,
        assignment=active_assignment(newcomer, today),
        days_since_start=(today - start).days if start else None,
        items=items,
        progress=plans.progress(items, today),
        open_questions=_waiting(newcomer, now),
        introductions=introductions_of(newcomer),
        gaps=list(
            db.session.scalars(
                select(Gap)
                .where(Gap.reporter_id == newcomer.id)
                .order_by(Gap.created_at.desc(), Gap.id.desc())
                .limit(10)
            )
        ),
    )


def _running(now: datetime, buddy: User | None = None) -> list[BuddyAssignment]:
    """The assignments running now, with active newcomers; of one buddy, or all."""
    query = (
        select(BuddyAssignment)
        .where(BuddyAssignment.runs_on(now.date()))
        .options(joinedload(BuddyAssignment.newcomer), joinedload(BuddyAssignment.buddy))
        .order_by(BuddyAssignment.starts_on)
    )
    if buddy is not None:
        query = query.where(BuddyAssignment.buddy_id == buddy.id)
    return [a for a in db.session.scalars(query) if a.newcomer.active]


def newcomers_of(buddy: User, now: datetime) -> list[NewcomerSummary]:
    """The buddy's newcomers now, those behind their plan first."""
    summaries = [summary_for(a.newcomer, now) for a in _running(now, buddy)]
    for summary in summaries:
        summary.last_coaching = last_session_between(buddy, summary.newcomer)
        summary.overdue_coaching = overdue_actions_between(buddy, summary.newcomer, now.date())
    # Stable: within each group, the order of their start.
    return sorted(summaries, key=lambda summary: summary.progress.status != "behind")


def newcomer_home(newcomer: User, now: datetime) -> NewcomerHome:
    summary = summary_for(newcomer, now)
    process_ids = sorted(
        {item.process_id for item in summary.items if item.process_id}
        | {item.page.process_id for item in summary.items if item.page is not None}
    )
    counts = plans.process_read_counts(newcomer, process_ids)
    processes = sorted(
        db.session.scalars(select(Process).where(Process.id.in_(process_ids))),
        key=lambda process: process.path,
    )
    revisions = (
        db.session.scalars(
            select(Revision)
            .join(Page, Page.id == Revision.page_id)
            .where(Page.process_id.in_(process_ids))
            .options(joinedload(Revision.page), joinedload(Revision.author))
            .order_by(Revision.created_at.desc(), Revision.id.desc())
            .limit(40)
        ).all()
        if process_ids
        else []
    )
    # A page edited twice is one change to read: its latest revision only.
    latest: dict[int, Revision] = {}
    for revision in revisions:
        latest.setdefault(revision.page_id, revision)
    changes = list(latest.values())[:8]
    questions = db.session.scalars(
        select(Question)
        .where(Question.asker_id == newcomer.id)
        .order_by(Question.last_activity_at.desc(), Question.id.desc())
        .limit(8)
    ).all()
    return NewcomerHome(
        summary=summary,
        processes=[(process, *counts.get(process.id, (0, 0))) for process in processes],
        changes=list(changes),
        questions=list(questions),
    )


def team_overview(now: datetime) -> TeamOverview:
    """Every newcomer with a running buddy, and every buddy with their count."""
    running = _running(now)
    summaries = [summary_for(a.newcomer, now) for a in running]
    per_buddy = Counter(a.buddy_id for a in running)
    buddies = {a.buddy_id: a.buddy for a in running}
    ranked = sorted(per_buddy.items(), key=lambda pair: (-pair[1], buddies[pair[0]].name))
    return TeamOverview(
        summaries=summaries, buddies=[(buddies[pid], count) for pid, count in ranked]
    )


def _waiting(newcomer: User, now: datetime) -> list[WaitingQuestion]:
    open_questions = db.session.scalars(
        select(Question)
        .where(Question.asker_id == newcomer.id, Question.answered_at.is_(None))
        .order_by(Question.created_at)
    ).all()
    return [WaitingQuestion(q, (now - q.created_at).days) for q in open_questions]
