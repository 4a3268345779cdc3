"""Find by asking: how often search puts a page that answers a new hire's question at the top,
on the demo content, for each backend, today's strict every-word search beside the current one.

    make bench-find                                  # = .venv/bin/python bench/find_bench.py
    .venv/bin/python bench/find_bench.py --postgres-url ''        # whoosh only
    .venv/bin/python bench/find_bench.py --misses                 # + the questions not in the top 3
    .venv/bin/python bench/find_bench.py --each 5                 # + every question's request timed

The questions and their answering pages are tests/data/find/questions.yaml. Each backend gets
a fresh instance with the demo content (SQLite + whoosh in a temporary folder; PostgreSQL in a
database of its own, --postgres-db, created on the server of --postgres-url and dropped at the
end). "today" is main's search: every word required, words within an edit or two when fewer
than three pages match. "now" is services.search(), what the results page shows. Then the
whole results request is timed through the Flask test client (p50 and p95 of --runs).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from searchbench.corpus import (  # noqa: E402 (a sibling package: bench/ is the script's folder)
    drop_database,
    fresh_database,
)

PASSWORD = "bench-password"
TIMED = [
    ("keywords", "three-way match"),
    ("code", "ZFI_3WM"),
    ("question", "how to book an invoice without a purchase order"),
    ("question", "supplier wants to change bank account"),
]


def demo_app(url: str, backend: str, folder: Path):
    from flask_migrate import upgrade

    from wiki import create_app
    from wiki.content import files, loader
    from wiki.extensions import db
    from wiki.search.indexing import indexer

    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "bench",
            "SEARCH_BACKEND": backend,
            "SEARCH_DIR": str(folder / "search"),
            "WTF_CSRF_ENABLED": False,
        },
        instance_path=str(folder / "instance"),
    )
    with app.app_context():
        upgrade()
        loader.load_content(files.read_content(REPO / "content"), demo_password=PASSWORD)
        indexer(app).rebuild()
        db.session.remove()
    return app


def today(text: str) -> list[str]:
    """main's search: every word, and near spellings when fewer than three pages match."""
    from wiki.search.index_schema import Filters
    from wiki.search.indexing import indexer

    index = indexer().index
    filters = Filters(readers=["*"])
    results = index.search(text, filters, 1, 10)
    if results.total < 3:
        fuzzy = index.search_fuzzy(text, filters, 1, 10)
        if fuzzy is not None and fuzzy.total > results.total:
            results = fuzzy
    return [hit.url for hit in results.hits]


def now(user):
    from wiki.search import services

    def ask(text: str) -> list[str]:
        outcome = services.search(user, text, record=False, page_size=10)
        return [hit.url for hit in outcome.results.hits] if outcome.results else []

    return ask


def timed_requests(app, runs: int) -> dict[str, tuple[float, float]]:
    """p50 and p95 (ms) of the whole results request, per query kind."""
    timings = {}
    client = app.test_client()
    client.post("/login", data={"email": "jill@example.com", "password": PASSWORD})
    for label, text in TIMED:
        seconds = []
        for number in range(runs + 3):
            started = time.perf_counter()
            response = client.get("/search", query_string={"q": text, "counted": "1"})
            elapsed = time.perf_counter() - started
            assert response.status_code == 200, response.status_code
            if number >= 3:  # the first ones warm the searcher and the template
                seconds.append(elapsed * 1000)
        seconds.sort()
        timings[f"{label}: {text}"] = (
            statistics.median(seconds),
            seconds[int(len(seconds) * 0.95) - 1],
        )
    return timings


