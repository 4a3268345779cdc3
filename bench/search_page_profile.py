"""The results page at 10,000 synthetic pages on PostgreSQL, for comparing two checkouts in the
same minutes: build the corpus once into a database that is kept, then time GET /search
(term, two-term, question, as bench/search_bench.py draws them) with each checkout.

    .venv/bin/python bench/search_page_profile.py build                   # ~40 s, kept
    .venv/bin/python bench/search_page_profile.py time                    # this checkout
    .venv/bin/python bench/search_page_profile.py time --repo /tmp/wt-old # an older one
    .venv/bin/python bench/search_page_profile.py drop

Both checkouts must agree on the schema (the build migrates with this one). Prints per kind
wall p50/p95, the process's CPU p50/p95 and the statements' count and time, and with
--statements the statements of the slowest request.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["build", "time", "drop"])
    parser.add_argument("--repo", default=str(Path(__file__).resolve().parent.parent))
    parser.add_argument("--postgres-url", default=SERVER)
    parser.add_argument("--db", default="test_search_page_profile")
    parser.add_argument("--pages", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=100, help="per kind")
    parser.add_argument("--kinds", default="term,two-term,question")
    parser.add_argument("--statements", action="store_true")
    args = parser.parse_args()
    repo = Path(args.repo)
    sys.path[:0] = [str(repo), str(repo / "bench")]
    from searchbench import corpus

    workload = Path(tempfile.gettempdir()) / f"{args.db}.json"
    if args.action == "drop":
        corpus.drop_database(args.postgres_url, args.db)
        workload.unlink(missing_ok=True)
    elif args.action == "build":
        build(corpus, args, workload)
    else:
        measure(args, json.loads(workload.read_text()))
    return 0


def build(corpus, args, workload: Path) -> None:
    from sqlalchemy import text

    from wiki.extensions import db
    from wiki.search.indexing import indexer

    vocabulary = corpus.Vocabulary(random.Random("vocabulary-1"))
    pages = corpus.generate(vocabulary, args.pages, 1)
    drawn = corpus.workload(vocabulary, pages, args.queries, 1)
    workload.write_text(json.dumps({kind: list(texts) for kind, texts in drawn.queries.items()}))
    url = corpus.fresh_database(args.postgres_url, args.db)
    app = corpus.build_database(Path(tempfile.mkdtemp(prefix="search-page-")), pages, url)
    with app.app_context():
        indexer(app).rebuild()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("CHECKPOINT"))
        db.engine.dispose()


def measure(args, queries: dict[str, list[str]]) -> None:
    from searchbench.backends import results_page_call
    from sqlalchemy import make_url
    from statement_log import statement_log

    from wiki import create_app
    from wiki.extensions import db

    url = make_url(args.postgres_url).set(database=args.db)
    app = create_app(
        {"DATABASE_URL": url.render_as_string(hide_password=False), "SECRET_KEY": "bench"},
        instance_path=tempfile.mkdtemp(prefix="search-page-"),
    )
    with app.app_context():
        engine = db.engine

    log = statement_log(engine)

    call = results_page_call(app)
    print(f"{args.repo}, load average {os.getloadavg()[0]:.1f}")
    for kind in args.kinds.split(","):
        texts = queries[kind][: args.queries]
        for text in texts[-3:]:
            call(text)
        walls, cpus, counts, sql, slowest = [], [], [], [], (0.0, "", [])
        for text in texts:
            log.clear()
            wall, cpu = time.perf_counter(), time.process_time()
            call(text)
            walls.append((time.perf_counter() - wall) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
            counts.append(len(log))
            sql.append(sum(ms for ms, _ in log))
            if walls[-1] > slowest[0]:
                slowest = (walls[-1], text, list(log))
        print(
            f"{kind}: {len(texts)} queries, wall {p50_p95(walls)} ms, CPU {p50_p95(cpus)} ms,"
            f" {statistics.median(counts):.0f} statements, {p50_p95(sql)} ms"
        )
        if args.statements:
            print(f"  slowest, {slowest[0]:.1f} ms: {slowest[1]}")
            for ms, statement in slowest[2]:
                print(f"   {ms:6.2f} ms  {' '.join(statement.split())[:150]}")


def p50_p95(values: list[float]) -> str:
    ordered = sorted(values)
    return f"{statistics.median(ordered):.1f} / {ordered[int(len(ordered) * 0.95) - 1]:.1f}"


if __name__ == "__main__":
    sys.exit(main())
