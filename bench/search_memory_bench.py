"""Search worker memory: the RSS of one web worker after a mix of searches and page views, per
search backend, at the search bench's corpus sizes (issue 32).

Run from the repository root:  .venv/bin/python bench/search_memory_bench.py
                                (or `make bench-search-memory`)
Options: --sizes 10000,50000, --queries N (per kind, default 60), --rounds N (times the whole
         mix runs in the worker, default 2), --corpus-dir DIR (keep the built corpora there and
         reuse them on the next run: a 50,000-page build takes minutes), --postgres-url URL
         (empty: whoosh only), --postgres-db NAME, --trace (tracemalloc: where the Python-level
         memory is, by file and line), --seed N.

For each size it builds the search bench's corpus (bench/searchbench/corpus.py) into a migrated
SQLite database with its whoosh index, and into a PostgreSQL database of its own with that
backend's tables, unless --corpus-dir already holds them. Then, per backend, a fresh process
plays one gunicorn worker: it creates the app on that database and asks, through the Flask
test client as a signed-in person, for the results page of every query of the mix (terms, two
words, phrases, prefixes, typos, questions of 8-15 words, ERP codes), the quick-find box's
answers, and a few pages; it prints its RSS (VmRSS: what the worker holds; VmHWM: its peak) and
the figures go in a table. The bar: a whoosh worker at 50,000 pages holds at most 250 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

from searchbench import corpus  # noqa: E402 (a sibling package: bench/ is the script's folder)
from searchbench.corpus import (  # noqa: E402
    Vocabulary,
    build_database,
    fresh_database,
    generate,
    progress,
    workload,
)

BAR_PAGES = 50_000
WHOOSH_BAR_MB = 250.0
# The kinds of the search bench a person types into the results page's box, and ERP codes
# (which the corpus does not hold: they go through the code registry and find nothing).
MIX = ("term", "two-term", "phrase", "prefix", "fuzzy", "question")
CODES = ["ZFI_3WM", "ZAP_HOLD", "ME21N", "FB60", "ZMM_GR_IR"]
PAGE_VIEWS = 20
BUILT = "built.json"


# --------------------------------------------------------------------------- building


def build(pages: int, args: argparse.Namespace, folder: Path) -> dict:
    """The corpus of `pages` pages in folder (SQLite + whoosh) and, with a PostgreSQL server,
    in a database of its own; the queries of each kind in queries.json. Reused when built."""
    from wiki.search.indexing import indexer

    marker = folder / BUILT
    if marker.exists():
        built = json.loads(marker.read_text())
        if built["seed"] == args.seed and built["queries"] >= args.queries:
            progress(f"{pages:,} pages: reusing the corpus in {folder}")
            return built
    folder.mkdir(parents=True, exist_ok=True)
    progress(f"{pages:,} pages: generating the corpus ...")
    vocabulary = Vocabulary(random.Random(f"vocabulary-{args.seed}"))
    generated = generate(vocabulary, pages, args.seed)
    work = workload(vocabulary, generated, args.queries, args.seed)
    (folder / "queries.json").write_text(json.dumps(work.queries))
    built = {"seed": args.seed, "queries": args.queries, "postgres_url": None}
    for name in ("wiki.db", "wiki.db-wal", "wiki.db-shm"):
        (folder / name).unlink(missing_ok=True)
    progress(f"{pages:,} pages: SQLite and whoosh in {folder} ...")
    app = build_database(folder, generated)
    with app.app_context():
        indexer(app).rebuild()
    if args.postgres_url:
        name = f"{args.postgres_db}_{pages}"
        progress(f"{pages:,} pages: PostgreSQL database {name} ...")
        url = fresh_database(args.postgres_url, name)
        pg_app = build_database(folder / "postgresql", generated, url)
        with pg_app.app_context():
            indexer(pg_app).rebuild()
        built["postgres_url"] = url
    marker.write_text(json.dumps(built))
    return built


# --------------------------------------------------------------------------- one worker


def memory_mb() -> dict[str, float]:
    """This process's resident memory in MB: VmRSS now, VmHWM its peak, and of VmRSS the
    anonymous part (RssAnon: its own objects) and the file-backed part (RssFile: mapped files,
    shared with every other process that maps them)."""
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
            fields[name] = int(value.split()[0]) / 1024
    return fields


def play_worker(args: argparse.Namespace) -> int:
    """The worker's side: one app, the query mix through its pages; prints a JSON line."""
    import tracemalloc

    if args.trace:
        tracemalloc.start(8)
    from wiki import create_app
    from wiki.auth.models import User
    from wiki.extensions import db
    from wiki.processes.models import Page

    folder = Path(args.worker_folder)
    queries = json.loads((folder / "queries.json").read_text())
    url = args.worker_url or "sqlite:///" + str(folder / "wiki.db")
    instance = folder if not args.worker_url else folder / "postgresql"
    app = create_app(
        {"DATABASE_URL": url, "SECRET_KEY": "bench"},
        instance_path=str(instance),
    )
    client = app.test_client()
    with app.app_context():
        user = db.session.get(User, 1)
        session_id = user.get_id()
        page_paths = [
            page.path for page in db.session.query(Page).order_by(Page.id).limit(PAGE_VIEWS)
        ]
        db.session.remove()
    with client.session_transaction() as session:
        session["_user_id"] = session_id
        session["_fresh"] = True
    started_mb = memory_mb()["VmRSS"]
    texts = [text for kind in MIX for text in queries[kind][: args.queries]] + CODES
    typed = [text for text in queries["quick-find"][: args.queries]]
    ms: list[float] = []
    cpu = time.process_time()
    for _ in range(args.rounds):
        for text in texts:
            began = time.perf_counter()
            answer = client.get("/search", query_string={"q": text})
            ms.append((time.perf_counter() - began) * 1000)
            assert answer.status_code == 200, (text, answer.status_code)
        for text in typed:
            assert client.get("/search/quick", query_string={"q": text}).status_code == 200
        for path in page_paths:
            assert client.get("/p/" + path).status_code == 200, path
    cpu = time.process_time() - cpu
    memory = memory_mb()
    ordered = sorted(ms)
    result = {
        "started_mb": started_mb,
        "rss_mb": memory["VmRSS"],
        "peak_mb": memory["VmHWM"],
        "anon_mb": memory["RssAnon"],
        "file_mb": memory["RssFile"],
        "searches": len(ms),
        "p50_ms": statistics.median(ms),
        "p95_ms": ordered[int(0.95 * (len(ordered) - 1))],
        "cpu_ms": cpu * 1000 / len(ms),
    }
    if args.trace:
        snapshot = tracemalloc.take_snapshot()
        result["traced_mb"] = sum(stat.size for stat in snapshot.statistics("filename")) / 1e6
        result["top"] = [
            f"{stat.size / 1e6:7.1f} MB {stat.count:>9} blocks  {stat.traceback[0]}"
            for stat in snapshot.statistics("lineno")[:25]
        ]
    print(json.dumps(result))
    return 0