def every_question(app, questions, runs: int) -> list[tuple[float, str]]:
    """Each question's whole results request, the median of `runs` after one to warm up (ms),
    slowest last: what the asking as a whole costs, not four chosen queries."""
    client = app.test_client()
    client.post("/login", data={"email": "jill@example.com", "password": PASSWORD})
    medians = []
    for question in questions:
        seconds = []
        for number in range(runs + 1):
            started = time.perf_counter()
            response = client.get("/search", query_string={"q": question.text, "counted": "1"})
            assert response.status_code == 200, response.status_code
            if number:
                seconds.append((time.perf_counter() - started) * 1000)
        medians.append((statistics.median(seconds), question.text))
    return sorted(medians)


def measure(backend: str, url: str, folder: Path, args) -> dict:
    from sqlalchemy import select

    from wiki.auth.models import User
    from wiki.extensions import db
    from wiki.search import evaluation

    questions = evaluation.load_questions()
    app = demo_app(url, backend, folder)
    found = {}
    with app.test_request_context():
        jill = db.session.scalar(select(User).where(User.email == "jill@example.com"))
        for name, ask in (("today", today), ("now", now(jill))):
            found[name] = evaluation.score(questions, ask)
            if args.misses:
                for text in evaluation.misses(questions, ask):
                    print(f"  {backend} {name}: not in the top 3: {text}")
        db.session.remove()
    timings = {} if args.runs == 0 else timed_requests(app, args.runs)
    each = every_question(app, questions, args.each) if args.each else []
    with app.app_context():
        db.engine.dispose()
    return {"scores": found, "timings": timings, "questions": len(questions), "each": each}


def table(results: dict[str, dict]) -> str:
    lines = [
        "| backend | search | rank 1 | top 3 | MRR@10 | nothing found | ERP code first |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for backend, result in results.items():
        for name, scores in result["scores"].items():
            lines.append(
                f"| {backend} | {name} | {scores.share_at(1):.0%} | {scores.share_at(3):.0%} "
                f"| {scores.mrr:.2f} | {scores.empty_share:.0%} "
                f"| {scores.codes_first}/{scores.codes} |"
            )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--postgres-db", default="test_find_bench")
    parser.add_argument("--runs", type=int, default=50, help="timed requests per query")
    parser.add_argument("--misses", action="store_true")
    parser.add_argument(
        "--each",
        type=int,
        default=0,
        help="also time every question's whole request, the median of this many each",
    )
    args = parser.parse_args()

    results = {}
    with tempfile.TemporaryDirectory(prefix="find-bench-") as tmp:
        folder = Path(tmp)
        results["whoosh"] = measure(
            "whoosh", f"sqlite:///{folder / 'wiki.db'}", folder / "whoosh", args
        )
        if args.postgres_url:
            url = fresh_database(args.postgres_url, args.postgres_db)
            try:
                results["postgresql"] = measure("postgresql", url, folder / "pg", args)
            finally:
                drop_database(args.postgres_url, args.postgres_db)
    count = next(iter(results.values()))["questions"]
    print(f"\n{count} questions (tests/data/find/questions.yaml), demo content\n")
    print(table(results))
    if args.runs:
        print(f"\nWhole results request, Flask test client, ms p50 / p95 of {args.runs}:\n")
        print("| query | " + " | ".join(results) + " |")
        print("| --- |" + " --- |" * len(results))
        for label in next(iter(results.values()))["timings"]:
            cells = [
                "{:.1f} / {:.1f}".format(*result["timings"][label]) for result in results.values()
            ]
            print(f"| {label} | " + " | ".join(cells) + " |")
    if args.each:
        print(f"\nEvery question's whole request (the median of {args.each} each), ms:\n")
        print("| backend | median question | p90 | slowest | share within 15 ms |")
        print("| --- | --- | --- | --- | --- |")
        for backend, result in results.items():
            each = [ms for ms, _ in result["each"]]
            print(
                f"| {backend} | {statistics.median(each):.1f} | {each[int(len(each) * 0.9)]:.1f}"
                f" | {each[-1]:.1f} ({result['each'][-1][1]}) "
                f"| {sum(ms <= 15 for ms in each) / len(each):.0%} |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
