"""Whom to ask: the experts of a process ranked for a new question, and everyone else."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from wiki.auth.models import User
from wiki.extensions import db
from wiki.people.expertise import ExpertEntry, experts_for
from wiki.people.models import LEVEL_LABELS, availability_text
from wiki.processes.models import Process
from wiki.questions.services import open_question_counts
from wiki.timeutil import utcnow


@dataclass(frozen=True)
class Suggestion:
    entry: ExpertEntry
    open_questions: int
    today: date

    @property
    def person(self) -> User:
        return self.entry.person

    @property
    def inherited_from(self) -> Process | None:
        return self.entry.inherited_from

    @property
    def away(self) -> bool:
        return self.entry.expertise.is_away(self.today)

    @property
    def level_label(self) -> str:
        return LEVEL_LABELS[self.entry.expertise.level]

    @property
    def ask_me_about(self) -> str:
        return self.entry.expertise.ask_me_about

    @property
    def availability_text(self) -> str:
        return availability_text(self.entry.expertise, self.today).lower()

    @property
    def evidence_text(self) -> str:
        return self.entry.evidence.summary()

    def rank_key(self) -> tuple:
        """Away people last; then by level; the free before the busy; then those with fewer
        open questions; then by evidence, the process's own experts before a parent's."""
        expertise = self.entry.expertise
        return (
            self.away,
            -expertise.level_rank,
            expertise.availability == "busy" and not self.away,
            self.open_questions,
            -self.entry.evidence.total,
            self.inherited_from is not None,
            self.person.name.lower(),
        )


def suggest_experts(process: Process, asker: User, today: date | None = None) -> list[Suggestion]:
    today = today or utcnow().date()
    entries = [entry for entry in experts_for(process, today) if entry.person.id != asker.id]
    counts = open_question_counts([entry.person.id for entry in entries])
    suggestions = [Suggestion(entry, counts.get(entry.person.id, 0), today) for entry in entries]
    return sorted(suggestions, key=Suggestion.rank_key)


def other_people(asker: User, suggestions: list[Suggestion]) -> list[User]:
    """Everyone else who could be asked: active people not suggested, not the asker."""
    excluded = {asker.id, *(suggestion.person.id for suggestion in suggestions)}
    people = db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.name)).all()
    return [person for person in people if person.id not in excluded]
