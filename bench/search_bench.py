"""Search at 10,000 and 50,000 pages: whoosh and the PostgreSQL backend against SQLite FTS5.

Run from the repository root:  .venv/bin/python bench/search_bench.py   (or `make bench-search`)
Options: --sizes 10000,50000 (pages per corpus), --queries N (per query kind and size, default
         200), --budget SECONDS (a query kind stops early at a size once it has taken that
         long, default 15; 0 for none), --saves N (edits timed until searchable, default 20),
         --seed N, --profile KIND[,KIND] (cProfile 20 whoosh queries of those kinds per size;
         page-term, page-two-term, page-question: 20 whole results pages on whoosh),
         --serial (one size at a time, builds included), --keep (keep the temporary folder and
         databases), --postgres-url URL (a server where the bench creates a database per size;
         empty to leave PostgreSQL out), --postgres-db NAME (those databases: NAME_PAGES).

For each size it writes a synthetic corpus straight into a migrated wiki database (Core inserts:
a Zipf-distributed vocabulary of generated words, a few hundred process nodes, pages of a few
hundred words of markdown), builds the index through indexer(app).rebuild() as `wiki search
reindex` does, times the query kinds through wiki.search.index.SearchIndex (the page of hits
highlighted, page_size=10), saves pages through save_page() and waits for their new word to be
found, then puts the very text whoosh indexed into an FTS5 table and times the same queries there.
The same corpus goes into a PostgreSQL database of its own, where the PostgreSQL backend is
built and timed through the same calls, and through services.search(), with the same saves.
Untimed, it checks that the totals of 100 term queries are the number of matching documents.
Each size runs in its own process: the builds run side by side (one per core), the measurements
take turns, so that no query is timed while anything else of this run is working.

The bars (bench/README.md, "Search bench"), at 50,000 pages: PostgreSQL term and two-term p95
<= 30 ms, a question (8-15 words, most of them common) <= 60 ms, every other kind <= 150 ms, a
save searchable within 100 ms of the call; whoosh no kind above 300 ms p95; a saved edit
searchable within 1 s at every size. Exits 1 when a bar is missed.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

from searchbench import corpus  # noqa: E402 (a sibling package: bench/ is the script's folder)
from searchbench.backends import PAGE_KINDS, SizeReport  # noqa: E402
from searchbench.corpus import (  # noqa: E402
    FUNCTION_WORDS,
    KINDS,
    PAGE_SIZE,
    VOCABULARY,
    ZIPF_S,
    Vocabulary,
    progress,
)
from searchbench.measure import measure, prepare  # noqa: E402
from searchbench.report import print_size, print_summary  # noqa: E402

# --------------------------------------------------------------------------- processes


def worker(args: argparse.Namespace) -> int:
    """One size in its own process. Sizes build side by side (one per core); measurements
    take turns, smallest first, so that no query is timed while anything else runs."""
    pages, run_dir = args.worker, Path(args.run_dir)
    tmpdir = run_dir / str(pages)
    tmpdir.mkdir()
    try:
        vocabulary = Vocabulary(random.Random(f"vocabulary-{args.seed}"))
        prepared = prepare(pages, vocabulary, args, tmpdir)
        (run_dir / f"built-{pages}").touch()
        if not args.serial:
            before = [size for size in args.size_list if size < pages]
            wait_for(run_dir, [f"built-{size}" for size in args.size_list], pages)
            wait_for(run_dir, [f"done-{size}" for size in before], pages)
        report = measure(prepared, args, tmpdir)
        (run_dir / f"report-{pages}.json").write_text(report.to_json())
        (run_dir / f"done-{pages}").touch()
    except BaseException:
        (run_dir / f"failed-{pages}").touch()
        raise
    finally:
        if not args.keep:
            shutil.rmtree(tmpdir, ignore_errors=True)
    return 0


def wait_for(run_dir: Path, markers: list[str], pages: int) -> None:
    waiting = [m for m in markers if not (run_dir / m).exists()]
    if waiting:
        progress(f"{pages:,} pages: waiting for {', '.join(waiting)}")
    while not all((run_dir / m).exists() for m in markers):
        if any(run_dir.glob("failed-*")):
            raise RuntimeError("another size failed")
        time.sleep(0.5)


def run_workers(args: argparse.Namespace, run_dir: Path) -> list[SizeReport]:
    def command(pages: int) -> list[str]:
        return [
            sys.executable, __file__, "--worker", str(pages), "--run-dir", str(run_dir),
            "--sizes", args.sizes, "--queries", str(args.queries), "--budget", str(args.budget),
            "--saves", str(args.saves), "--seed", str(args.seed),
            "--profile", ",".join(args.profile), "--t0", str(args.t0),
            "--postgres-url", args.postgres_url, "--postgres-db", args.postgres_db,
            *(["--serial"] if args.serial else []), *(["--keep"] if args.keep else []),
        ]  # fmt: skip

    running: list[subprocess.Popen] = []
    try:
        if args.serial:
            for pages in args.size_list:
                process = subprocess.Popen(command(pages))
                running.append(process)
                if process.wait() != 0:
                    raise RuntimeError(f"the {pages:,}-page run failed")
        else:
            running = [subprocess.Popen(command(pages)) for pages in args.size_list]
            while any(p.poll() is None for p in running):
                if any(p.returncode not in (None, 0) for p in running):
                    raise RuntimeError("a size failed; stopping the others")
                time.sleep(0.5)
            if any(p.returncode != 0 for p in running):
                raise RuntimeError("a size failed")
    finally:
        for process in running:  # only the workers this run started
            if process.poll() is None:
                process.terminate()
                process.wait()
    return [
        SizeReport.from_json((run_dir / f"report-{pages}.json").read_text())
        for pages in args.size_list
    ]


# --------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,50000", help="pages per corpus, comma-separated")
    parser.add_argument("--queries", type=int, default=200, help="queries per kind and size")
    parser.add_argument(
        "--budget",
        type=float,
        default=15.0,
        help="seconds one query kind may take at one size before it stops early (0: no limit)",
    )
    parser.add_argument("--saves", type=int, default=20, help="edits timed until searchable")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--profile",
        default="",
        help=f"kinds to cProfile: {','.join(KINDS)}, or page-KIND for the results page",
    )
    parser.add_argument(
        "--serial", action="store_true", help="one size at a time, builds included (slower)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument(
        "--postgres-url",
        default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
        help="a PostgreSQL server (any database on it) where the bench makes its own databases;"
        " empty to leave the PostgreSQL backend out",
    )
    parser.add_argument(
        "--postgres-db",
        default="wiki_search_bench",
        help="name of those databases, before _PAGES; dropped at the end unless --keep",
    )
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--run-dir", help=argparse.SUPPRESS)
    parser.add_argument("--t0", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.size_list = sorted({int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()})
    args.profile = [k for k in args.profile.split(",") if k]
    unknown = set(args.profile) - {*KINDS, *(f"page-{kind}" for kind in PAGE_KINDS)}
    if unknown:
        parser.error(f"unknown kinds {sorted(unknown)}; choose from {', '.join(KINDS)}")
    if args.budget <= 0:
        args.budget = math.inf
    args.t0 = args.t0 or time.time()
    corpus.STARTED = time.monotonic() - (time.time() - args.t0)
    # whoosh's regular expressions warn under Python 3.11 when compiled fresh; not ours to fix.
    warnings.filterwarnings("ignore", category=SyntaxWarning)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    if args.worker:
        return worker(args)

    load1 = os.getloadavg()[0]
    print(f"load average {load1:.2f} on {os.cpu_count()} CPUs", flush=True)
    if load1 > 1.0:
        print("WARNING: the machine is busy; latencies may read high. Re-run when it is idle.")
    print(
        f"corpus: {VOCABULARY:,} generated words + {len(FUNCTION_WORDS)} English function words "
        f"at the top ranks, Zipf s={ZIPF_S}, seed {args.seed}; up to {args.queries} queries per "
        f"kind ({args.budget:.0f} s budget each), page_size={PAGE_SIZE} with highlights; "
        + ("sizes one after another" if args.serial else "sizes built side by side, "
           "measured one after another"),
        flush=True,
    )  # fmt: skip
    run_dir = Path(tempfile.mkdtemp(prefix="wiki-search-bench-"))
    try:
        reports = run_workers(args, run_dir)
    finally:
        if args.keep:
            print(f"kept {run_dir}")
        else:
            shutil.rmtree(run_dir, ignore_errors=True)
    for report in reports:
        print_size(report)
    met = print_summary(reports)
    print(f"total {time.monotonic() - corpus.STARTED:.0f} s")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
