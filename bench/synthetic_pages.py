"""Thousands of processes and pages added to a bench's instance with Core inserts (the ORM would
take minutes), each page with one revision of a few headed paragraphs: the process page bench
and the page-view bench at size share them."""

from __future__ import annotations

import random
from datetime import datetime

WORDS = [
    *("invoice", "approval", "payment", "vendor", "supplier", "goods", "receipt", "order"),
    *("credit", "note", "tolerance", "freight", "posting", "period", "close", "accrual"),
    *("budget", "ledger", "reconciliation", "dunning"),
]
BATCH = 5_000


def _body(rng: random.Random) -> str:
    """About 1.5 KB of markdown: three headed sections (enough for a table of contents)."""
    sections = []
    for _ in range(3):
        heading = " ".join(rng.choices(WORDS, k=3)).capitalize()
        paragraph = " ".join(rng.choices(WORDS, k=70)).capitalize() + "."
        sections.append(f"## {heading}\n\n{paragraph}\n")
    return "\n".join(sections)


def add_pages(app, pages: int, processes: int, seed: int, biggest: int = 0) -> str:
    """Adds `processes` processes (two levels) and `pages` pages, `biggest` of them in one
    process and the rest spread at random; returns that process's path."""
    from sqlalchemy import func, insert, select, text

    from wiki.extensions import db
    from wiki.processes.models import Page, Process, Revision
    from wiki.processes.pages import content_hash

    rng = random.Random(seed)
    now = datetime(2026, 12, 1, 12, 0)
    with app.app_context(), db.engine.begin() as connection:
        first = (connection.scalar(select(func.max(Process.id))) or 0) + 1
        first_page = (connection.scalar(select(func.max(Page.id))) or 0) + 1
        roots = max(1, processes // 20)
        rows, paths = [], {}
        for n in range(first, first + processes):
            parent = None if n < first + roots else rng.randrange(first, first + roots)
            slug = f"area-{n}" if parent is None else f"process-{n}"
            paths[n] = slug if parent is None else f"{paths[parent]}/{slug}"
            rows.append(
                {"id": n, "parent_id": parent, "slug": slug, "name": slug.title(),
                 "path": paths[n], "description": "", "position": 0, "created_at": now}
            )  # fmt: skip
        connection.execute(insert(Process), rows)
        big = first + roots  # the first process of the second level
        page_rows, revision_rows = [], []
        for n in range(pages):
            process = big if n < biggest else rng.randrange(first, first + processes)
            title = f"{rng.choice(WORDS).title()} {rng.choice(WORDS)} {n}"
            slug = f"page-{n}"
            body = _body(rng)
            page_rows.append(
                {"id": first_page + n, "process_id": process, "slug": slug, "title": title,
                 "path": f"{paths[process]}/{slug}", "review_interval_days": 180,
                 "latest_revision": 1, "created_at": now, "updated_at": now,
                 "last_reviewed_at": now}
            )  # fmt: skip
            revision_rows.append(
                {"page_id": first_page + n, "number": 1, "title": title, "body": body,
                 "summary": "", "created_at": now, "content_hash": content_hash(title, body)}
            )  # fmt: skip
            if len(page_rows) == BATCH or n == pages - 1:
                connection.execute(insert(Page), page_rows)
                connection.execute(insert(Revision), revision_rows)
                page_rows, revision_rows = [], []
        if connection.dialect.name == "postgresql":
            # The ids were given: the sequences go on after them, for whatever is added later.
            for table in ("processes", "pages"):
                connection.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) "
                         f"FROM {table}")
                )  # fmt: skip
        connection.execute(text("ANALYZE"))
    return paths[big]


def build_wiki(tmpdir, url: str | None = None, pages: int = 0) -> str:
    """The page-view bench's instance: the demo (serving.build_database, in a SQLite file in
    tmpdir or the empty database at url), and with pages > 0 that many more pages in
    pages // 20 processes, searchable (the index built now, not by the servers' first
    requests while they are measured); returns its URL."""
    from serving import build_database

    url = build_database(tmpdir, url)
    if pages:
        from wiki import create_app
        from wiki.extensions import db
        from wiki.search.indexing import indexer

        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"}, instance_path=str(tmpdir))
        add_pages(app, pages, max(1, pages // 20), seed=1)
        with app.app_context():
            indexer(app).rebuild()
            db.session.remove()
            db.engine.dispose()
    return url
