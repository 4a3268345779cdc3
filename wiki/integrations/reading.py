"""What an assistant reads: the commands' replies, a page, and a logged gap, as markdown text
(an assistant reads text; links are absolute, so it can cite them)."""

from __future__ import annotations

from wiki.auth.models import User
from wiki.gaps import services as gaps
from wiki.integrations.commands import (
    PageLine,
    Reply,
    absolute,
    answer,
    find_process,
    verification_text,
)
from wiki.processes import pages


def reply_text(reply: Reply) -> str:
    lines = [reply.text]
    if reply.quote:
        lines += ["", *(f"> {line}" for line in reply.quote.splitlines())]
        if reply.quote_source:
            lines.append(f"> — {_page(reply.quote_source)}")
    if reply.pages:
        lines += ["", *(f"- {_page(page)}" for page in reply.pages)]
    for expert in reply.experts:
        note = f"; ask me about: {expert.ask_me_about}" if expert.ask_me_about else ""
        lines.append(f"- {expert.name}, {expert.level}, {expert.availability}{note}")
    if reply.link:
        lines += ["", f"{reply.link_label}: {reply.link}"]
    return "\n".join(lines).strip()


def search_text(query: str, person: User) -> str:
    return reply_text(answer(query, person))


def page_text(path: str, person: User) -> str:
    """The page's current markdown under a header of facts: trail, owner, last review, link."""
    page = pages.get_page(path.strip().removeprefix("/").removeprefix("p/"))
    revision = pages.latest_revision(page)
    reviewed = page.last_reviewed_at.date().isoformat() if page.last_reviewed_at else "never"
    facts = [
        f"# {page.title}",
        f"Process: {' › '.join(p.name for p in [*page.process.ancestors(), page.process])}",
        f"Owner: {page.owner.name if page.owner else 'nobody'}; last reviewed: {reviewed}"
        + ("; due for review" if page.is_review_overdue() else ""),
        f"Verification: {verification_text(page)}",
        f"Revision {revision.number}, saved {revision.created_at.date().isoformat()}",
        f"Address: {absolute('/p/' + page.path)}",
        "",
    ]
    return "\n".join(facts) + revision.body


def gap_text(title: str, description: str, process: str, person: User) -> str:
    place = find_process(process or title, person)
    gap = gaps.log_gap(
        person,
        gaps.GapDraft(
            title=title,
            description=description,
            process_path=place.path if place is not None else "",
            source="manual",
        ),
    )
    return f"Logged gap {gap.id} in {gap.process.name}: {gap.title}\n{absolute(f'/gaps/{gap.id}')}"


def _page(page: PageLine) -> str:
    facts = ", ".join(page.facts())
    return f"[{page.title}]({page.url})" + (f" ({facts})" if facts else "")
