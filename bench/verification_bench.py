"""Content health over 50,000 pages and 1,000,000 page-view rows, and a save of a verified page
that 1,000 readers hear of, each against a baseline measured in the same run.

Run from the repository root:  .venv/bin/python bench/verification_bench.py
Options: --pages N (default 50000), --days N (view rows per page, default 24: about a million
         rows), --readers N (default 1000), --runs N (default 5), --database-url URL (default: a
         temporary SQLite file; a PostgreSQL URL must name an empty database).

It migrates a fresh database and writes, with Core inserts, 50 processes, the pages (one
revision each, 60 % of them verified, some expired) and a row of views per page and day (and
each page's last day read, as flushing the counts keeps it); on PostgreSQL it then runs VACUUM
ANALYZE, as autovacuum would after such a load. Then:
content_health() (the trust score per process, the most read unverified pages, the pages unread
for 180 days), against `SELECT sum(views) FROM page_view_counts` in the same run; and
save_page() of a material change to a verified page read by N newcomers (each told, with what
changed since the revision they read), against the same save of an unverified page. Bars
(issue 27): the health report <= 500 ms; the propagating save <= 200 ms. Exits 1 when missed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

HEALTH_BAR_MS = 500.0
SAVE_BAR_MS = 200.0
PROCESSES = 50


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def populate(connection, pages: int, days: int, readers: int, now: datetime) -> None:
    from sqlalchemy import insert

    from wiki.auth.models import User, UserRole
    from wiki.buddies.models import PageRead
    from wiki.processes.models import Page, Process, Revision
    from wiki.verification.models import PageTrust
    from wiki.verification.readership import PageLastView, PageViewCount

    people = [{"id": 1, "email": "owner@example.com", "name": "Owner", "active": True}]
    people += [
        {"id": n, "email": f"new{n}@example.com", "name": f"Newcomer {n}", "active": True,
         "start_date": now.date() - timedelta(days=10)}
        for n in range(2, readers + 2)
    ]  # fmt: skip
    connection.execute(insert(User), people)
    connection.execute(insert(UserRole), [{"user_id": 1, "role": "trainer"}])
    connection.execute(
        insert(Process),
        [{"id": n, "slug": f"area-{n}", "name": f"Area {n}", "path": f"area-{n}"}
         for n in range(1, PROCESSES + 1)],
    )  # fmt: skip
    old = now - timedelta(days=400)
    for start in range(1, pages + 1, 5000):
        chunk = range(start, min(start + 5000, pages + 1))
        connection.execute(
            insert(Page),
            [{"id": n, "process_id": n % PROCESSES + 1, "slug": f"page-{n}", "title": f"Page {n}",
              "path": f"area-{n % PROCESSES + 1}/page-{n}", "owner_id": 1, "latest_revision": 1,
              "created_at": old, "updated_at": old}
             for n in chunk],
        )  # fmt: skip
        connection.execute(
            insert(Revision),
            [{"page_id": n, "number": 1, "title": f"Page {n}", "body": f"Tolerance is {n % 7} %.",
              "content_hash": f"{n:064d}", "created_at": old}
             for n in chunk],
        )  # fmt: skip
        connection.execute(
            insert(PageTrust),
            [{"page_id": n, "verifier_id": 1, "verified_at": now - timedelta(days=30),
              "verified_revision": 1,
              "verified_until": now + timedelta(days=60 if n % 10 else -5)}
             for n in chunk if n % 10 < 6],
        )  # fmt: skip
        # Views over the last `days` days; every seventh page is never read.
        connection.execute(
            insert(PageViewCount),
            [{"page_id": n, "day": now.date() - timedelta(days=d), "views": 1 + (n * d) % 9}
             for n in chunk if n % 7 for d in range(days)],
        )  # fmt: skip
        # Each page's last day read and its views per period, as flushing the counts keeps them.
        connection.execute(insert(PageLastView), [last_views(n, days, now) for n in chunk if n % 7])
        progress(f"{chunk[-1]:,} pages written")
    connection.execute(
        insert(PageRead),
        [{"user_id": person["id"], "page_id": 1, "first_read_at": now - timedelta(days=3)}
         for person in people[1:]],
    )  # fmt: skip


def last_views(page: int, days: int, now: datetime) -> dict:
    from wiki.verification.readership import period_of

    today = now.date()
    current = period_of(today)
    views: dict[int, int] = {}
    for d in range(days):
        period = period_of(today - timedelta(days=d))
        views[period] = views.get(period, 0) + 1 + (page * d) % 9
    return {"page_id": page, "day": today, "period": current,
            "period_views": views.get(current, 0),
            "previous_views": views.get(current - 1, 0)}  # fmt: skip


def timed(call, runs: int) -> tuple[float, float]:
    """(the first, cold call in ms; the median of the runs after it)."""
    start = time.perf_counter()
    call()
    cold = (time.perf_counter() - start) * 1000
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return cold, statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=50_000)
    parser.add_argument("--days", type=int, default=24)
    parser.add_argument("--readers", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from wiki import create_app
    from wiki.auth.models import User
    from wiki.extensions import db
    from wiki.processes import pages
    from wiki.processes.models import Page
    from wiki.timeutil import utcnow
    from wiki.verification.health import content_health
    from wiki.verification.models import PageTrust
    from wiki.verification.readership import PageViewCount

    folder = Path(tempfile.mkdtemp(prefix="verification-bench-"))
    url = args.database_url or f"sqlite:///{folder / 'wiki.db'}"
    app = create_app(
        {"DATABASE_URL": url, "SECRET_KEY": "bench", "SEARCH_BACKEND": "whoosh",
         "SEARCH_DIR": str(folder / "search")},
        instance_path=str(folder),
    )  # fmt: skip
    now = utcnow()
    with app.app_context():
        upgrade(directory=str(REPO / "migrations"))
        with db.engine.begin() as connection:
            populate(connection, args.pages, args.days, args.readers, now)
        if db.engine.dialect.name == "postgresql":
            # What autovacuum does within a minute of a load this size: the planner's
            # statistics, and the visibility map that lets index-only scans skip the table.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as vacuum:
                vacuum.exec_driver_sql("VACUUM ANALYZE")
        rows = db.session.scalar(select(func.count()).select_from(PageViewCount))
        progress(f"{args.pages:,} pages, {rows:,} page-view rows, {args.readers:,} readers")

        def plain_sum() -> None:
            db.session.scalar(select(func.sum(PageViewCount.views)))

        health_cold, health_ms = timed(lambda: content_health(now), args.runs)
        _, sum_ms = timed(plain_sum, args.runs)

        author = db.session.get(User, 1)
        unverified = db.session.scalar(
            select(Page.id).where(Page.id.not_in(select(PageTrust.page_id))).limit(1)
        )

        edits = iter(range(10, 10**6))

        def save(page_id: int) -> float:
            page = db.session.get(Page, page_id)
            body = f"Tolerance is {next(edits)} % from now on, for every supplier."
            start = time.perf_counter()
            pages.save_page(author, page, pages.PageDraft(page.title, body), page.latest_revision)
            elapsed = (time.perf_counter() - start) * 1000
            db.session.remove()
            return elapsed

        save(unverified)  # warm-up
        plain_saves = [save(unverified) for _ in range(args.runs)]
        # Page 1 is verified and read by every newcomer: each save tells them all again.
        db.session.get(PageTrust, 1).verified_until = now + timedelta(days=60)
        db.session.commit()
        told_saves = [save(1) for _ in range(args.runs)]
    print(f"\nverification bench: {args.pages:,} pages, {rows:,} view rows, {date.today()}")
    print(f"{'':44}{'p50 ms':>10}{'baseline':>12}{'ratio':>8}")
    health_line = f"{health_ms:>10.1f}{sum_ms:>12.1f}{health_ms / sum_ms:>8.1f}"
    print(f"{'content health (cold ' + format(health_cold, '.0f') + ' ms)':44}{health_line}")
    plain, told = statistics.median(plain_saves), statistics.median(told_saves)
    save_line = f"{told:>10.1f}{plain:>12.1f}{told / plain:>8.1f}"
    print(f"{f'save telling {args.readers:,} readers':44}{save_line}")
    print("baselines: SELECT sum(views) over every row; the same save of an unverified page")
    missed = health_ms > HEALTH_BAR_MS or told > SAVE_BAR_MS
    print(f"bars: health <= {HEALTH_BAR_MS:.0f} ms, save <= {SAVE_BAR_MS:.0f} ms: "
          f"{'MISSED' if missed else 'met'}")  # fmt: skip
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