def measure(folder: Path, url: str | None, args: argparse.Namespace) -> dict:
    command = [
        sys.executable, __file__, "--worker-folder", str(folder), "--worker-url", url or "",
        "--queries", str(args.queries), "--rounds", str(args.rounds),
        *(["--trace"] if args.trace else []),
    ]  # fmt: skip
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,50000", help="pages per corpus, comma-separated")
    parser.add_argument("--queries", type=int, default=60, help="queries per kind")
    parser.add_argument("--rounds", type=int, default=2, help="times the worker runs the mix")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--corpus-dir", help="keep the built corpora here and reuse them")
    parser.add_argument("--trace", action="store_true", help="tracemalloc's top lines")
    parser.add_argument(
        "--postgres-url",
        default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
        help="a PostgreSQL server where the bench makes a database per size; empty: whoosh only",
    )
    parser.add_argument("--postgres-db", default="wiki_search_memory_bench")
    parser.add_argument("--worker-folder", help=argparse.SUPPRESS)
    parser.add_argument("--worker-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    # whoosh's regular expressions warn under Python 3.11 when compiled fresh; not ours to fix.
    warnings.filterwarnings("ignore", category=SyntaxWarning)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    if args.worker_folder:
        return play_worker(args)

    sizes = sorted({int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()})
    corpus.STARTED = time.monotonic()
    root = Path(args.corpus_dir or tempfile.mkdtemp(prefix="wiki-search-memory-"))
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs; corpora in {root}")
    rows = []
    for pages in sizes:
        folder = root / str(pages)
        built = build(pages, args, folder)
        backends = [("whoosh", None)]
        if built["postgres_url"] and args.postgres_url:
            backends.append(("PostgreSQL", built["postgres_url"]))
        for backend, url in backends:
            progress(f"{pages:,} pages: a {backend} worker runs the mix ...")
            rows.append((pages, backend, measure(folder, url, args), os.getloadavg()[0]))
    return report(rows, args)


def report(rows: list[tuple[int, str, dict, float]], args: argparse.Namespace) -> int:
    print(
        f"\nworker memory after the query mix ({len(MIX)} kinds x {args.queries} + "
        f"{len(CODES)} codes through /search, quick-find, {PAGE_VIEWS} page views; "
        f"{args.rounds} rounds), MB"
    )
    header = (
        f"{'pages':>7} {'backend':<11} {'at start':>9} {'RSS after':>10} {'anon':>6} {'file':>6} "
        f"{'peak':>7} "
        f"{'searches':>9} {'p50 ms':>7} {'p95 ms':>7} {'CPU ms':>7} {'load':>5}"
    )
    print(header)
    print("-" * len(header))
    met = True
    for pages, backend, figures, load in rows:
        note = ""
        if backend == "whoosh" and pages >= BAR_PAGES:
            ok = figures["rss_mb"] <= WHOOSH_BAR_MB
            met = met and ok
            note = f"  {'meets' if ok else 'MISSES'} {WHOOSH_BAR_MB:.0f} MB"
        print(
            f"{pages:>7,} {backend:<11} {figures['started_mb']:>9.0f} {figures['rss_mb']:>10.0f} "
            f"{figures['anon_mb']:>6.0f} {figures['file_mb']:>6.0f} {figures['peak_mb']:>7.0f} "
            f"{figures['searches']:>9} {figures['p50_ms']:>7.1f} {figures['p95_ms']:>7.1f} "
            f"{figures['cpu_ms']:>7.1f} {load:>5.2f}{note}"
        )
        if "top" in figures:
            print(f"    tracemalloc: {figures['traced_mb']:.0f} MB traced; the top lines:")
            for line in figures["top"]:
                print("    " + line)
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
