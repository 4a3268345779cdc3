"""`wiki search` from the shell, and an index that survives damage, restarts and several
processes writing at once."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest

from tests import factories
from tests.conftest import REPO
from wiki import create_app
from wiki.extensions import db
from wiki.search import services
from wiki.search.index_schema import Document, Filters
from wiki.search.indexing import indexer

pytestmark = pytest.mark.search_backends("whoosh", "postgresql")


def run(app, *args: str):
    return app.test_cli_runner().invoke(args=["search", *args])


@pytest.fixture
def wiki(app, people):
    factories.make_process("finance/payables", name="Payables")
    factories.make_page(
        "finance/payables", "Matching invoices", "Match every invoice.", people["member"]
    )
    factories.make_page("finance", "Invoice archive", "Old invoices live here.", people["member"])
    return people


def test_query_prints_ranked_hits_as_json(app, wiki):
    result = run(app, "query", "invoice", "--process", "finance/payables", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [row["title"] for row in rows] == ["Matching invoices"]
    assert set(rows[0]) == {"type", "title", "url", "process", "score"}
    assert rows[0]["url"] == "/p/finance/payables/matching-invoices"
    assert rows[0]["process"] == "Finance › Payables"
    assert rows[0]["score"] > 0


def test_query_prints_a_readable_list(app, wiki):
    result = run(app, "query", "invoice")
    assert result.exit_code == 0, result.output
    assert "  1. " in result.output and "Matching invoices" in result.output
    assert "Invoice archive" in result.output
    assert "No results." in run(app, "query", "parking").output


@pytest.mark.search_backends("whoosh")
def test_reindex_swaps_in_a_fresh_generation_with_a_progress_bar(app, wiki):
    before = indexer().index.current_generation()
    result = run(app, "reindex")
    assert result.exit_code == 0, result.output
    assert "Indexing" in result.output and "Indexed 10 documents." in result.output
    after = indexer().index.current_generation()
    assert after != before and after.exists()
    assert (Path(indexer().index.directory) / "current").is_symlink()
    assert services.quick_find(wiki["member"], "matching")[0]["title"] == "Matching invoices"


def test_check_reports_drift_and_fix_repairs_it(app, wiki):
    index = indexer().index
    page_key = next(key for key in index.stamps() if key.startswith("page:"))
    ghost = Document(
        key="page:424242",
        type="page",
        title="Ghost",
        url="/p/ghost",
        updated=datetime(2026, 1, 1),
        stamp="x",
    )
    person_key = f"person:{wiki['member'].id}"
    index.write({page_key: None, person_key: None, ghost.key: ghost})  # missing + orphaned
    stale = next(key for key in index.stamps() if key.startswith("process:"))
    index.write(
        {stale: Document(stale, "process", "Old name", "/p/x", datetime(2026, 1, 1), "old")}
    )

    result = run(app, "check")
    assert result.exit_code == 1
    assert "missing: 2" in result.output
    assert "stale: 1" in result.output
    assert "orphaned: 1 (page:424242)" in result.output

    fixed = run(app, "check", "--fix")
    assert fixed.exit_code == 0, fixed.output
    assert "Repaired 4 documents." in fixed.output
    clean = run(app, "check")
    assert clean.exit_code == 0 and "The index matches the database." in clean.output
    assert services.quick_find(wiki["member"], "ghost") == []


def _damage(generation: Path) -> None:
    for file in generation.iterdir():
        if file.suffix in (".toc", ".seg", ".trm", ".pst"):
            file.write_bytes(b"\x00garbage")


@pytest.mark.search_backends("whoosh")
def test_reindex_repairs_a_damaged_index(app, wiki):
    _damage(indexer().index.current_generation())
    result = run(app, "reindex")
    assert result.exit_code == 0, result.output
    assert [row["title"] for row in json.loads(run(app, "query", "archive", "--json").output)] == [
        "Invoice archive"
    ]


# Whoosh leaves a damaged table-of-contents file open when it fails to read it; Python only
# warns about that (ResourceWarning, ignored outside tests) when the file object is collected.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("damage", ["missing", "corrupt"])
@pytest.mark.search_backends("whoosh")
def test_a_missing_or_corrupt_index_is_rebuilt_at_start_up(app, wiki, client, auth, caplog, damage):
    generation = indexer().index.current_generation()
    if damage == "missing":
        (generation.parent / "current").unlink()
    else:
        _damage(generation)
    restarted = create_app(dict(app.config), instance_path=app.instance_path)
    caplog.set_level(logging.WARNING)
    with restarted.test_client() as browser:
        browser.post("/login", data={"email": "jill@example.com", "password": factories.PASSWORD})
        first = browser.get("/search?q=archive")
        assert first.status_code in (200, 503)
        if first.status_code == 503:
            assert "Search is being rebuilt" in first.get_data(as_text=True)
        building = indexer(restarted)._building
        assert building is not None
        building.join(timeout=30)
        assert "rebuilding it in the background" in caplog.text
        assert "search index ready" in caplog.text
        answer = browser.get("/search?q=archive").get_data(as_text=True)
        assert "/p/finance/invoice-archive" in answer
    with restarted.app_context():
        db.engine.dispose()  # its pooled connections, before the garbage collector finds them


WRITER = """
import sys
from wiki import create_app
from wiki.extensions import db
from wiki.extensions import db
from wiki.auth.models import User
from wiki.processes import pages, tree

url, instance, label, author_id, backend = sys.argv[1:6]
app = create_app(
    {"DATABASE_URL": url, "SECRET_KEY": "test-secret", "SEARCH_BACKEND": backend},
    instance_path=instance,
)
with app.app_context():
    author = db.session.get(User, int(author_id))
    process = tree.get_process("race")
    for number in range(12):
        draft = pages.PageDraft(f"Racer {label} {number}", f"marker{label}x{number}", "", "")
        pages.create_page(author, process, draft)
"""


@pytest.mark.search_backends("whoosh")  # PostgreSQL: tests/test_search_hosts.py
def test_two_processes_writing_at_once_both_land_without_lock_errors(app, people):
    factories.make_process("race")
    writers = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                WRITER,
                app.config["DATABASE_URL"],
                app.instance_path,
                label,
                str(people["member"].id),
                app.config["SEARCH_BACKEND"],
            ],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONWARNINGS": "error"},
        )
        for label in ("a", "b")
    ]
    for writer in writers:
        _, errors = writer.communicate(timeout=120)
        assert writer.returncode == 0, errors
        assert "LockError" not in errors and "Traceback" not in errors, errors
    deadline = time.monotonic() + 5
    while indexer().check() and time.monotonic() < deadline:
        time.sleep(0.1)  # a write retried in the background may still be landing
    assert not indexer().check()
    everyone = Filters(readers=["*"])
    for label in ("a", "b"):
        for number in range(12):
            hits = indexer().index.search(f"marker{label}x{number}", everyone).hits
            assert [hit.title for hit in hits] == [[(f"Racer {label} {number}", False)]]
