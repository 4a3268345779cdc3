"""One size of the search bench: build the corpus's database and index (whoosh and PostgreSQL),
then time every query kind, saves until searchable and the FTS5 baseline."""

from __future__ import annotations

import argparse
import cProfile
import gc
import os
import pstats
import random
import statistics
import string
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from searchbench.backends import (
    Fts,
    SizeReport,
    Timing,
    index_calls,
    results_page_call,
    run_timed,
    time_results_pages,
)
from searchbench.corpus import (
    FTS_KINDS,
    KINDS,
    PAGE_SIZE,
    Vocabulary,
    Workload,
    build_database,
    drop_database,
    fresh_database,
    generate,
    progress,
    workload,
)


@dataclass
class Prepared:
    app: object
    report: SizeReport
    work: Workload
    edited: list[int]
    pg_app: object | None = None  # the same corpus on PostgreSQL, its search in its tables


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def segment_count(generation: Path) -> int:
    from whoosh.filedb.filestore import FileStorage

    return len(FileStorage(str(generation)).open_index()._segments())


def prepare(pages: int, vocabulary: Vocabulary, args: argparse.Namespace, tmpdir: Path) -> Prepared:
    """Generate the corpus, write it into a migrated database, build the index from it; the
    same on PostgreSQL with its own search."""
    from sqlalchemy import text

    from wiki.extensions import db
    from wiki.search.indexing import indexer

    report = SizeReport(pages, build_alone=args.serial or len(args.size_list) == 1)
    progress(f"{pages:,} pages: generating the corpus ...")
    started = time.perf_counter()
    corpus = generate(vocabulary, pages, args.seed)
    report.generate_s = time.perf_counter() - started
    report.processes = len(corpus.processes)
    work = workload(vocabulary, corpus, args.queries, args.seed)
    edited = random.Random(f"saves-{args.seed}-{pages}").sample(
        [row["id"] for row in corpus.pages], args.saves
    )

    progress(f"{pages:,} pages: inserting into {tmpdir / 'wiki.db'} ...")
    started = time.perf_counter()
    app = build_database(tmpdir, corpus)
    report.insert_s = time.perf_counter() - started
    pg_app = None
    if args.postgres_url:
        name = f"{args.postgres_db}_{pages}"
        progress(f"{pages:,} pages: inserting into PostgreSQL database {name} ...")
        started = time.perf_counter()
        url = fresh_database(args.postgres_url, name)
        pg_app = build_database(tmpdir / "postgresql", corpus, url)
        report.pg_insert_s = time.perf_counter() - started
    del corpus
    gc.collect()

    with app.app_context():
        done = [0]

        def on_item() -> None:
            done[0] += 1
            if done[0] % 5000 == 0:
                progress(f"{pages:,} pages:   indexed {done[0]:,}")

        progress(f"{pages:,} pages: indexing through indexer(app).rebuild() ...")
        started = time.perf_counter()
        report.documents = indexer(app).rebuild(on_item=on_item)
        report.build_s = time.perf_counter() - started
        generation = indexer(app).index.current_generation()
        report.index_bytes = folder_size(generation)
        report.segments = segment_count(generation)
        db.session.remove()
    progress(
        f"{pages:,} pages: built in {report.build_s:.1f} s, "
        f"{report.index_bytes / 1e6:.1f} MB, {report.segments} segment(s)"
    )
    if pg_app is not None:
        with pg_app.app_context():
            progress(f"{pages:,} pages: PostgreSQL backend, indexing through rebuild() ...")
            started = time.perf_counter()
            indexer(pg_app).rebuild()
            report.pg_build_s = time.perf_counter() - started
            # The build leaves most of the shared buffers dirty; a server that has run a while
            # has written them at a checkpoint, so the first queries do not pay for that.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.execute(text("CHECKPOINT"))
            report.pg_bytes = db.session.scalar(
                text(
                    "SELECT pg_total_relation_size('search_documents')"
                    " + pg_total_relation_size('search_words')"
                )
            )
            db.session.remove()
        progress(f"{pages:,} pages: PostgreSQL built in {report.pg_build_s:.1f} s")
    return Prepared(app, report, work, edited, pg_app)


