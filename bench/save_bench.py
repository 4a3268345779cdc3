"""A save and what follows it, for this checkout and an earlier commit, in one run.

Run from the repository root:  .venv/bin/python bench/save_bench.py --against REF
Options: --saves N (default 40), --rounds R (default 3), --against REF (default HEAD~1).

Each round runs, for each of the two trees in turn (the other commit checked out in a temporary
git worktree, so both run this same script on the same machine minutes apart), a process of
its own that loads the demo content into a fresh SQLite database with its whoosh index, makes
someone watch every page and a webhook endpoint want every edit (so each save tells watchers
and queues a delivery), then for N demo pages: save_page() with a new word, timed; the time
until search finds that word; and the first view of the page after the edit through the test
client (its HTML rendered again). It prints p50 and p95 of each for both trees and the ratio
of this checkout to the other: the baseline is the other tree, measured in the same run.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

from against import REPO, other_tree, parser_for, print_comparison, run_child

PASSWORD = "bench-password-123"
MEASURES = ("save_ms", "searchable_ms", "first_view_ms")


def child(tree: Path, saves: int, out: Path) -> None:
    """One tree, one round: the figures as JSON in out."""
    sys.path.insert(0, str(tree))
    from flask_migrate import upgrade
    from sqlalchemy import select

    from wiki import create_app
    from wiki.auth.models import User
    from wiki.content import files, loader
    from wiki.extensions import db
    from wiki.processes import pages
    from wiki.processes.models import Page, Process
    from wiki.search import services
    from wiki.watching import services as watching
    from wiki.webhooks import services as webhooks
    from wiki.webhooks.models import EVENTS

    work = Path(tempfile.mkdtemp(prefix="save-bench-"))
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{work / 'wiki.db'}",
            "SECRET_KEY": "bench",
            "WTF_CSRF_ENABLED": False,
            "WEBHOOK_ALLOW_PRIVATE": True,
            "RATELIMIT_ENABLED": False,
        },
        instance_path=str(work),
    )
    figures: dict[str, list[float]] = {name: [] for name in MEASURES}
    with app.app_context():
        upgrade(directory=str(tree / "migrations"))
        loader.load_content(files.read_content(REPO / "content"), demo_password=PASSWORD)
        admin = db.session.scalar(select(User).where(User.email == "ada@example.com"))
        for root in db.session.scalars(select(Process).where(Process.parent_id.is_(None))):
            watching.watch(admin, process=root)
        webhooks.add_endpoint(
            admin, webhooks.EndpointDraft("http://127.0.0.1:9/hook", list(EVENTS), "s" * 32)
        )
        chosen = db.session.scalars(select(Page).order_by(Page.id).limit(saves)).all()
        paths = [page.path for page in chosen]
        editor_id = db.session.scalar(select(User.id).where(User.email == "jill@example.com"))
        # The whoosh index of a new database is built in the background: wait for it.
        reader = db.session.get(User, editor_id)
        while not _found(services.search(reader, "invoice", record=False)):
            time.sleep(0.05)
    # Each view is a request of its own, outside the context the saves run in (as a reader's
    # would be, on another worker).
    client = app.test_client()
    client.post("/login", data={"email": "jill@example.com", "password": PASSWORD})
    for number, path in enumerate(paths):
        word = "savebench" + "".join(chr(97 + int(d)) for d in f"{number:04d}")
        with app.app_context():
            page, editor = pages.get_page(path), db.session.get(User, editor_id)
            draft = pages.PageDraft(page.title, f"{pages.latest_revision(page).body}\n\n{word}\n")
            started = time.perf_counter()
            pages.save_page(editor, page, draft, page.latest_revision)
            saved = time.perf_counter()
            figures["save_ms"].append((saved - started) * 1000)
            while not _found(services.search(editor, word, record=False)):
                if time.perf_counter() - saved > 10:
                    raise RuntimeError(f"{word} not searchable within 10 s")
                time.sleep(0.002)
            figures["searchable_ms"].append((time.perf_counter() - saved) * 1000)
        started = time.perf_counter()
        response = client.get(f"/p/{path}")
        figures["first_view_ms"].append((time.perf_counter() - started) * 1000)
        if response.status_code != 200 or word not in response.get_data(as_text=True):
            raise RuntimeError(f"GET /p/{path}: {response.status_code}, edit not shown")
    out.write_text(json.dumps(figures))


def _found(outcome) -> bool:
    return bool(outcome.results and outcome.results.total)


def main() -> int:
    parser = parser_for(__doc__, against="HEAD~1")
    parser.add_argument("--saves", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child), args.saves, Path(args.out))
        return 0
    options = ("--saves", str(args.saves))
    with other_tree(args.against) as other:
        trees = {"this checkout": REPO, args.against: other}
        results: dict[str, dict[str, list[float]]] = {
            name: {m: [] for m in MEASURES} for name in trees
        }
        for round_number in range(1, args.rounds + 1):
            for name, tree in trees.items():
                print(f"round {round_number}/{args.rounds}: {name} ...", flush=True)
                out = other.parent / f"{round_number}-{len(results[name]['save_ms'])}.json"
                for measure, values in run_child(__file__, tree, out, *options).items():
                    results[name][measure] += values
    print(f"\n{args.saves} saves x {args.rounds} rounds on SQLite + whoosh, the demo content")
    print_comparison(MEASURES, results["this checkout"], results[args.against], args.against)
    return 0


if __name__ == "__main__":
    sys.exit(main())
