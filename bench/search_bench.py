"""Search at 10,000 and 50,000 pages: whoosh and the PostgreSQL backend against SQLite FTS5.

Run from the repository root:  .venv/bin/python bench/search_bench.py   (or `make bench-search`)
Options: --sizes 10000,50000 (pages per corpus), --queries N (per query kind and size, default
         200), --budget SECONDS (a query kind stops early at a size once it has taken that
         long, default 15; 0 for none), --saves N (edits timed until searchable, default 20),
         --seed N, --profile KIND[,KIND] (cProfile 20 whoosh queries of those kinds per size),
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
<= 30 ms, every other kind <= 150 ms, a save searchable within 100 ms of the call; whoosh no
kind above 300 ms p95; a saved edit searchable within 1 s at every size. Exits 1 when a bar is
missed.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import itertools
import json
import math
import os
import pstats
import random
import shutil
import sqlite3
import statistics
import string
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

# The bars, at 50,000 pages (issue 13): the PostgreSQL backend answers terms and two-term
# queries within 30 ms p95, every other kind within 150 ms, and finds a save within 100 ms of
# the call; whoosh keeps every kind within 300 ms p95 and finds a save within 1 s.
BAR_PAGES = 50_000
PG_BARS_MS = {"term": 30.0, "two-term": 30.0}
PG_OTHER_BAR_MS = 150.0
PG_FRESH_BAR_MS = 100.0
WHOOSH_BAR_MS = 300.0
FRESH_BAR_S = 1.0
PAGE_SIZE = 10
VOCABULARY = 25_000  # content words; the function words below come on top
ZIPF_S = 1.0
PROCESS_SHAPE = (10, 5, 5)  # roots, children of each, grandchildren of each: 310 processes
PEOPLE = 100
TAGS = 60
KINDS = ("term", "two-term", "phrase", "prefix", "fuzzy", "did-you-mean", "quick-find")
FTS_KINDS = ("term", "two-term", "phrase", "prefix")
STARTED = time.monotonic()

# The most frequent words of English prose, given the top ranks as in real text: whoosh's
# stemmed fields drop some as stop words, its `words` field keeps all of them.
_FUNCTION_WORDS = (
    "the of and to a in is for that on with as by be are this from or at it an was which "
    "not each can has all but its they when then than also into must should will may "
    "before after"
)
FUNCTION_WORDS = _FUNCTION_WORDS.split()
_ONSETS = (
    "b bl br c ch cl cr d dr f fl fr g gl gr h j k l m n p pl pr qu r s sc sh sk sl sp st "
    "t th tr v w z"
)
ONSETS = _ONSETS.split() + ["", "", ""]
VOWELS = ["a", "e", "i", "o", "u", "a", "e", "i", "o", "u", "ai", "ea", "ee", "oa", "ou", "ie"]
CODAS = ["", "", "", "n", "r", "l", "s", "t", "m", "nd", "nt", "st", "rt", "ck", "ng", "sh", "x"]
ENDINGS = ["", "", "", "", "", "ing", "er", "ed", "ion", "ly", "ment", "ness", "able", "al", "ive"]


def progress(message: str) -> None:
    print(f"[{time.monotonic() - STARTED:6.0f} s] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- corpus


class Vocabulary:
    """Generated words by frequency rank (0 = most frequent), drawn with Zipf weights."""

    def __init__(self, rng: random.Random, size: int = VOCABULARY):
        from whoosh.analysis import STOP_WORDS

        taken = set(FUNCTION_WORDS) | set(STOP_WORDS)
        candidates: list[tuple[float, str]] = []
        while len(candidates) < size:
            word = "".join(
                rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS)
                for _ in range(rng.choice((1, 2, 2, 2, 3, 3)))
            ) + rng.choice(ENDINGS)
            if 3 <= len(word) <= 14 and word.isalpha() and word not in taken:
                taken.add(word)
                # Frequent words tend to be short ones.
                candidates.append((len(word) + rng.gauss(0, 2.5), word))
        candidates.sort()
        self.content = [word for _, word in candidates]
        self.words = FUNCTION_WORDS + self.content
        self.known = set(self.words)
        self.rank = {word: n for n, word in enumerate(self.words)}
        weights = [1 / (n + 1) ** ZIPF_S for n in range(len(self.words))]
        self.cum = list(itertools.accumulate(weights))
        skip = len(FUNCTION_WORDS)
        self.content_cum = [c - self.cum[skip - 1] for c in self.cum[skip:]]

    def prose(self, rng: random.Random, k: int) -> list[str]:
        return rng.choices(self.words, cum_weights=self.cum, k=k)

    def content_words(self, rng: random.Random, k: int) -> list[str]:
        return rng.choices(self.content, cum_weights=self.content_cum, k=k)

    def by_log_rank(self, rng: random.Random, words: Sequence[str] | None = None) -> str:
        """A content word whose rank is log-uniform: as many from ranks 1-10 as 1,000-10,000."""
        words = words or self.content
        return words[min(len(words) - 1, int(math.exp(rng.uniform(0, math.log(len(words))))) - 1)]


def capitalised(words: Sequence[str]) -> str:
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def sentences(vocabulary: Vocabulary, rng: random.Random, count: int) -> list[str]:
    words = vocabulary.prose(rng, count)
    out, start = [], 0
    while start < len(words):
        length = rng.randint(6, 18)
        chunk = words[start : start + length]
        if len(chunk) > 8 and rng.random() < 0.3:
            chunk[rng.randint(2, len(chunk) - 3)] += ","
        if len(chunk) > 4 and rng.random() < 0.1:
            at = rng.randint(0, len(chunk) - 2)
            chunk[at] = "**" + chunk[at]
            chunk[at + 1] += "**"
        out.append(capitalised(chunk) + ".")
        start += length
    return out


def page_body(vocabulary: Vocabulary, rng: random.Random) -> str:
    """A few hundred words of markdown: paragraphs, one or two headings, a list."""
    said = sentences(vocabulary, rng, rng.randint(150, 450))
    blocks: list[str] = []
    headings = 1 if rng.random() < 0.5 else 2
    parts = [said[i :: headings + 1] for i in range(headings + 1)]
    blocks.append(" ".join(parts[0]))
    for n, part in enumerate(parts[1:]):
        blocks.append("## " + capitalised(vocabulary.content_words(rng, rng.randint(2, 4))))
        if n == 0 and len(part) > 4:
            blocks.append("\n".join("- " + line for line in part[:3]))
            part = part[3:]
        blocks.append(" ".join(part))
    return "\n\n".join(blocks) + "\n"


@dataclass
class Corpus:
    users: list[dict]
    roles: list[dict]
    processes: list[dict]
    pages: list[dict]
    revisions: list[dict]
    tags: list[dict]


def generate(vocabulary: Vocabulary, pages: int, seed: int) -> Corpus:
    from wiki.processes.pages import content_hash
    from wiki.processes.paths import join_path, slugify

    rng = random.Random(f"corpus-{seed}-{pages}")
    base = datetime(2024, 1, 1)

    def moment() -> datetime:
        return base + timedelta(seconds=rng.randrange(2 * 365 * 86400))

    users = [
        {
            "id": n,
            "email": f"person{n}@example.com",
            "name": capitalised(vocabulary.content_words(rng, 1))
            + " "
            + capitalised(vocabulary.content_words(rng, 1)),
            "job_title": capitalised(vocabulary.content_words(rng, rng.randint(1, 3))),
            "password_hash": None,
            "active": True,
            "created_at": moment(),
            "session_generation": 0,
        }
        for n in range(1, PEOPLE + 1)
    ]
    roles = [{"user_id": 1, "role": "admin"}]

    processes: list[dict] = []

    def add_process(parent: dict | None, position: int) -> dict:
        siblings = {p["slug"] for p in processes if p["parent_id"] == (parent or {}).get("id")}
        while True:
            name = capitalised(vocabulary.content_words(rng, rng.randint(1, 3)))
            slug = slugify(name)
            if slug and slug not in siblings:
                break
        row = {
            "id": len(processes) + 1,
            "parent_id": parent["id"] if parent else None,
            "slug": slug,
            "name": name,
            "description": " ".join(sentences(vocabulary, rng, rng.randint(10, 40))),
            "path": join_path(parent["path"] if parent else "", slug),
            "position": position,
            "created_at": moment(),
        }
        processes.append(row)
        return row

    roots, children, grandchildren = PROCESS_SHAPE
    for r in range(roots):
        root = add_process(None, r)
        for c in range(children):
            child = add_process(root, c)
            for g in range(grandchildren):
                add_process(child, g)

    # Pages land unevenly: some processes hold many, most a few.
    weights = [rng.expovariate(1.0) for _ in processes]
    homes = rng.choices(processes, weights=weights, k=pages)
    tag_pool = sorted({slugify(w) for w in vocabulary.content_words(rng, TAGS * 3)})[:TAGS]
    slugs: dict[int, set[str]] = {}
    page_rows, revision_rows, tag_rows = [], [], []
    for page_id, home in enumerate(homes, 1):
        taken = slugs.setdefault(home["id"], set())
        while True:
            title = capitalised(vocabulary.content_words(rng, rng.randint(2, 6)))
            slug = slugify(title)
            if slug not in taken:
                taken.add(slug)
                break
        body = page_body(vocabulary, rng)
        created = moment()
        author = rng.randint(1, PEOPLE)
        page_rows.append(
            {
                "id": page_id,
                "process_id": home["id"],
                "slug": slug,
                "title": title,
                "path": join_path(home["path"], slug),
                "owner_id": author,
                "review_interval_days": 180,
                "last_reviewed_at": None,
                "latest_revision": 1,
                "created_at": created,
                "updated_at": created,
            }
        )
        revision_rows.append(
            {
                "id": page_id,
                "page_id": page_id,
                "number": 1,
                "title": title,
                "body": body,
                "summary": "Created",
                "author_id": author,
                "created_at": created,
                "content_hash": content_hash(title, body),
                "html": None,
            }
        )
        for tag in rng.sample(tag_pool, rng.choice((0, 0, 1, 1, 2, 3))):
            tag_rows.append({"page_id": page_id, "tag": tag})
        if page_id % 10_000 == 0:
            progress(f"  generated {page_id:,} pages")
    return Corpus(users, roles, processes, page_rows, revision_rows, tag_rows)


def build_database(tmpdir: Path, corpus: Corpus, url: str | None = None):
    """A migrated wiki database holding the corpus (a SQLite file in tmpdir, or the empty
    database at url); returns the app on it, with the search backend that database has."""
    from flask_migrate import upgrade
    from sqlalchemy import insert, text

    from wiki import create_app
    from wiki.auth.models import User, UserRole
    from wiki.extensions import db
    from wiki.processes.models import Page, PageTag, Process, Revision

    url = url or "sqlite:///" + str(tmpdir / "wiki.db")
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"}, instance_path=str(tmpdir))
    with app.app_context():
        upgrade()
        with db.engine.begin() as connection:
            for model, rows in (
                (User, corpus.users),
                (UserRole, corpus.roles),
                (Process, corpus.processes),
                (Page, corpus.pages),
                (Revision, corpus.revisions),
                (PageTag, corpus.tags),
            ):
                for start in range(0, len(rows), 5000):
                    connection.execute(insert(model.__table__), rows[start : start + 5000])
            if connection.dialect.name == "postgresql":
                # Explicit ids leave the sequences behind: the saves must get fresh ones.
                for table in ("revisions", "pages", "processes", "users"):
                    connection.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"(SELECT max(id) FROM {table}))"
                        )
                    )
        db.engine.dispose()
    return app


def fresh_database(server_url: str, name: str) -> str:
    """Drop and create the database `name` on the server of server_url; its URL."""
    from sqlalchemy import create_engine, make_url, text

    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def drop_database(server_url: str, name: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()


# --------------------------------------------------------------------------- queries


@dataclass
class Workload:
    """The query texts of each kind, drawn once per size from the corpus itself."""

    queries: dict[str, list[str]]
    fts: dict[str, list[str]]  # the same queries in FTS5's syntax


def typo(rng: random.Random, word: str, known: set[str]) -> str:
    """One edit after the first letter (the fuzzy query keeps the first letter as typed)."""
    letters = string.ascii_lowercase
    for _ in range(50):
        at = rng.randint(1, len(word) - 1)
        edit = rng.choice(("swap", "replace", "drop", "add"))
        if edit == "swap" and at < len(word) - 1:
            wrong = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
        elif edit == "replace":
            wrong = word[:at] + rng.choice(letters) + word[at + 1 :]
        elif edit == "drop" and len(word) > 3:
            wrong = word[:at] + word[at + 1 :]
        else:
            wrong = word[:at] + rng.choice(letters) + word[at:]
        if wrong not in known:
            return wrong
    return word + "q"


def workload(vocabulary: Vocabulary, corpus: Corpus, count: int, seed: int) -> Workload:
    rng = random.Random(f"queries-{seed}-{len(corpus.pages)}")
    function = set(FUNCTION_WORDS)

    def page_words() -> list[str]:
        body = rng.choice(corpus.revisions)["body"]
        return [w for w in (t.strip("*#-.,").lower() for t in body.split()) if w.isalpha()]

    def two_terms() -> str:
        # Two content words of one page, each drawn log-uniformly by rank among its words, so
        # the pair always has a hit and spans common and rare words.
        distinct = sorted({w for w in page_words() if w not in function}, key=vocabulary.rank.get)
        first = vocabulary.by_log_rank(rng, distinct)
        second = vocabulary.by_log_rank(rng, [w for w in distinct if w != first])
        return f"{first} {second}"

    def phrase() -> str:
        # Two words that stand next to each other in a sentence of some page.
        body = rng.choice(corpus.revisions)["body"]
        sentence = rng.choice([s for s in body.replace("\n", " ").split(".") if len(s) > 20])
        words = [w.strip("*#-,").lower() for w in sentence.split()]
        words = [w for w in words if w.isalpha()]
        at = rng.randrange(len(words) - 1)
        return f'"{words[at]} {words[at + 1]}"'

    def prefix() -> str:
        word = vocabulary.by_log_rank(rng)
        return word[: min(len(word), rng.randint(3, 5))] + "*"

    def quick() -> str:
        words = rng.choice(corpus.pages)["title"].lower().split()
        full = rng.randint(0, len(words) - 1)
        return " ".join(words[:full] + [words[full][: rng.randint(2, 4)]])

    makers: dict[str, Callable[[], str]] = {
        "term": lambda: vocabulary.by_log_rank(rng),
        "two-term": two_terms,
        "phrase": phrase,
        "prefix": prefix,
        "fuzzy": lambda: typo(rng, vocabulary.by_log_rank(rng), vocabulary.known),
        "did-you-mean": lambda: typo(rng, vocabulary.by_log_rank(rng), vocabulary.known),
        "quick-find": quick,
    }
    queries = {kind: [make() for _ in range(count)] for kind, make in makers.items()}
    return Workload(queries, {kind: queries[kind] for kind in FTS_KINDS})


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
    from wiki.search.index import Filters

    everyone = Filters(readers=["*"])

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
        for name in ("whoosh", "fts", "pg"):
            data[name] = {kind: Timing(**t) for kind, t in data[name].items()}
        for name in ("floor", "request", "after_saves", "pg_request"):
            data[name] = Timing(**data[name]) if data[name] else None
        return cls(**data)


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

        for kind in args.profile:
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
    from wiki.search.index import Filters

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
    from wiki.search.index import Filters
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


# --------------------------------------------------------------------------- report


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
        verdict(
            f"whoosh save -> searchable, worst {at}", max(r.visible_ms) / 1000, FRESH_BAR_S, "s"
        )
    if not any(r.pages >= BAR_PAGES for r in reports):
        print(f"(the query bars are for {BAR_PAGES:,} pages, which this run left out)")
    if any(r.pg_totals_wrong for r in reports):
        met = False
    return met


# --------------------------------------------------------------------------- main


def main() -> int:
    global STARTED
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
    parser.add_argument("--profile", default="", help=f"kinds to cProfile: {','.join(KINDS)}")
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
    unknown = set(args.profile) - set(KINDS)
    if unknown:
        parser.error(f"unknown kinds {sorted(unknown)}; choose from {', '.join(KINDS)}")
    if args.budget <= 0:
        args.budget = math.inf
    args.t0 = args.t0 or time.time()
    STARTED = time.monotonic() - (time.time() - args.t0)
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
    print(f"total {time.monotonic() - STARTED:.0f} s")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
