"""The search bench's printed report: a table per size, the summary across sizes, and the bars
checked against them."""

from __future__ import annotations

import statistics
from collections.abc import Callable

from searchbench.backends import SizeReport, Timing
from searchbench.corpus import FTS_KINDS, KINDS, PEOPLE

# The bars, at 50,000 pages (issue 13): the PostgreSQL backend answers terms and two-term
# queries within 30 ms p95, every other kind within 150 ms, and finds a save within 100 ms of
# the call; whoosh keeps every kind within 300 ms p95 and finds a save within 1 s.
BAR_PAGES = 50_000
# A question (issue 23): 8-15 words, most of them common, within 60 ms p95 on PostgreSQL.
PG_BARS_MS = {"term": 30.0, "two-term": 30.0, "question": 60.0}
PG_OTHER_BAR_MS = 150.0
PG_FRESH_BAR_MS = 100.0
WHOOSH_BAR_MS = 300.0
FRESH_BAR_S = 1.0
# The whole results page (issue 23), at 10,000 pages, on each backend.
PAGE_BAR_PAGES = 10_000
PAGE_BAR_MS = 60.0


def fmt(value: float | None, digits: int = 1) -> str:
    return f"{value:.{digits}f}" if value is not None else "-"


def ratio(a: float | None, b: float | None) -> str:
    if a is None or not b:
        return "-"
    return f"{a / b:.0f}x" if a / b >= 10 else f"{a / b:.1f}x"


def print_size(report: SizeReport) -> None:
    print()
    print(
        f"== {report.pages:,} pages: {report.documents:,} documents "
        f"(pages, {report.processes} processes, {PEOPLE} people); load average {report.load:.2f}"
    )
    alone = "" if report.build_alone else ", next to the other size's build"
    print(
        f"corpus generated in {report.generate_s:.1f} s, inserted in {report.insert_s:.1f} s; "
        f"whoosh build {report.build_s:.1f} s through indexer(app).rebuild(){alone} "
        f"({report.documents / report.build_s:,.0f} documents/s), "
        f"{report.index_bytes / 1e6:.0f} MB on disk, {report.segments} segment(s); "
        f"first query (opens the searcher) {report.first_query_ms:.0f} ms"
    )
    print(
        f"FTS5 (porter unicode61) over the same title + body text: built in "
        f"{report.fts_build_s:.1f} s, {report.fts_bytes / 1e6:.0f} MB"
    )
    header = (
        f"{'query':<14} {'n':>4} {'hits':>7} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} "
        f"{'FTS5 p50':>9} {'FTS5 p95':>9} {'x FTS5 p50':>10} {'x FTS5 p95':>10}"
    )
    print(header)
    print("-" * len(header))

    def line(label: str, t: Timing, f: Timing | None = None, note: str = "") -> None:
        hits = f"{t.mean_hits:.0%}" if label.endswith("did-you-mean") else f"{t.mean_hits:.0f}"
        if len(t.ms) < t.planned:
            note += f"  (budget: {len(t.ms)} of {t.planned})"
        print(
            f"{label:<14} {len(t.ms):>4} {hits:>7} {fmt(t.p50):>8} {fmt(t.p95):>8} "
            f"{fmt(max(t.ms)):>8} {fmt(f.p50 if f else None, 2):>9} "
            f"{fmt(f.p95 if f else None, 2):>9} {ratio(t.p50, f.p50 if f else None):>10} "
            f"{ratio(t.p95, f.p95 if f else None):>10}{note}"
        )

    for kind in KINDS:
        line(kind, report.whoosh[kind], report.fts.get(kind))
    if report.floor:
        line("term, floor", report.floor, report.fts["term"], "  bare whoosh searcher")
    if report.request:
        line("term, request", report.request, report.fts["term"], "  services.search()")
    for kind, timing in report.pages_shown.items():
        line(f"{kind}, page", timing, report.fts.get(kind), "  the whole results page")
    if report.after_saves:
        note = f"  after {len(report.save_ms)} saves, {report.segments_after} segment(s)"
        line("term, after", report.after_saves, None, note)
    if report.totals_wrong:
        print(
            f"WRONG TOTALS: {report.totals_wrong} of {report.totals_checked} term queries "
            f"reported a total that differs from the number of matching documents (by up to "
            f"{report.totals_worst:.0%})"
        )
    else:
        print(f"totals: all {report.totals_checked} checked term queries count every match")
    print_postgres(report, line)
    save_p50, found_p50 = statistics.median(report.save_ms), statistics.median(report.visible_ms)
    print(
        f"save -> searchable: save_page() {save_p50:.0f} ms p50 / {max(report.save_ms):.0f} ms "
        f"max; its new word found {found_p50:.0f} ms p50 / {max(report.visible_ms):.0f} ms max "
        f"after save_page() was called; FTS5 update + find {report.fts_update_ms:.2f} ms p50"
    )


