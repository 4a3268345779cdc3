"""The three things one can ask the wiki from chat or an assistant, and what it answers, in
words of its own that each platform then lays out: a question (the passage that answers and
the best pages), "who knows" (the experts of a process) and "ask" (a routed question filed as
the person). A chat person who has not linked a wiki account sees only what every member of
the wiki may read, and cannot ask; confidential records are never searchable, and a private
question never appears here."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy import func, select

from wiki.auth.models import User
from wiki.errors import ValidationError
from wiki.extensions import db
from wiki.people.expertise import experts_for
from wiki.people.models import LEVEL_LABELS, availability_text
from wiki.processes.models import Page, Process
from wiki.questions import services as questions
from wiki.questions.routing import suggest_experts
from wiki.search import services as search
from wiki.textutil import clean_line
from wiki.timeutil import utcnow
from wiki.verification import services as verification

MAX_PAGES = 3
MAX_EXPERTS = 5
HELP = (
    "Ask me a question in your own words, or:\n"
    "• who knows <a process or some words> – the people to ask\n"
    "• ask <your question> – sends it to the best experts, as you\n"
    "• link – connects this chat account to your wiki account"
)


@dataclass(frozen=True)
class Stranger:
    """A chat person with no linked wiki account: they read what every member may read."""

    id: int = 0
    name: str = "someone in chat"
    roles: frozenset[str] = frozenset()


@dataclass
class PageLine:
    title: str
    url: str
    trail: str
    owner: str | None = None
    last_reviewed: datetime | None = None
    verification: str = ""  # "Verified by Priya Raman until 2027-03-01", "Not verified"

    def facts(self) -> list[str]:
        """Where the page sits, its verification, who owns it, when it was last reviewed."""
        facts = [self.trail] if self.trail else []
        if self.verification:
            facts.append(self.verification)
        if self.owner:
            facts.append(f"owner {self.owner}")
        if self.last_reviewed:
            facts.append(f"reviewed {self.last_reviewed.date().isoformat()}")
        return facts


@dataclass
class ExpertLine:
    name: str
    level: str
    availability: str
    ask_me_about: str = ""


@dataclass
class Reply:
    """What the wiki says back; `link` is an address to open (the question, the link step)."""

    text: str
    quote: str = ""  # the passage that answers, as written in the page
    quote_source: PageLine | None = None
    pages: list[PageLine] = field(default_factory=list)
    experts: list[ExpertLine] = field(default_factory=list)
    link: str = ""
    link_label: str = ""


def parse(text: str) -> tuple[str, str]:
    """("help" | "link" | "who" | "ask" | "search", the words after the command)."""
    words = clean_line(text)
    lowered = words.lower()
    if lowered in ("", "help", "?"):
        return "help", ""
    if lowered == "link":
        return "link", ""
    for prefix, kind in (("who knows ", "who"), ("who knows about ", "who"), ("ask ", "ask")):
        if lowered.startswith(prefix):
            return kind, words[len(prefix) :].strip()
    return "search", words


def run(text: str, person: User | None, link_url: str = "") -> Reply:
    """Answer one command as this person (None: not linked)."""
    kind, words = parse(text)
    if kind == "help":
        return Reply(HELP)
    if kind == "link":
        if person is not None:
            return Reply(f"This chat account is linked to {person.name}'s wiki account.")
        return _how_to_link(link_url)
    if kind == "who":
        return who_knows(words, person)
    if kind == "ask":
        if person is None:
            reply = _how_to_link(link_url)
            reply.text = "To ask as yourself, link your wiki account first. " + reply.text
            return reply
        return ask(words, person)
    return answer(words, person)


def answer(words: str, person: User | None) -> Reply:
    outcome = search.search(person or Stranger(), words, record=False, page_size=MAX_PAGES)
    if outcome.unavailable:
        return Reply("Search is being rebuilt; try again in a minute.")
    hits = outcome.results.hits[:MAX_PAGES] if outcome.results else []
    if not hits:
        return Reply(
            f"Nothing in the wiki answers “{words}”. Ask an expert: “ask {words}”.",
        )
    lines = [_page_line(hit, outcome) for hit in hits]
    reply = Reply(
        "No page has all your words; these match most of them."
        if outcome.partial
        else f"The wiki's best pages for “{outcome.text}”:",
        pages=lines,
    )
    passage = outcome.passage
    if passage is not None:
        reply.quote = passage.text
        reply.quote_source = PageLine(
            f"{passage.page_title} › {passage.heading}" if passage.heading else passage.page_title,
            absolute(passage.url),
            "",
            passage.owner,
            passage.last_reviewed,
        )
    return reply


def who_knows(words: str, person: User | None) -> Reply:
    process = find_process(words, person)
    if process is None:
        return Reply(f"No process matches “{words}”. Try the name of a process or a few words.")
    today = utcnow().date()
    experts = [
        entry
        for entry in experts_for(process, today)
        if person is None or entry.person.id != person.id
    ][:MAX_EXPERTS]
    if not experts:
        return Reply(
            f"Nobody has declared expertise in {process.name} yet.",
            link=absolute(f"/p/{process.path}"),
            link_label=process.name,
        )
    return Reply(
        f"Who knows {process.name}:",
        experts=[
            ExpertLine(
                entry.person.name,
                LEVEL_LABELS.get(entry.expertise.level, entry.expertise.level),
                availability_text(entry.expertise, today),
                entry.expertise.ask_me_about or "",
            )
            for entry in experts
        ],
        link=absolute(f"/p/{process.path}"),
        link_label=process.name,
    )


def ask(words: str, person: User, origin: str = "chat") -> Reply:
    """File a question as the person, routed to the best experts of the closest process."""
    process = find_process(words, person)
    if process is None:
        return Reply("The wiki has no process yet to ask about.")
    experts = [s.person for s in suggest_experts(process, person)][:3]
    title = words if len(words) <= questions.MAX_TITLE_LENGTH else words[:197] + "…"
    try:
        question = questions.ask_question(
            person,
            process,
            questions.QuestionDraft(title, words, [e.id for e in experts], origin=origin),
        )
    except ValidationError as error:
        return Reply(" ".join(error.errors.values()))
    names = ", ".join(expert.name for expert in experts) or "the process's experts"
    return Reply(
        f"Asked in {process.name}; {names} will be told. The answer comes to you in the wiki "
        "and, where a channel has the wiki's webhook, in that channel.",
        link=absolute(f"/questions/{question.id}"),
        link_label=question.title,
    )


def find_process(words: str, person: User | None) -> Process | None:
    """The process named (by name or path, in any case), else the process of the best page."""
    wanted = clean_line(words).strip().lower()
    if not wanted:
        return None
    named = db.session.scalar(
        select(Process)
        .where((func.lower(Process.name) == wanted) | (func.lower(Process.path) == wanted))
        .limit(1)
    )
    if named is not None:
        return named
    outcome = search.search(person or Stranger(), words, record=False, page_size=5)
    for hit in outcome.results.hits if outcome.results else []:
        if hit.process_id is not None:
            return db.session.get(Process, hit.process_id)
    return None


def absolute(path: str) -> str:
    return current_app.config["BASE_URL"].rstrip("/") + path


def _page_line(hit, outcome) -> PageLine:
    line = PageLine(
        hit.plain_title,
        absolute(hit.url),
        search.trail_text(outcome.breadcrumbs.get(hit.key, [])),
    )
    number = re.fullmatch(r"page:(\d+)", hit.key)
    page = db.session.get(Page, int(number.group(1))) if number else None
    if page is not None:
        line.owner = page.owner.name if page.owner else None
        line.last_reviewed = page.last_reviewed_at
        line.verification = verification_text(page)
    return line


def verification_text(page: Page) -> str:
    badge = verification.badge(page)
    text = badge.label
    if badge.verifier is not None:
        text += f" by {badge.verifier.name}"
    if badge.until is not None:
        text += f" until {badge.until.date().isoformat()}"
    return text


def _how_to_link(link_url: str) -> Reply:
    return Reply(
        "Open this link while signed in to the wiki to link your chat account to it "
        "(it works for 15 minutes, once):",
        link=link_url,
        link_label="Link my wiki account",
    )
