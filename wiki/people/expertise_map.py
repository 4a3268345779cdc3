"""The expertise map: the process tree against the people who know it, where coverage is thin,
and how quickly each process's questions are answered."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from wiki.auth.models import User
from wiki.extensions import db
from wiki.people.models import LEVELS, Expertise
from wiki.processes import tree
from wiki.processes.models import Process
from wiki.questions.metrics import AnswerMetrics, answer_metrics

# Levels at which a person counts as someone to ask, for coverage.
EXPERT_LEVELS = ("expert", "owner")


@dataclass
class MapRow:
    process: Process
    depth: int
    # person id → the level declared on this very process.
    levels: dict[int, str] = field(default_factory=dict)
    # The active people at an expert level here or on a process above, by name.
    experts: list[User] = field(default_factory=list)
    metrics: AnswerMetrics | None = None


@dataclass
class ExpertiseMap:
    rows: list[MapRow]
    people: list[User]

    @property
    def uncovered(self) -> list[MapRow]:
        return [row for row in self.rows if not row.experts]

    @property
    def single_expert(self) -> list[MapRow]:
        return [row for row in self.rows if len(row.experts) == 1]


def expertise_map() -> ExpertiseMap:
    rows = _rows_in_tree_order(tree.process_tree())
    declared = db.session.execute(
        select(Expertise, User).join(User, User.id == Expertise.user_id).where(User.active)
    ).all()
    by_process = {row.process.id: row for row in rows}
    people: dict[int, User] = {}
    for expertise, person in declared:
        people[person.id] = person
        by_process[expertise.process_id].levels[person.id] = expertise.level
    metrics = answer_metrics(by_process)
    inherited: dict[int, dict[int, User]] = {}
    for row in rows:  # parents come before their children
        own = {pid: people[pid] for pid, level in row.levels.items() if level in EXPERT_LEVELS}
        parent_experts = inherited.get(row.process.parent_id, {})
        inherited[row.process.id] = parent_experts | own
        row.experts = sorted(inherited[row.process.id].values(), key=_by_name)
        row.metrics = metrics.get(row.process.id)
    return ExpertiseMap(rows=rows, people=sorted(people.values(), key=_by_name))


def level_index(level: str | None) -> int:
    """0 for nothing declared, then 1 to 4 from learning to owner: the heat of a cell."""
    return LEVELS.index(level) + 1 if level else 0


def _rows_in_tree_order(nodes: list[tree.TreeNode], depth: int = 0) -> list[MapRow]:
    rows: list[MapRow] = []
    for node in nodes:
        rows.append(MapRow(process=node.process, depth=depth))
        rows.extend(_rows_in_tree_order(node.children, depth + 1))
    return rows


def _by_name(person: User) -> str:
    return person.name.lower()
