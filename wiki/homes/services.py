"""What each role's block of the home page shows: the newcomer's plan, the expert's waiting
questions, the buddy's newcomers, the trainer's new gaps and misses, the manager's team."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import exists, func, select
from sqlalchemy.orm import selectinload

from wiki.auth.models import User
from wiki.buddies import dashboard
from wiki.buddies.models import BuddyAssignment
from wiki.extensions import db
from wiki.gaps.models import Course, CourseModule, Gap
from wiki.people.models import Expertise
from wiki.questions.models import Question, QuestionExpert, QuestionPost
from wiki.search.models import SearchMiss
from wiki.verification import dependencies
from wiki.verification.models import DependencyChange

WEEK = timedelta(days=7)
SHOWN = 8  # items a block lists before it links to the whole list

# The order the blocks take on the page: the newest concern of a person first.
ROLE_ORDER = ("newcomer", "expert", "buddy", "trainer", "manager")


@dataclass(frozen=True)
class WaitingQuestion:
    question: Question
    waited: timedelta


@dataclass
class ExpertBlock:
    waiting: list[WaitingQuestion]
    declared: int  # how many processes the person declared expertise in


@dataclass
class BuddyBlock:
    newcomers: list[dashboard.NewcomerSummary]


@dataclass
class TrainerBlock:
    new_gaps: list[Gap]
    new_gap_count: int
    misses: list[tuple[str, int]]  # search words found nothing this week, how often
    courses: list[tuple[Course, CourseModule, int]]  # modules with gaps folded in, to revise
    # modules marked "depends on a page that changed"
    changed_dependencies: list[DependencyChange] = field(default_factory=list)


@dataclass
class ManagerBlock:
    team: dashboard.TeamOverview

    @property
    def behind(self) -> list[dashboard.NewcomerSummary]:
        return [s for s in self.team.summaries if s.progress.status == "behind"]


@dataclass
class Home:
    # (role, block) in ROLE_ORDER, only for the roles the person holds
    blocks: list[tuple[str, object]] = field(default_factory=list)


def home_for(person: User, now: datetime) -> Home:
    """The blocks of the person's home, in the order of their roles."""
    builders = {
        "newcomer": (person.is_newcomer, lambda: dashboard.newcomer_home(person, now)),
        "expert": (_is_expert(person), lambda: expert_block(person, now)),
        "buddy": (_is_buddy(person), lambda: BuddyBlock(dashboard.newcomers_of(person, now))),
        "trainer": (person.has_role("trainer"), lambda: trainer_block(now)),
        "manager": (
            person.has_role("admin", "manager"),
            lambda: ManagerBlock(dashboard.team_overview(now)),
        ),
    }
    blocks = [(role, builders[role][1]()) for role in ROLE_ORDER if builders[role][0]]
    if not blocks:
        # Everyone may be asked: someone with no other block is invited to declare expertise.
        blocks = [("expert", expert_block(person, now))]
    return Home(blocks)


def expert_block(person: User, now: datetime) -> ExpertBlock:
    """Open questions routed to the person that they have not answered yet, oldest first."""
    answered_by_them = exists().where(
        QuestionPost.question_id == Question.id, QuestionPost.author_id == person.id
    )
    questions = db.session.scalars(
        select(Question)
        .join(QuestionExpert, QuestionExpert.question_id == Question.id)
        .where(
            QuestionExpert.expert_id == person.id,
            Question.answered_at.is_(None),
            ~answered_by_them,
        )
        .options(selectinload(Question.asker), selectinload(Question.process))
        .order_by(Question.created_at, Question.id)
        .limit(SHOWN)
    ).all()
    declared = db.session.scalar(
        select(func.count()).select_from(Expertise).where(Expertise.user_id == person.id)
    )
    return ExpertBlock(
        waiting=[WaitingQuestion(question, now - question.created_at) for question in questions],
        declared=declared or 0,
    )


def trainer_block(now: datetime) -> TrainerBlock:
    since = now - WEEK
    new_gaps = Gap.merged_into_id.is_(None), Gap.created_at >= since
    gaps = db.session.scalars(
        select(Gap)
        .where(*new_gaps)
        .options(selectinload(Gap.process))
        .order_by(Gap.created_at.desc(), Gap.id.desc())
        .limit(SHOWN)
    ).all()
    gap_count = db.session.scalar(select(func.count()).select_from(Gap).where(*new_gaps))
    times = func.count(SearchMiss.id)
    misses = db.session.execute(
        select(SearchMiss.normalized, times)
        .where(SearchMiss.created_at >= since)
        .group_by(SearchMiss.normalized)
        .order_by(times.desc(), SearchMiss.normalized)
        .limit(5)
    ).all()
    folded = func.count(Gap.id)
    modules = db.session.execute(
        select(CourseModule, folded)
        .join(Gap, Gap.course_module_id == CourseModule.id)
        .where(Gap.status == "folded", Gap.merged_into_id.is_(None))
        .group_by(CourseModule.id)
        .options(selectinload(CourseModule.course))
        .order_by(folded.desc(), CourseModule.id)
        .limit(SHOWN)
    ).all()
    return TrainerBlock(
        new_gaps=list(gaps),
        new_gap_count=gap_count or 0,
        misses=[(words, count) for words, count in misses],
        courses=[(module.course, module, count) for module, count in modules],
        changed_dependencies=dependencies.open_marks(modules_only=True, limit=SHOWN),
    )


def _is_expert(person: User) -> bool:
    declared = exists().where(Expertise.user_id == person.id)
    routed = exists().where(QuestionExpert.expert_id == person.id)
    return bool(db.session.scalar(select(declared | routed)))


def _is_buddy(person: User) -> bool:
    """A buddy now, or ever: one between newcomers still sees the block and what it is for."""
    return bool(db.session.scalar(select(exists().where(BuddyAssignment.buddy_id == person.id))))