def measure(prepared: Prepared, args: argparse.Namespace, tmpdir: Path) -> SizeReport:
    """Queries, saves until searchable, then the same queries on FTS5."""
    from whoosh.filedb.filestore import FileStorage

    from wiki.auth.models import User
    from wiki.extensions import db
    from wiki.search import services
    from wiki.search.indexing import indexer

    report, work, pages = prepared.report, prepared.work, prepared.report.pages
    at = f"{pages:,} pages:"
    report.load = os.getloadavg()[0]
    with prepared.app.app_context():
        index = indexer(prepared.app).index
        generation = index.current_generation()
        calls = index_calls(index)
        started = time.perf_counter()
        calls["term"](work.queries["term"][0])  # opens this thread's searcher
        report.first_query_ms = (time.perf_counter() - started) * 1000
        report.whoosh = time_kinds(calls, work, args.budget, f"{at} whoosh")

        # The floor: the same parsed term queries on a plain whoosh searcher, top 10 by score,
        # without the facet counts, the sort on (score, updated) and the highlights.
        with FileStorage(str(generation)).open_index().searcher() as bare:

            def floor(text: str) -> int:
                # scored_length(): len() would count every match in a second pass.
                return bare.search(index.parse(text), limit=PAGE_SIZE).scored_length()

            for text in work.queries["term"][-3:]:
                floor(text)
            report.floor = run_timed("term", work.queries["term"], floor, args.budget / 2, at)

            # Untimed: is the total a results page shows the number of matching documents?
            # (Every document of this corpus is open to everyone.)
            term = report.whoosh["term"]
            ran = work.queries["term"][: len(term.hits)]
            for text, total in list(zip(ran, term.hits, strict=True))[:100]:
                exact = sum(1 for _ in bare.docs_for_query(index.parse(text)))
                report.totals_checked += 1
                if total != exact:
                    report.totals_wrong += 1
                    report.totals_worst = max(report.totals_worst, abs(exact - total) / exact)

        # What a results page asks for: the search, "did you mean", fuzzy when there are few
        # hits, breadcrumbs from the database.
        user = db.session.get(User, 1)

        def request(text: str) -> int:
            outcome = services.search(user, text)
            return outcome.results.total if outcome.results else 0

        report.request = run_timed("term", work.queries["term"], request, args.budget / 2, at)
        db.session.remove()
        report.pages_shown = time_results_pages(prepared.app, work, args.budget / 2, at)

        page_call = results_page_call(prepared.app)
        for kind in args.profile:
            if kind.startswith("page-"):  # the whole results page, as time_results_pages asks
                kind = kind.removeprefix("page-")
                profile_kind(f"results page {kind}", work.queries[kind][:20], page_call, pages)
            else:
                profile_kind(kind, work.queries[kind][:20], calls[kind], pages)

        # Saves through the real service: it commits, then the session hook writes the index.
        progress(f"{pages:,} pages: {args.saves} saves, each until its new word is found ...")
        report.save_ms, report.visible_ms = time_saves(index, prepared.edited, args.seed, pages)
        report.segments_after = segment_count(index.current_generation())
        again = work.queries["term"][: max(1, len(work.queries["term"]) // 2)]
        progress(f"{pages:,} pages: whoosh term x {len(again)} after the saves ...")
        report.after_saves = run_timed("term", again, calls["term"], args.budget / 2, at)

        progress(f"{pages:,} pages: FTS5 over the same documents ...")
        fts = Fts(tmpdir / "fts.db")
        try:
            report.fts_build_s = fts.build(generation)
            report.fts_bytes = fts.size()
            for kind in FTS_KINDS:
                fts.search(work.fts[kind][-1])  # warm
                report.fts[kind] = run_timed(kind, work.fts[kind], fts.search, args.budget, at)
            updates = [
                fts.update_then_find(f"page:{page_id}", f"zqfts{n}")
                for n, page_id in enumerate(prepared.edited)
            ]
            report.fts_update_ms = statistics.median(updates) * 1000
        finally:
            fts.close()
        db.session.remove()
        db.engine.dispose()
    if prepared.pg_app is not None:
        measure_postgres(prepared, args)
    return report


def time_kinds(
    calls: dict[str, Callable[[str], int]], work: Workload, budget: float, at: str
) -> dict[str, Timing]:
    """Every query kind, after warming each kind's code paths and caches untimed."""
    for kind in KINDS:
        for query_text in work.queries[kind][-3:]:
            calls[kind](query_text)
    timings = {}
    for kind in KINDS:
        progress(f"{at} {kind} x {len(work.queries[kind])} ...")
        timings[kind] = timing = run_timed(kind, work.queries[kind], calls[kind], budget, at)
        progress(f"{at}   p50 {timing.p50:.1f} ms, p95 {timing.p95:.1f} ms")
    return timings


def time_saves(index, edited: list[int], seed: int, pages: int) -> tuple[list[float], list[float]]:
    """Edit each page through save_page() with a new word; ms the save took, and ms from the
    call until a search finds the page by that word."""
    from wiki.auth.models import User
    from wiki.extensions import db
    from wiki.processes.models import Page
    from wiki.processes.pages import PageDraft, latest_revision, save_page
    from wiki.search.index_schema import Filters

    rng = random.Random(f"words-{seed}-{pages}")
    actor = db.session.get(User, 1)
    everyone = Filters(readers=["*"])
    saved, visible = [], []
    for n, page_id in enumerate(edited):
        page = db.session.get(Page, page_id)
        word = "zqx" + "".join(rng.choice(string.ascii_lowercase) for _ in range(8))
        body = latest_revision(page).body + f"\nAppended in edit {n}: {word}.\n"
        draft = PageDraft(page.title, body, "bench edit")
        started = time.perf_counter()
        assert save_page(actor, page, draft, page.latest_revision)
        saved.append((time.perf_counter() - started) * 1000)
        while True:
            hits = index.search(word, everyone, page=1, page_size=PAGE_SIZE).hits
            if any(hit.key == f"page:{page_id}" for hit in hits):
                break
            if time.perf_counter() - started > 30:
                raise RuntimeError(f"edit {n} of page {page_id} not found after 30 s")
            time.sleep(0.002)
        visible.append((time.perf_counter() - started) * 1000)
        db.session.expunge_all()
    return saved, visible


def measure_postgres(prepared: Prepared, args: argparse.Namespace) -> None:
    """The same query kinds on the PostgreSQL backend, the whole request through
    services.search(), the totals against a plain count, and saves until searchable."""
    from sqlalchemy import text

    from wiki.auth.models import User
    from wiki.extensions import db
    from wiki.search import services
    from wiki.search.index_schema import Filters
    from wiki.search.indexing import indexer

    report, work, pages = prepared.report, prepared.work, prepared.report.pages
    at = f"{pages:,} pages (PostgreSQL):"
    with prepared.pg_app.app_context():
        report.pg = time_kinds(index_calls(indexer(prepared.pg_app).index), work, args.budget, at)
        user = db.session.get(User, 1)

        def request(query_text: str) -> int:
            outcome = services.search(user, query_text, record=False)
            return outcome.results.total if outcome.results else 0

        report.pg_request = run_timed("term", work.queries["term"], request, args.budget / 2, at)
        db.session.remove()
        report.pg_pages_shown = time_results_pages(prepared.pg_app, work, args.budget / 2, at)
        # Untimed: each total against a count of the documents holding the word; past
        # RANKED matches the total is an estimate ("about N"), and how far off it is.
        index = indexer(prepared.pg_app).index
        everyone = Filters(readers=["*"])
        for query_text in work.queries["term"][:100]:
            results = index.search(query_text, everyone, page=1, page_size=PAGE_SIZE)
            exact = db.session.scalar(
                text(
                    "SELECT count(*) FROM search_documents"
                    " WHERE vector @@ plainto_tsquery('english', :word)"
                ),
                {"word": query_text},
            )
            if results.approximate:
                report.pg_estimates.append(results.total / exact - 1)
            else:
                report.pg_totals_checked += 1
                report.pg_totals_wrong += int(exact != results.total)
        db.session.remove()
        progress(f"{at} {args.saves} saves, each until its new word is found ...")
        report.pg_save_ms, report.pg_visible_ms = time_saves(
            index, prepared.edited, args.seed, pages
        )
        db.session.remove()
        db.engine.dispose()
    if not args.keep:
        drop_database(args.postgres_url, f"{args.postgres_db}_{pages}")


def profile_kind(kind: str, texts: Sequence[str], call: Callable[[str], int], pages: int) -> None:
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for text in texts:
        call(text)
    profiler.disable()
    each = (time.perf_counter() - started) / max(1, len(texts)) * 1000
    print(
        f"\n=== cProfile whoosh {kind} at {pages:,} pages: {len(texts)} queries, "
        f"{each:.1f} ms each (under the profiler) ==="
    )
    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.sort_stats("cumulative").print_stats(25)
    stats.sort_stats("tottime").print_stats(15)
    sys.stdout.flush()
