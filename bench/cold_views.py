"""Cold views in one process: the CPU time of each first view of a page by a session, right
after the content version moved, through the whole app with its page cache on (as in
production), then a cProfile of one more round. The bench's cold-view row measures the same
thing through gunicorn and wrk; this figure holds still on a busy machine.

Run from the repository root:  .venv/bin/python bench/page_view_bench.py --cold
(add --database-url URL, an empty PostgreSQL database, to build the demo there instead of in a
temporary SQLite file; --pages N to add N synthetic pages, the views drawn over 40 of them)
"""

from __future__ import annotations

import cProfile
import pstats
import random
import statistics
import time
from pathlib import Path

from serving import PASSWORD, csrf_token
from synthetic_pages import build_wiki

MEMBERS = ["priya@example.com", "tomas@example.com", "carrie@example.com", "marty@example.com"]
COLD_PAGES = 40  # the pages cold views are drawn over (the demo has 38), spread through the wiki


def bump_version(url: str) -> None:
    """What an edit does to every cache: the content version moves on."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE site_state SET version = version + 1,"
                " shared_version = shared_version + 1 WHERE id = 1"
            )
        )
    engine.dispose()


def page_paths(url: str, most: int = COLD_PAGES) -> list[str]:
    """The paths of `most` pages spread evenly through the wiki (by id), or of every page."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as connection:
        paths = [path for (path,) in connection.execute(text("SELECT path FROM pages ORDER BY id"))]
    engine.dispose()
    step = max(1, len(paths) / most)
    return [f"/p/{paths[int(n * step)]}" for n in range(min(most, len(paths)))]


def _signed_in(app, email: str):
    client = app.test_client()
    form = {"csrf_token": csrf_token(client.get("/login").data), "email": email,
            "password": PASSWORD}  # fmt: skip
    assert client.post("/login", data=form).status_code in (302, 303)
    return client


def _round(clients, paths: list[str], seed: int) -> tuple[list[float], list[float]]:
    """Each (session, page) pair once, shuffled; the CPU milliseconds of each view, those that
    drew the page's shared parts (its first view of the round) apart from the others."""
    pairs = [(client, path) for client in clients for path in paths]
    random.Random(seed).shuffle(pairs)
    drawing: list[float] = []
    sharing: list[float] = []
    seen: set[str] = set()
    for client, path in pairs:
        started = time.thread_time()
        response = client.get(path)
        (sharing if path in seen else drawing).append((time.thread_time() - started) * 1000)
        seen.add(path)
        assert response.status_code == 200, (path, response.status_code)
    return drawing, sharing


def _summary(spent: list[float]) -> str:
    spent = sorted(spent)
    return (
        f"median {statistics.median(spent):5.2f}  mean {statistics.fmean(spent):5.2f}  "
        f"p90 {spent[int(len(spent) * 0.9)]:5.2f}  (n={len(spent)})"
    )


def cold_views(
    tmpdir: Path,
    sessions: int = 8,
    rounds: int = 3,
    database_url: str | None = None,
    pages: int = 0,
) -> None:
    """database_url: an empty database to build the demo in (PostgreSQL), else SQLite;
    pages: that many synthetic pages added (synthetic_pages.build_wiki)."""
    from wiki import create_app

    url = build_wiki(tmpdir, database_url, pages)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"}, instance_path=str(tmpdir))
    clients = [_signed_in(app, MEMBERS[n % len(MEMBERS)]) for n in range(sessions)]
    paths = page_paths(url)
    _round(clients[:1], paths, 0)  # warm: connections, templates, imports
    print(
        f"\n=== cold views in-process ({url.split(':')[0]}): "
        f"{sessions} sessions x {len(paths)} pages a round, {pages} pages added ==="
    )
    # The thread's time, not the process's: the search index may be built on another thread.
    print("CPU ms per view (time.thread_time), each round right after a version bump;")
    print("every page's shared parts are drawn by its first view of the round.")
    for number in range(1, rounds + 1):
        bump_version(url)
        drawing, sharing = _round(clients, paths, number)
        print(f"round {number}: every view    {_summary(drawing + sharing)}")
        print(f"         drawing the parts {_summary(drawing)}")
        print(f"         sharing them      {_summary(sharing)}")
    # The profile: one session draws every page's parts, unprofiled; the others' views, which
    # share them, are profiled. Python function calls per view do not move with the machine's
    # load, unlike the CPU times above: the steadiest figure to compare two versions by.
    bump_version(url)
    _round(clients[:1], paths, rounds + 1)
    profiler = cProfile.Profile()
    profiler.enable()
    _, sharing = _round(clients[1:], paths, rounds + 2)
    profiler.disable()
    stats = pstats.Stats(profiler)
    print(
        f"profiled: {len(sharing)} views sharing the parts, "
        f"{stats.total_calls / len(sharing):,.0f} Python function calls per view"
    )
    stats.sort_stats("cumulative").print_stats(40)
    stats.sort_stats("tottime").print_stats(30)
