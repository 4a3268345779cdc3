"""The whole results request in one process, for one backend and one checkout: wall p50/p95,
the process's CPU, the PostgreSQL backends' CPU, the statements and their time, and with
--profile a cProfile; for comparing two checkouts in the same minutes on a shared machine.

    .venv/bin/python bench/find_profile.py                               # this checkout, demo
    .venv/bin/python bench/find_profile.py --repo /tmp/wt-old            # an older checkout
    .venv/bin/python bench/find_profile.py --statements --queries "three-way match"
    .venv/bin/python bench/find_profile.py --profile --queries "three-way match"

The demo is built as bench/find_bench.py builds it (demo_app), into a PostgreSQL database of its
own (--db, dropped at the end) or SQLite + whoosh (--backend whoosh). "+ pg" is the CPU the
PostgreSQL server processes serving this process spent per request (from /proc, 10 ms ticks,
so a mean over --runs); "sql" is the statements' wall time per request, p50.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def backend_ticks(pids: set[int]) -> int:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", default=str(Path(__file__).resolve().parent.parent))
    parser.add_argument("--postgres-url", default=SERVER)
    parser.add_argument("--db", default="test_find_profile")
    parser.add_argument("--backend", default="postgresql", choices=["postgresql", "whoosh"])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--statements", action="store_true", help="the last request's")
    parser.add_argument("--queries", nargs="*")
    args = parser.parse_args()
    repo = Path(args.repo)
    sys.path[:0] = [str(repo), str(repo / "bench")]
    import find_bench
    from searchbench.corpus import drop_database, fresh_database

    find_bench.REPO = repo
    queries = args.queries or [text for _, text in find_bench.TIMED]
    with tempfile.TemporaryDirectory(prefix="find-profile-") as tmp:
        folder = Path(tmp)
        if args.backend == "postgresql":
            url = fresh_database(args.postgres_url, args.db)
        else:
            url = f"sqlite:///{folder / 'wiki.db'}"
        try:
            measure(find_bench, find_bench.demo_app(url, args.backend, folder), queries, args)
        finally:
            if args.backend == "postgresql":
                drop_database(args.postgres_url, args.db)
    return 0


def measure(find_bench, app, queries: list[str], args) -> None:
    from sqlalchemy import event
    from statement_log import statement_log

    from wiki.extensions import db

    pids: set[int] = set()
    with app.app_context():
        engine = db.engine
    engine.dispose()

    @event.listens_for(engine, "connect")
    def remember(dbapi_connection, record):
        if args.backend == "postgresql":
            cursor = dbapi_connection.cursor()
            cursor.execute("SELECT pg_backend_pid()")
            pids.add(cursor.fetchone()[0])
            cursor.close()

    log = statement_log(engine)

    client = app.test_client()
    client.post("/login", data={"email": "jill@example.com", "password": find_bench.PASSWORD})
    print(f"{args.repo}, {args.backend}, load average {os.getloadavg()[0]:.1f}")
    for text in queries:
        for _ in range(3):  # the searcher, the templates and the shared parts
            client.get("/search", query_string={"q": text, "counted": "1"})
        walls, cpus, counts, sql = [], [], [], []
        profiler = cProfile.Profile() if args.profile else None
        ticks = backend_ticks(pids)
        for _ in range(args.runs):
            log.clear()
            wall, cpu = time.perf_counter(), time.process_time()
            if profiler:
                profiler.enable()
            response = client.get("/search", query_string={"q": text, "counted": "1"})
            if profiler:
                profiler.disable()
            walls.append((time.perf_counter() - wall) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
            counts.append(len(log))
            sql.append(sum(ms for ms, _ in log))
            assert response.status_code == 200, response.status_code
        backend_ms = (backend_ticks(pids) - ticks) * 1000 / os.sysconf("SC_CLK_TCK") / args.runs
        walls.sort()
        print(
            f"{text!r}: wall p50 {statistics.median(walls):.1f} p95 "
            f"{walls[int(len(walls) * 0.95) - 1]:.1f} ms | CPU {statistics.mean(cpus):.1f}"
            f" + pg {backend_ms:.1f} ms | {statistics.median(counts):.0f} statements,"
            f" {statistics.median(sql):.1f} ms"
        )
        if args.statements:
            for ms, statement in log:
                print(f"   {ms:6.2f} ms  {' '.join(statement.split())[:150]}")
        if profiler:
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)


if __name__ == "__main__":
    sys.exit(main())
