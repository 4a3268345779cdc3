"""Searching as a person: permissions, typo tolerance, breadcrumbs, quick-find and misses."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select

from wiki.auth.models import User
from wiki.errors import NotAllowed
from wiki.extensions import db
from wiki.glossary.services import Definition, definitions_for, glossary_terms
from wiki.processes.models import Process
from wiki.processes.tree import get_process, process_directory
from wiki.search import answering, codes, documents, questions, signals
from wiki.search.index_schema import Filters, Hit, IndexMissing, Results
from wiki.search.indexing import indexer
from wiki.search.models import NO_RESULTS, SearchMiss, add_once_a_day
from wiki.search.passages import Passage, passage_for
from wiki.textutil import clean_line
from wiki.timeutil import utcnow
from wiki.verification import search_success
from wiki.verification import services as verification

log = logging.getLogger(__name__)

MAX_QUERY = 500
PAGE_SIZE = 20
MISS_PERIODS = (7, 30, 90, 365)


@dataclass
class Crumb:
    name: str
    url: str


@dataclass
class SearchOutcome:
    text: str
    process: Process | None = None
    type: str | None = None
    tag: str | None = None
    results: Results | None = None
    fuzzy: bool = False
    did_you_mean: str | None = None
    breadcrumbs: dict[str, list[Crumb]] = field(default_factory=dict)
    # The processes one level below the filter (or the top ones) and their hit counts.
    narrower: list[tuple[Crumb, int]] = field(default_factory=list)
    unavailable: bool = False
    # No page held every word: these hold most of them.
    partial: bool = False
    passage: Passage | None = None
    # The glossary's entries for the terms the query consists of.
    terms: list[Definition] = field(default_factory=list)
    # Only pages verified now.
    verified_only: bool = False
    # The top process the search counts for in content health's search success.
    area: str = ""


def readers_for(user: User) -> list[str]:
    """The reader labels a person's searches may see: everyone's, their own and their roles'."""
    return ["*", f"u:{user.id}", *(f"role:{role}" for role in sorted(user.roles))]


def search(
    user: User,
    text: str,
    process_path: str | None = None,
    type_name: str | None = None,
    tag: str | None = None,
    page: int = 1,
    record: bool = True,
    page_size: int | None = None,
    verified_only: bool = False,
) -> SearchOutcome:
    """Search as this person, `page_size` hits a page (PAGE_SIZE unless given); with `record`,
    a search that finds nothing is kept as a miss. Verified pages rank above near-equal
    unverified ones; with `verified_only`, only pages verified now are found."""
    page_size = page_size or PAGE_SIZE
    outcome = SearchOutcome(
        text=clean_line(text)[:MAX_QUERY], type=type_name, tag=tag, verified_only=verified_only
    )
    if process_path:
        outcome.process = get_process(process_path)
    if type_name not in (None, *documents.TYPES):
        outcome.type = None
    if not outcome.text:
        return outcome
    search_indexer = indexer()
    if not search_indexer.ready():
        outcome.unavailable = True
        return outcome
    filters = Filters(
        readers=readers_for(user),
        scope=outcome.process.path if outcome.process else None,
        type=outcome.type,
        tag=tag or None,
        # Read at query time, not kept in the index: a verification expires with the clock.
        verified=frozenset(verification.verified_keys()) if verified_only else None,
    )
    reading = questions.read(outcome.text, glossary_terms())
    # A query that is a glossary term ("GR/IR", "what is R2R") gets its definition beside
    # the results; a question that merely uses one does not.
    if reading.terms and len(reading.terms) == len(reading.concepts):
        outcome.terms = definitions_for(reading.terms)
    try:
        chosen = codes.chosen_keys(answering.codes_asked(reading))
        places = signals.places_up(outcome.text) if page == 1 else {}
        results = answering.answer(
            search_indexer.index, outcome, reading, filters, page, page_size, chosen, places,
            verification.verified_keys,
        )  # fmt: skip
    except IndexMissing as problem:  # damaged on disk: rebuilt in the background
        search_indexer.unusable(problem)
        outcome.unavailable = True
        return outcome
    except Exception:  # never a 500 from search
        log.exception("search failed for %r", outcome.text)
        outcome.unavailable = True
        return outcome
    outcome.results = results
    # A question on its first page: the passage of the best page that answers it, quoted.
    if reading.question and results.page == 1:
        best_page = next((hit for hit in results.hits[:3] if hit.type == "page"), None)
        if best_page is not None:
            outcome.passage = passage_for(best_page, reading.concepts)
    outcome.breadcrumbs = breadcrumbs(results.hits)
    outcome.narrower = _narrower(results.facets.get("scope", {}), outcome.process)
    outcome.area = _area_of(outcome)
    # Nothing among verified pages alone is no gap in the wiki.
    if results.total == 0 and page == 1 and record and not verified_only:
        record_miss(user, outcome.text, outcome.process, NO_RESULTS, 0)
    return outcome


