"""What the search bench times: query latencies (Timing), the calls of each kind on whoosh, an
FTS5 table as the baseline, and a size's figures as they travel between processes."""

from __future__ import annotations

import json
import sqlite3
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from searchbench.corpus import PAGE_SIZE, progress


@dataclass
class Timing:
    kind: str
    ms: list[float] = field(default_factory=list)
    hits: list[int] = field(default_factory=list)
    planned: int = 0

    def pct(self, q: float) -> float | None:
        if not self.ms:
            return None
        ordered = sorted(self.ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    @property
    def p50(self) -> float | None:
        return self.pct(0.50)

    @property
    def p95(self) -> float | None:
        return self.pct(0.95)

    @property
    def mean_hits(self) -> float:
        return statistics.fmean(self.hits) if self.hits else 0.0


def run_timed(
    kind: str, texts: Sequence[str], call: Callable[[str], int], budget: float, label: str = ""
) -> Timing:
    """Time each call; stop early once the kind has used up its budget of seconds."""
    timing = Timing(kind, planned=len(texts))
    spent = 0.0
    for n, text in enumerate(texts, 1):
        started = time.perf_counter()
        hits = call(text)
        elapsed = time.perf_counter() - started
        timing.ms.append(elapsed * 1000)
        timing.hits.append(hits)
        spent += elapsed
        if spent > budget and n < len(texts):
            progress(f"{label}  {kind}: {budget:.0f} s budget spent after {n} of {len(texts)}")
            break
    return timing


def index_calls(search_index) -> dict[str, Callable[[str], int]]:
    """Each query kind as a call of the backend's index (whoosh or PostgreSQL, one API)."""
    from wiki.search import answering, questions
    from wiki.search.index_schema import Filters
    from wiki.search.services import SearchOutcome

    everyone = Filters(readers=["*"])

    def question(text: str) -> int:
        # As services.search answers it (without the glossary, which the corpus has none of):
        # every meaningful word, then pages holding most of them.
        reading = questions.read(text)
        outcome = SearchOutcome(text=text)
        return answering.answer(search_index, outcome, reading, everyone, 1, PAGE_SIZE).total

    def fuzzy(text: str) -> int:
        results = search_index.search_fuzzy(text, everyone, page=1, page_size=PAGE_SIZE)
        return results.total if results else 0

    return {
        "term": lambda t: search_index.search(t, everyone, page=1, page_size=PAGE_SIZE).total,
        "two-term": lambda t: search_index.search(t, everyone, page=1, page_size=PAGE_SIZE).total,
        "phrase": lambda t: search_index.search(t, everyone, page=1, page_size=PAGE_SIZE).total,
        "prefix": lambda t: search_index.search(t, everyone, page=1, page_size=PAGE_SIZE).total,
        "fuzzy": fuzzy,
        "did-you-mean": lambda t: int(search_index.did_you_mean(t, everyone) is not None),
        "quick-find": lambda t: len(search_index.quick_find(t, ["*"])),
        "question": question,
    }


# --------------------------------------------------------------------------- FTS5


class Fts:
    """An FTS5 table over the text whoosh stored for each document: title and plain body."""

    def __init__(self, path: Path):
        self.path = path
        self.connection = sqlite3.connect(str(path))
        self.connection.execute("PRAGMA journal_mode = WAL")  # as the wiki's own database
        self.rowids: dict[str, int] = {}

    def build(self, generation: Path) -> float:
        from whoosh.filedb.filestore import FileStorage

        started = time.perf_counter()
        con = self.connection
        con.execute(
            "CREATE VIRTUAL TABLE docs USING fts5("
            "key UNINDEXED, title, body, tokenize='porter unicode61')"
        )
        ix = FileStorage(str(generation)).open_index()
        with ix.searcher() as searcher, con:
            for rowid, fields in enumerate(searcher.all_stored_fields(), 1):
                self.rowids[fields["key"]] = rowid
                con.execute(
                    "INSERT INTO docs (rowid, key, title, body) VALUES (?, ?, ?, ?)",
                    (rowid, fields["key"], fields["title"], fields.get("body", "")),
                )
        with con:
            con.execute("INSERT INTO docs (docs) VALUES ('optimize')")
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return time.perf_counter() - started

    def search(self, text: str) -> int:
        """The top 10 by bm25 (the title weighted 4, as whoosh weights it) with the title
        highlighted and a body snippet, and the total, as a results page needs them."""
        con = self.connection
        rows = con.execute(
            "SELECT key, highlight(docs, 1, char(2), char(3)),"
            " snippet(docs, 2, char(2), char(3), '…', 24)"
            " FROM docs WHERE docs MATCH ? ORDER BY bm25(docs, 0, 4.0, 1.0) LIMIT ?",
            (text, PAGE_SIZE),
        ).fetchall()
        total = con.execute("SELECT count(*) FROM docs WHERE docs MATCH ?", (text,)).fetchone()[0]
        assert len(rows) == min(total, PAGE_SIZE)
        return total

    def update_then_find(self, key: str, word: str) -> float:
        """Seconds from writing a document's new text (committed) to finding it by a new word."""
        rowid = self.rowids[key]
        con = self.connection
        started = time.perf_counter()
        with con:
            body = con.execute("SELECT body FROM docs WHERE rowid = ?", (rowid,)).fetchone()[0]
            con.execute("UPDATE docs SET body = ? WHERE rowid = ?", (body + " " + word, rowid))
        found = con.execute("SELECT rowid FROM docs WHERE docs MATCH ?", (word,)).fetchall()
        elapsed = time.perf_counter() - started
        assert (rowid,) in found
        return elapsed

    def size(self) -> int:
        return sum(p.stat().st_size for p in self.path.parent.glob(self.path.name + "*"))

    def close(self) -> None:
        self.connection.close()


# --------------------------------------------------------------------------- one size


@dataclass
class SizeReport:
    pages: int
    documents: int = 0
    processes: int = 0
    generate_s: float = 0.0
    insert_s: float = 0.0
    build_s: float = 0.0
    build_alone: bool = True  # False when another size was building on the other core
    index_bytes: int = 0
    segments: int = 0
    first_query_ms: float = 0.0
    whoosh: dict[str, Timing] = field(default_factory=dict)
    floor: Timing | None = None  # term queries on a bare whoosh searcher
    request: Timing | None = None  # term queries through services.search()
    # The whole results page (GET /search through the app, logged in), by kind.
    pages_shown: dict[str, Timing] = field(default_factory=dict)
    totals_checked: int = 0  # term queries whose total was compared with an exact count
    totals_wrong: int = 0
    totals_worst: float = 0.0  # the largest difference, as a share of the exact count
    after_saves: Timing | None = None
    segments_after: int = 0
    save_ms: list[float] = field(default_factory=list)
    visible_ms: list[float] = field(default_factory=list)
    fts_build_s: float = 0.0
    fts_bytes: int = 0
    fts: dict[str, Timing] = field(default_factory=dict)
    fts_update_ms: float = 0.0
    # The PostgreSQL backend over the same corpus, in a database of its own.
    pg_insert_s: float = 0.0
    pg_build_s: float = 0.0
    pg_bytes: int = 0
    pg: dict[str, Timing] = field(default_factory=dict)
    pg_request: Timing | None = None  # term queries through services.search()
    pg_pages_shown: dict[str, Timing] = field(default_factory=dict)
    pg_totals_checked: int = 0
    pg_totals_wrong: int = 0
    pg_estimates: list[float] = field(default_factory=list)  # "about N" / exact - 1
    pg_save_ms: list[float] = field(default_factory=list)
    pg_visible_ms: list[float] = field(default_factory=list)
    load: float = 0.0  # load average when the measurements started

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> SizeReport:
        data = json.loads(text)
        for name in ("whoosh", "fts", "pg", "pages_shown", "pg_pages_shown"):
            data[name] = {kind: Timing(**t) for kind, t in data[name].items()}
        for name in ("floor", "request", "after_saves", "pg_request"):
            data[name] = Timing(**data[name]) if data[name] else None
        return cls(**data)


# The kinds whose whole results page is timed: what people type most.
PAGE_KINDS = ("term", "two-term", "question")


def results_page_call(app) -> Callable[[str], int]:
    """GET /search?q=... through the app (its middleware, the view, the template), signed in
    as person 1 (an admin); the number of hits the page shows."""
    from wiki.auth.models import User
    from wiki.auth.views import SESSION_ID
    from wiki.extensions import db

    with app.app_context():
        user = db.session.get(User, 1)
        signed_in = user.get_id()
        db.session.remove()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"], session[SESSION_ID] = signed_in, True, "bench"

    def call(text: str) -> int:
        response = client.get("/search", query_string={"q": text, "counted": "1"})
        if response.status_code != 200:
            raise RuntimeError(f"GET /search?q={text}: {response.status_code}")
        return response.data.count(b'class="search-hit"')

    return call


def time_results_pages(app, work, budget: float, at: str) -> dict[str, Timing]:
    call = results_page_call(app)
    timings = {}
    for kind in PAGE_KINDS:
        for text in work.queries[kind][-3:]:
            call(text)  # the searcher, the templates and the shared parts, untimed
        progress(f"{at} the results page, {kind} x {len(work.queries[kind])} ...")
        timings[kind] = run_timed(kind, work.queries[kind], call, budget, at)
    return timings
