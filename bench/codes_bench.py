"""The ERP code registry (/glossary/codes) over 10,000 synthetic pages, for this checkout and
an earlier commit, in one run.

Run from the repository root:  .venv/bin/python bench/codes_bench.py --against REF
Options: --pages N (default 10,000), --views N (default 30), --against REF (default main),
--at REVISION (a migration both trees have; default the one before page_codes).

For each tree (the other commit checked out in a temporary git worktree), a process of its own
writes the search bench's synthetic corpus (bench/searchbench/corpus.py) into a SQLite database
at the migration both trees share, with ERP codes in a fifth of the pages (one to three of 200
codes, some pages tagged with theirs), runs that tree's later migrations on it, then times
`list_codes()` and a trainer's GET /glossary/codes (the whole view), and a save of a page
followed by the registry (which must show the save's new code). It prints p50 / p95 of each
for both trees and the ratio of this checkout to the other.
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from pathlib import Path

from against import REPO, other_tree, parser_for, print_comparison, run_child

# The migration the corpus goes in at: one both trees have (--at), by default the one before
# page_codes.
SHARED_MIGRATION = "3e9a7c5b2d18"
CODES = 200
PASSWORD = "bench-password-123"
MEASURES = ("list_codes_ms", "registry_view_ms", "save_then_registry_ms")


def with_codes(corpus, rng: random.Random) -> list[str]:
    """Write ERP codes into a fifth of the pages' texts, and tag some pages with theirs."""
    codes = sorted(
        {f"Z{rng.choice('AFMS')}{rng.choice('IMPR')}_{rng.randrange(10**4)}" for _ in range(400)}
    )[:CODES]
    for revision in corpus.revisions:
        if rng.random() < 0.2:
            mentioned = rng.sample(codes, rng.randint(1, 3))
            revision["body"] += f"\nRun {' and '.join(mentioned)} to check it.\n"
            if rng.random() < 0.1:
                tag = mentioned[0].lower().replace("_", "-")
                corpus.tags.append({"page_id": revision["page_id"], "tag": tag})
    corpus.tags = list({(t["page_id"], t["tag"]): t for t in corpus.tags}.values())
    return codes


def child(tree: Path, pages: int, views: int, at: str, out: Path) -> None:
    sys.path.insert(0, str(REPO / "bench"))
    from searchbench import corpus as synthetic  # puts this checkout first on the path

    sys.path.insert(0, str(tree))  # ...so the tree measured goes in front of it
    from flask_migrate import upgrade

    from wiki import create_app
    from wiki.auth.models import User, UserRole
    from wiki.auth.services import hash_password
    from wiki.extensions import db
    from wiki.processes import pages as page_services
    from wiki.search import codes as registry

    rng = random.Random("codes-bench")
    corpus = synthetic.generate(synthetic.Vocabulary(rng), pages, seed=1)
    with_codes(corpus, rng)
    work = Path(tempfile.mkdtemp(prefix="codes-bench-"))
    built = synthetic.build_database(work, corpus, revision=at)
    # Every view drawn anew (the page cache would answer all but the first after a write).
    settings = {"WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False, "PAGE_CACHE_SIZE": 0}
    database = {"DATABASE_URL": built.config["DATABASE_URL"], "SECRET_KEY": "bench"}
    app = create_app({**database, **settings}, instance_path=built.instance_path)
    figures: dict[str, list[float]] = {name: [] for name in MEASURES}
    with app.app_context():
        started = time.perf_counter()
        upgrade()
        figures["migrations_ms"] = [(time.perf_counter() - started) * 1000]
        trainer = db.session.get(User, 2)
        trainer.password_hash = hash_password(PASSWORD)
        db.session.add(UserRole(user_id=trainer.id, role="trainer"))
        db.session.commit()
        email = trainer.email
    client = app.test_client()  # its requests outside the bench's app context, as served
    signed = client.post("/login", data={"email": email, "password": PASSWORD})
    assert signed.status_code in (302, 303), signed.status_code
    for number in range(views + 3):
        with app.app_context():
            started = time.perf_counter()
            entries = registry.list_codes()
            listed = time.perf_counter()
        response = client.get("/glossary/codes")
        viewed = time.perf_counter()
        assert response.status_code == 200 and len(entries) >= CODES // 2, response.status_code
        if number >= 3:  # warm-up first
            figures["list_codes_ms"].append((listed - started) * 1000)
            figures["registry_view_ms"].append((viewed - listed) * 1000)
    for number in range(views):
        with app.app_context():
            trainer = db.session.get(User, 2)
            page = page_services.get_page(corpus.pages[number]["path"])
            latest = page_services.latest_revision(page)
            code = f"ZNEW_{number}"
            draft = page_services.PageDraft(page.title, f"{latest.body}\nNow {code}.\n")
            started = time.perf_counter()
            page_services.save_page(trainer, page, draft, page.latest_revision)
            entries = registry.list_codes()
            figures["save_then_registry_ms"].append((time.perf_counter() - started) * 1000)
            assert code in {entry.code for entry in entries}
    out.write_text(json.dumps(figures))


def main() -> int:
    parser = parser_for(__doc__, against="main")
    parser.add_argument("--pages", type=int, default=10_000)
    parser.add_argument("--views", type=int, default=30)
    parser.add_argument("--at", default=SHARED_MIGRATION, help="a migration both trees have")
    args = parser.parse_args()
    if args.child:
        child(Path(args.child), args.pages, args.views, args.at, Path(args.out))
        return 0
    options = ("--pages", str(args.pages), "--views", str(args.views), "--at", args.at)
    results = {}
    with other_tree(args.against) as other:
        for name, tree in {"this checkout": REPO, args.against: other}.items():
            print(f"{name}: {args.pages:,} pages ...", flush=True)
            out = other.parent / f"{len(results)}.json"
            results[name] = run_child(__file__, tree, out, *options)
    print(f"\n{args.pages:,} pages, {args.views} of each, SQLite")
    measures = (*MEASURES, "migrations_ms")
    print_comparison(measures, results["this checkout"], results[args.against], args.against)
    return 0


if __name__ == "__main__":
    sys.exit(main())