def print_postgres(report: SizeReport, line: Callable) -> None:
    if not report.pg:
        return
    print(
        f"PostgreSQL backend (tsvector under GIN, pg_trgm) over the same corpus in a database of "
        f"its own: inserted in {report.pg_insert_s:.1f} s, built in {report.pg_build_s:.1f} s "
        f"through rebuild(), {report.pg_bytes / 1e6:.0f} MB of tables and indexes; "
        f"x FTS5 = PostgreSQL / FTS5, x whoosh = PostgreSQL / whoosh"
    )
    for kind in KINDS:
        note = f"  x whoosh p50 {ratio(report.pg[kind].p50, report.whoosh[kind].p50)}, "
        note += f"p95 {ratio(report.pg[kind].p95, report.whoosh[kind].p95)}"
        line(f"pg {kind}", report.pg[kind], report.fts.get(kind), note)
    if report.pg_request:
        line("pg request", report.pg_request, report.fts["term"], "  services.search()")
    for kind, timing in report.pg_pages_shown.items():
        line(f"pg {kind}, page", timing, report.fts.get(kind), "  the whole results page")
    wrong = report.pg_totals_wrong
    print(
        f"PostgreSQL totals: {wrong} of {report.pg_totals_checked} exact totals of term queries "
        f"differ from a count of the documents holding the word"
        + ("  WRONG TOTALS" if wrong else "")
    )
    if report.pg_estimates:
        from wiki.search.postgres_query import RANKED

        errors = sorted(abs(e) for e in report.pg_estimates)
        print(
            f'PostgreSQL estimates ("about N", past {RANKED} matches): {len(errors)} term queries, '
            f"off by {statistics.median(errors):.1%} p50 / {errors[-1]:.1%} at worst"
        )
    print(
        f"PostgreSQL save -> searchable: save_page() {statistics.median(report.pg_save_ms):.0f} "
        f"ms p50 / {max(report.pg_save_ms):.0f} ms max (the search write is in its transaction); "
        f"found {statistics.median(report.pg_visible_ms):.0f} ms p50 / "
        f"{max(report.pg_visible_ms):.0f} ms max after the call"
    )


def print_summary(reports: list[SizeReport]) -> bool:
    print()
    print("== summary (whoosh through wiki.search.index; x FTS5 = whoosh p95 / FTS5 p95)")
    header = f"{'':<26}" + "".join(f"{r.pages:>14,}" for r in reports)
    print(header)
    print("-" * len(header))

    def row(label: str, cell: Callable[[SizeReport], str]) -> None:
        print(f"{label:<26}" + "".join(f"{cell(r):>14}" for r in reports))

    row("build s", lambda r: f"{r.build_s:.0f}")
    row("index MB", lambda r: f"{r.index_bytes / 1e6:.0f}")
    row("open searcher ms", lambda r: f"{r.first_query_ms:.0f}")
    for kind in KINDS:
        row(
            f"{kind} p50/p95 ms",
            lambda r, kind=kind: f"{fmt(r.whoosh[kind].p50, 0)}/{fmt(r.whoosh[kind].p95, 0)}",
        )
    for kind in FTS_KINDS:
        row(f"{kind} x FTS5 p95", lambda r, kind=kind: ratio(r.whoosh[kind].p95, r.fts[kind].p95))
    row(
        "save->found p50/max ms",
        lambda r: f"{statistics.median(r.visible_ms):.0f}/{max(r.visible_ms):.0f}",
    )
    print()

    if any(r.pg for r in reports):
        print("PostgreSQL backend (x FTS5, x whoosh = its p95 over theirs)")
        for kind in KINDS:
            row(
                f"{kind} p50/p95 ms",
                lambda r, kind=kind: (
                    f"{fmt(r.pg[kind].p50, 0)}/{fmt(r.pg[kind].p95, 0)}" if r.pg else "-"
                ),
            )
        for kind in FTS_KINDS:
            row(
                f"{kind} x FTS5, x whoosh",
                lambda r, kind=kind: (
                    f"{ratio(r.pg[kind].p95, r.fts[kind].p95)}, "
                    f"{ratio(r.pg[kind].p95, r.whoosh[kind].p95)}"
                    if r.pg
                    else "-"
                ),
            )
        row(
            "save->found p50/max ms",
            lambda r: (
                f"{statistics.median(r.pg_visible_ms):.0f}/{max(r.pg_visible_ms):.0f}"
                if r.pg
                else "-"
            ),
        )
        print()
    return check_bars(reports)


def check_bars(reports: list[SizeReport]) -> bool:
    met = True

    def verdict(label: str, value: float | None, bar: float, unit: str = "ms") -> None:
        nonlocal met
        ok = value is not None and value <= bar
        met = met and ok
        print(f"{label}: {fmt(value, 0)} {unit} -> {'meets' if ok else 'MISSES'} {bar:.0f} {unit}")

    for r in reports:
        at = f"at {r.pages:,} pages"
        if r.pages >= BAR_PAGES:
            for kind in KINDS:
                verdict(f"whoosh {kind} p95 {at}", r.whoosh[kind].p95, WHOOSH_BAR_MS)
            for kind in KINDS if r.pg else ():
                bar = PG_BARS_MS.get(kind, PG_OTHER_BAR_MS)
                verdict(f"PostgreSQL {kind} p95 {at}", r.pg[kind].p95, bar)
            if r.pg:
                verdict(
                    f"PostgreSQL save -> searchable, worst {at}",
                    max(r.pg_visible_ms),
                    PG_FRESH_BAR_MS,
                )
        if r.pages == PAGE_BAR_PAGES:
            for name, shown in (("whoosh", r.pages_shown), ("PostgreSQL", r.pg_pages_shown)):
                for kind, timing in shown.items():
                    verdict(f"{name} results page, {kind}, p95 {at}", timing.p95, PAGE_BAR_MS)
        verdict(
            f"whoosh save -> searchable, worst {at}", max(r.visible_ms) / 1000, FRESH_BAR_S, "s"
        )
    if not any(r.pages >= BAR_PAGES for r in reports):
        print(f"(the query bars are for {BAR_PAGES:,} pages, which this run left out)")
    if any(r.pg_totals_wrong for r in reports):
        met = False
    return met
