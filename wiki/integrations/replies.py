"""A Reply laid out for each platform: Slack's blocks, and Teams' markdown message."""

from __future__ import annotations

from collections.abc import Callable

from wiki.integrations.commands import ExpertLine, PageLine, Reply

MAX_QUOTE = 600


def slack_message(reply: Reply) -> dict:
    """An ephemeral answer (only the person who asked sees it), with a plain-text fallback."""
    blocks: list[dict] = [_section(_slack_escape(reply.text))]
    if reply.quote:
        source = reply.quote_source
        quoted = "\n".join(f">{line}" for line in _slack_escape(_cut(reply.quote)).splitlines())
        blocks.append(_section(f"{quoted}\n— {_slack_page(source)}" if source else quoted))
    for page in reply.pages:
        blocks.append(_section(_slack_page(page)))
    for expert in reply.experts:
        note = (
            f" – ask me about: {_slack_escape(expert.ask_me_about)}" if expert.ask_me_about else ""
        )
        blocks.append(
            _section(
                f"*{_slack_escape(expert.name)}*, {_slack_escape(expert.level)} · "
                f"{_slack_escape(expert.availability)}{note}"
            )
        )
    if reply.link:
        blocks.append(_section(f"<{reply.link}|{_slack_escape(reply.link_label or reply.link)}>"))
    return {"response_type": "ephemeral", "text": reply.text, "blocks": blocks}


def teams_message(reply: Reply) -> dict:
    lines = [_teams_escape(reply.text)]
    if reply.quote:
        lines += ["", *(f"> {line}" for line in _teams_escape(_cut(reply.quote)).splitlines())]
        if reply.quote_source:
            lines.append(f"> — {_teams_page(reply.quote_source)}")
    lines += ["", *(f"- {_teams_page(page)}" for page in reply.pages)] if reply.pages else []
    for expert in reply.experts:
        note = (
            f" – ask me about: {_teams_escape(expert.ask_me_about)}" if expert.ask_me_about else ""
        )
        lines.append(
            f"- **{_teams_escape(expert.name)}**, {_teams_escape(expert.level)} · "
            f"{_teams_escape(expert.availability)}{note}"
        )
    if reply.link:
        lines += ["", f"[{_teams_escape(reply.link_label or reply.link)}]({reply.link})"]
    return {"type": "message", "text": "\n".join(lines).strip()}


def _expert_text(expert: ExpertLine, escape: Callable[[str], str], bold: str) -> str:
    note = f" – ask me about: {escape(expert.ask_me_about)}" if expert.ask_me_about else ""
    return (
        f"{bold}{escape(expert.name)}{bold}, {escape(expert.level)} · "
        f"{escape(expert.availability)}{note}"
    )


def _section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}


def _cut(text: str) -> str:
    return text if len(text) <= MAX_QUOTE else text[: MAX_QUOTE - 1].rsplit(" ", 1)[0] + "…"


def _slack_page(page: PageLine) -> str:
    facts = " · ".join(_slack_escape(fact) for fact in page.facts())
    return f"<{page.url}|{_slack_escape(page.title)}>" + (f" ({facts})" if facts else "")


def _teams_page(page: PageLine) -> str:
    facts = " · ".join(_teams_escape(fact) for fact in page.facts())
    return f"[{_teams_escape(page.title)}]({page.url})" + (f" ({facts})" if facts else "")


def _slack_escape(text: str) -> str:
    """Slack reads <, > and & as its own markup (links, mentions): they are shown as typed."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _teams_escape(text: str) -> str:
    """Teams renders markdown and some HTML: markup characters in our text are shown as typed."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    for character in "\\`*_[]()#|":
        escaped = escaped.replace(character, "\\" + character)
    return escaped
