"""The passage that answers a question: the section of the best page holding most of the
question's concepts, quoted with its heading's anchor, the page's owner and last review."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from markdown.extensions.toc import slugify

from wiki.extensions import db
from wiki.markup import plain_text
from wiki.processes.models import Page
from wiki.processes.pages import latest_revision
from wiki.search.index_schema import STEMMED, Hit
from wiki.search.questions import Concept

HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$", re.MULTILINE)
# A quoted passage is cut here, at a word.
LONGEST = 360


@dataclass
class Passage:
    page_title: str
    url: str  # the page's address and the section's anchor
    heading: str  # empty: the text before the first heading
    text: str
    owner: str | None
    last_reviewed: datetime | None


def passage_for(hit: Hit, concepts: list[Concept]) -> Passage | None:
    """The section of this page (a hit of type page) that holds most of the concepts, when it
    holds at least two of them (or the only one asked about)."""
    type_name, _, number = hit.key.partition(":")
    if type_name != "page" or not number.isdigit():
        return None
    page = db.session.get(Page, int(number))
    if page is None:
        return None
    wanted = [_stems(concept) for concept in concepts]
    best: tuple[int, int, str, str] | None = None
    for heading, section in _sections(latest_revision(page).body):
        words = {token.text for token in STEMMED(heading + " " + section)}
        titled = {token.text for token in STEMMED(heading)}
        held = sum(1 for stems in wanted if stems & words)
        # A concept in the heading says the section is about it: the tie-breaker that moves
        # a question past the page's general introduction.
        score = 2 * held + sum(1 for stems in wanted if stems & titled)
        if held and (best is None or score > best[0]):
            best = (score, held, heading, section)
    if best is None or best[1] < min(2, len(wanted)):
        return None
    _, _, heading, section = best
    text = plain_text(section).text
    if len(text) > LONGEST:
        text = text[:LONGEST].rsplit(" ", 1)[0] + " …"
    return Passage(
        page_title=page.title,
        url=hit.url + ("#" + slugify(heading, "-") if heading else ""),
        heading=heading,
        text=text,
        owner=page.owner.name if page.owner else None,
        last_reviewed=page.last_reviewed_at,
    )


def _stems(concept: Concept) -> set[str]:
    """The stems any of a concept's ways of saying it would be indexed as."""
    return {token.text for words in concept.alternatives for token in STEMMED(" ".join(words))}


def _sections(body: str) -> list[tuple[str, str]]:
    """(heading, text below it) for each section; the text before the first heading first."""
    sections = []
    previous_end, heading = 0, ""
    for match in HEADING.finditer(body):
        sections.append((heading, body[previous_end : match.start()]))
        heading, previous_end = match.group(2).strip(), match.end()
    sections.append((heading, body[previous_end:]))
    return [(h, text) for h, text in sections if text.strip()]
