"""The search bench's synthetic corpus: a Zipf vocabulary of generated words, pages, processes
and people written straight into a migrated wiki database, the PostgreSQL databases it goes
into, and the queries of each kind timed over it."""

from __future__ import annotations

import itertools
import math
import random
import string
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

# bench/searchbench/corpus.py: the repository is two folders up from this one.
REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

PAGE_SIZE = 10
VOCABULARY = 25_000  # content words; the function words below come on top
ZIPF_S = 1.0
PROCESS_SHAPE = (10, 5, 5)  # roots, children of each, grandchildren of each: 310 processes
PEOPLE = 100
TAGS = 60
KINDS = ("term", "two-term", "phrase", "prefix", "fuzzy", "did-you-mean", "quick-find", "question")
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
# The words a question is wrapped in, and the content words a question counts as common.
QUESTION_WORDS = [
    "how", "do", "i", "what", "should", "we", "when", "where", "who", "does", "need", "to",
    "can", "you", "please",
]  # fmt: skip
COMMON = 300
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


def build_database(tmpdir: Path, corpus: Corpus, url: str | None = None, revision: str = "head"):
    """A migrated wiki database holding the corpus (a SQLite file in tmpdir, or the empty
    database at url); returns the app on it, with the search backend that database has. The
    rows go in at that migration (then `upgrade()` runs those after it on them)."""
    from flask_migrate import upgrade
    from sqlalchemy import insert, text

    from wiki import create_app
    from wiki.auth.models import User, UserRole
    from wiki.extensions import db
    from wiki.processes.models import Page, PageTag, Process, Revision

    url = url or "sqlite:///" + str(tmpdir / "wiki.db")
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"}, instance_path=str(tmpdir))
    with app.app_context():
        upgrade(revision=revision)
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

    def question() -> str:
        # A new hire's question: 8-15 words, most of them common (the function words and
        # question words a person wraps it in, content words of the top ranks), one or two
        # rarer words of one page.
        distinct = sorted({w for w in page_words() if w not in function}, key=vocabulary.rank.get)
        rare = [vocabulary.by_log_rank(rng, distinct) for _ in range(rng.randint(1, 2))]
        length = rng.randint(8, 15)
        common = rng.sample(vocabulary.content[:COMMON], rng.randint(2, 4))
        wrapping = QUESTION_WORDS + FUNCTION_WORDS
        words = rare + common
        words += [rng.choice(wrapping) for _ in range(max(0, length - len(words)))]
        rng.shuffle(words)
        return " ".join(["how", "do", "i", *words][:length])

    makers: dict[str, Callable[[], str]] = {
        "term": lambda: vocabulary.by_log_rank(rng),
        "two-term": two_terms,
        "phrase": phrase,
        "prefix": prefix,
        "fuzzy": lambda: typo(rng, vocabulary.by_log_rank(rng), vocabulary.known),
        "did-you-mean": lambda: typo(rng, vocabulary.by_log_rank(rng), vocabulary.known),
        "quick-find": quick,
        "question": question,
    }
    queries = {kind: [make() for _ in range(count)] for kind, make in makers.items()}
    return Workload(queries, {kind: queries[kind] for kind in FTS_KINDS})
