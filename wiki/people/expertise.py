"""Who knows a process: declared expertise with its evidence, and how experts are ranked."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, bindparam, func, literal, select, union_all
from sqlalchemy.orm import contains_eager

from wiki.auth.models import User
from wiki.extensions import db
from wiki.people.models import Expertise
from wiki.processes.models import Page, PageReview, Process, Revision
from wiki.questions.metrics import AnswerMetrics, answer_metrics
from wiki.questions.models import Question, QuestionPost


@dataclass(frozen=True)
class Evidence:
    """What a person has shown of a process, beside the level they declared."""

    pages_written: int = 0
    pages_reviewed: int = 0
    pages_owned: int = 0
    questions_answered: int = 0

    @property
    def total(self) -> int:
        return self.pages_written + self.pages_reviewed + self.pages_owned + self.questions_answered

    def summary(self) -> str:
        parts = [
            (self.pages_written, "page written", "pages written"),
            (self.pages_reviewed, "page reviewed", "pages reviewed"),
            (self.pages_owned, "page owned", "pages owned"),
            (self.questions_answered, "question answered", "questions answered"),
        ]
        return ", ".join(f"{n} {one if n == 1 else many}" for n, one, many in parts if n)


@dataclass(frozen=True)
class ExpertEntry:
    person: User
    expertise: Expertise
    evidence: Evidence
    # The ancestor the expertise is declared on, when it is not the process itself.
    inherited_from: Process | None = None


AVAILABILITY_ORDER = {"available": 0, "busy": 1, "away": 2}


def rank_key(entry: ExpertEntry, today: date) -> tuple:
    """Level first, then evidence, then availability; a process's own experts before a
    parent's at equal footing."""
    expertise = entry.expertise
    availability = expertise.availability
    if availability == "away" and not expertise.is_away(today):
        availability = "available"  # back already
    return (
        -expertise.level_rank,
        -entry.evidence.total,
        AVAILABILITY_ORDER.get(availability, 0),
        entry.inherited_from is not None,
        entry.person.name.lower(),
    )


def experts_for(process: Process, today: date) -> list[ExpertEntry]:
    """The active people with expertise in the process or a process above it, ranked, each
    once."""
    chain = [*process.ancestors(), process]
    by_id = {node.id: node for node in chain}
    rows = db.session.scalars(
        select(Expertise)
        .join(Expertise.person)
        .where(Expertise.process_id.in_(list(by_id)), User.active.is_(True))
        .options(contains_eager(Expertise.person))
    ).all()
    evidence = evidence_for((row.user_id, row.process_id) for row in rows)
    entries = [
        ExpertEntry(
            person=row.person,
            expertise=row,
            evidence=evidence.get((row.user_id, row.process_id), Evidence()),
            inherited_from=None if row.process_id == process.id else by_id[row.process_id],
        )
        for row in rows
    ]
    # Someone who declared both the process and a parent shows once, at their best standing.
    ranked: dict[int, ExpertEntry] = {}
    for entry in sorted(entries, key=lambda entry: rank_key(entry, today)):
        ranked.setdefault(entry.person.id, entry)
    return list(ranked.values())


def _evidence_query() -> Select:
    """(kind, person, process, count) for the four kinds of evidence, in one grouped query.

    Built once with expanding parameters: building a statement this size costs more than
    running it.
    """
    people, processes = bindparam("people", expanding=True), bindparam("processes", expanding=True)
    written = (
        select(literal(0), Revision.author_id, Page.process_id, Page.id)
        .join(Page, Page.id == Revision.page_id)
        .where(Revision.author_id.in_(people), Page.process_id.in_(processes))
    )
    reviewed = (
        select(literal(1), PageReview.reviewer_id, Page.process_id, Page.id)
        .join(Page, Page.id == PageReview.page_id)
        .where(PageReview.reviewer_id.in_(people), Page.process_id.in_(processes))
    )
    owned = select(literal(2), Page.owner_id, Page.process_id, Page.id).where(
        Page.owner_id.in_(people), Page.process_id.in_(processes)
    )
    answered = (
        select(literal(3), QuestionPost.author_id, Question.process_id, Question.id)
        .join(Question, Question.id == QuestionPost.question_id)
        .where(
            QuestionPost.author_id.in_(people),
            QuestionPost.author_id != Question.asker_id,
            Question.process_id.in_(processes),
        )
    )
    evidence = union_all(written, reviewed, owned, answered).subquery()
    kind, person, process, item = evidence.c
    return select(kind, person, process, func.count(func.distinct(item))).group_by(
        kind, person, process
    )


EVIDENCE_QUERY = _evidence_query()


def evidence_for(pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], Evidence]:
    """Evidence per (person id, process id): pages written, reviewed and owned there, and
    questions answered there."""
    pairs = set(pairs)
    if not pairs:
        return {}
    rows = db.session.execute(
        EVIDENCE_QUERY,
        {
            "people": sorted({person for person, _ in pairs}),
            "processes": sorted({process for _, process in pairs}),
        },
    )
    counts: dict[tuple[int, int], list[int]] = {pair: [0, 0, 0, 0] for pair in pairs}
    for column, person_id, process_id, count in rows:
        if (person_id, process_id) in counts:
            counts[(person_id, process_id)][column] = count
    return {pair: Evidence(*values) for pair, values in counts.items()}


@dataclass(frozen=True)
class ExpertsPanel:
    """What a process page shows of its experts and how quickly its questions are answered."""

    experts: list[ExpertEntry]
    metrics: AnswerMetrics | None


def experts_panel(process: Process, today: date) -> ExpertsPanel:
    return ExpertsPanel(
        experts=experts_for(process, today),
        metrics=answer_metrics([process.id]).get(process.id),
    )