def count_for_health(outcome: SearchOutcome) -> None:
    """Count a search made on the results page (where an opening can follow it; the API's and
    the chat commands' are not counted) for content health's search success."""
    if outcome.results is not None:
        search_success.count_search(outcome.area, found=outcome.results.total > 0)


def _area_of(outcome: SearchOutcome) -> str:
    """The top process searched in; else the one of the best hit placed in a process."""
    if outcome.process is not None:
        return outcome.process.path.split("/", 1)[0]
    for hit in outcome.results.hits if outcome.results else []:
        trail = outcome.breadcrumbs.get(hit.key)
        if trail:
            return trail[0].url.removeprefix("/p/")
    return search_success.NO_AREA


def visible_url(user: User, document_key: str) -> str | None:
    """The address of a searchable document this person may see, else None."""
    try:
        type_name, object_id = documents.split_key(document_key)
    except ValueError:
        return None
    if type_name not in documents.TYPES or not 0 < object_id < 2**31:
        return None
    document = documents.load(db.session, [document_key]).get(document_key)
    if document is None or not set(document.readers) & set(readers_for(user)):
        return None
    return document.url


def quick_find(user: User, text: str) -> list[dict]:
    """Title-prefix matches for the header's search box, as JSON-ready dicts."""
    text = clean_line(text)[:MAX_QUERY]
    search_indexer = indexer()
    if not text or not search_indexer.ready():
        return []
    try:
        hits = search_indexer.index.quick_find(text, readers_for(user))
    except IndexMissing as problem:
        search_indexer.unusable(problem)
        return []
    trails = breadcrumbs(hits)
    return [
        {
            "type": hit.type,
            "title": hit.plain_title,
            "url": hit.url,
            "process": trail_text(trails.get(hit.key, [])),
        }
        for hit in hits
    ]


def trail_text(trail: list[Crumb]) -> str:
    return " › ".join(crumb.name for crumb in trail)


def breadcrumbs(hits: list[Hit]) -> dict[str, list[Crumb]]:
    """The process trail of each hit, from the processes as they are now (renamed or moved
    since the hit was indexed)."""
    directory = process_directory()
    trails: dict[str, list[Crumb]] = {}
    for hit in hits:
        process = directory.by_id.get(hit.process_id) if hit.process_id is not None else None
        if process is None:
            continue
        scope = documents.scope_of(process.path)
        if hit.type == "process":
            scope = scope[:-1]  # a process's trail is the processes above it
        trails[hit.key] = [
            Crumb(directory.by_path[path].name, "/p/" + path)
            for path in scope
            if path in directory.by_path
        ]
    return trails


def _narrower(counts: dict[str, int], process: Process | None) -> list[tuple[Crumb, int]]:
    depth = process.path.count("/") + 1 if process else 0
    by_path = process_directory().by_path
    below = [path for path in counts if path.count("/") == depth and path in by_path]
    ranked = sorted(below, key=lambda path: (-counts[path], path))
    return [(Crumb(by_path[path].name, "/p/" + path), counts[path]) for path in ranked]


def record_miss(
    user: User, text: str, process: Process | None, kind: str, result_count: int
) -> None:
    """Keep a miss, once per person, query, kind and day: a reload or a second look the same
    day is the same gap, not another one for the trainers' report."""
    text = clean_line(text)[:MAX_QUERY]
    normalized = " ".join(text.lower().split())
    add_once_a_day(
        SearchMiss,
        {"query": text, "normalized": normalized, "user_id": user.id,
         "process_id": process.id if process else None, "kind": kind,
         "result_count": result_count, "created_at": utcnow()},
        same=("user_id", "normalized", "kind"),
    )  # fmt: skip


@dataclass
class MissSummary:
    query: str
    count: int
    people: int
    last_at: datetime
    process: Process | None


def top_misses(viewer: User, days: int, limit: int = 50) -> list[MissSummary]:
    """The most frequent misses of the last `days` days, most frequent first."""
    if not viewer.has_role("trainer", "admin"):
        raise NotAllowed("Only trainers and admins can see search misses.")
    since = utcnow() - timedelta(days=days)
    rows = db.session.execute(
        select(
            SearchMiss.normalized,
            func.count(SearchMiss.id),
            func.count(func.distinct(SearchMiss.user_id)),
            func.max(SearchMiss.created_at),
            func.max(SearchMiss.id),
        )
        .where(SearchMiss.created_at >= since)
        .group_by(SearchMiss.normalized)
        .order_by(func.count(SearchMiss.id).desc(), func.max(SearchMiss.created_at).desc())
        .limit(limit)
    ).all()
    latest = {
        miss.id: miss
        for miss in db.session.scalars(
            select(SearchMiss).where(SearchMiss.id.in_([row[4] for row in rows]))
        )
    }
    return [
        MissSummary(
            query=latest[last_id].query,
            count=count,
            people=people,
            last_at=last_at,
            process=latest[last_id].process,
        )
        for _, count, people, last_at, last_id in rows
    ]
