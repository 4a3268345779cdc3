"""Measuring search against a set of questions with known answering pages (tests/data/find/):
the rank of the first answer, and the shares and MRR that the bench prints and a test keeps."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

QUESTIONS = Path(__file__).resolve().parents[2] / "tests" / "data" / "find" / "questions.yaml"
# Answers further down than this count as not found (MRR@10).
DEPTH = 10


@dataclass(frozen=True)
class Question:
    text: str
    kind: str
    answers: tuple[str, ...]  # page addresses below /p/, the best answer first


@dataclass
class Scores:
    ranks: list[int | None] = field(default_factory=list)  # 1-based rank of the first answer
    empty: int = 0  # questions that found nothing at all
    codes: int = 0  # ERP-code questions
    codes_first: int = 0  # ... with their canonical page first

    def share_at(self, depth: int) -> float:
        return sum(1 for r in self.ranks if r is not None and r <= depth) / len(self.ranks)

    @property
    def mrr(self) -> float:
        return sum(1 / r for r in self.ranks if r is not None) / len(self.ranks)

    @property
    def empty_share(self) -> float:
        return self.empty / len(self.ranks)


def load_questions(path: Path = QUESTIONS) -> list[Question]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    pages = data["pages"]
    return [
        Question(
            text=str(item["q"]),
            kind=item["kind"],
            answers=tuple(pages[answer] for answer in item["answers"]),
        )
        for item in data["questions"]
    ]


def first_answer(urls: Iterable[str], answers: tuple[str, ...]) -> int | None:
    """The rank of the first hit that answers, within DEPTH."""
    wanted = {"/p/" + answer for answer in answers}
    for rank, url in enumerate(urls, start=1):
        if rank > DEPTH:
            break
        if url in wanted:
            return rank
    return None


def score(questions: list[Question], ask: Callable[[str], list[str]]) -> Scores:
    """Ask every question (`ask` returns the hits' addresses, best first) and score them."""
    scores = Scores()
    for question in questions:
        urls = ask(question.text)
        scores.ranks.append(first_answer(urls, question.answers))
        scores.empty += not urls
        if question.kind == "code":
            scores.codes += 1
            scores.codes_first += bool(urls) and urls[0] == "/p/" + question.answers[0]
    return scores


def misses(questions: list[Question], ask: Callable[[str], list[str]]) -> list[str]:
    """The questions whose answer is not in the top 3: what to look at when tuning."""
    return [q.text for q in questions if (first_answer(ask(q.text), q.answers) or 99) > 3]
