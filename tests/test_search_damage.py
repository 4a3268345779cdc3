"""A damaged search index on disk: found where whoosh meets it, said plainly to searchers,
reported by `wiki search check`, and rebuilt from the database by `check --fix` or in the
background; a deleted lock file or a killed rebuild or writer loses no page."""

from __future__ import annotations

import gc
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import insert

from tests import factories
from tests.conftest import REPO, wiki_command_environment
from wiki.extensions import db
from wiki.processes.models import Page, Revision
from wiki.processes.pages import content_hash
from wiki.search.index import SearchIndex
from wiki.search.index_schema import Document, Filters
from wiki.search.indexing import indexer
from wiki.timeutil import utcnow

# whoosh leaves a damaged file open when it fails to read it; Python only warns about that
# (ResourceWarning, ignored outside tests) when the file object is collected.
pytestmark = [
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
]

TITLE = "Vendor master data changes"
ADDRESS = "/p/finance/payables/vendor-master-data-changes"


@pytest.fixture
def app_config() -> dict:
    """These are whoosh's files on disk, whatever the database (PostgreSQL would default to its
    own search; its damage, a dropped index or a missing row, is tested in test_search_postgres)."""
    return {"WTF_CSRF_ENABLED": False, "SEARCH_BACKEND": "whoosh"}


@pytest.fixture(autouse=True)
def _collect_what_whoosh_left_open():
    """whoosh leaves damaged files open; collect them here, under this module's warning
    filters, rather than in whichever test the garbage collector happens to run next."""
    yield
    gc.collect()


def run(app, *args: str):
    return app.test_cli_runner().invoke(args=["search", *args])


@pytest.fixture
def wiki(app, people):
    factories.make_process("finance/payables", name="Payables")
    factories.make_page(
        "finance/payables", TITLE, "Who may change a vendor's bank details.", people["member"]
    )
    for number in range(12):
        factories.make_page("finance/payables", f"Payables note {number}", f"Vendor note {number}.")
    return people


def _segment(generation: Path) -> Path:
    return max(generation.glob("*.seg"), key=lambda file: file.stat().st_size)


def truncate_segment(generation: Path) -> None:
    segment = _segment(generation)
    os.truncate(segment, segment.stat().st_size // 2)


def zero_segment(generation: Path) -> None:
    segment = _segment(generation)
    segment.write_bytes(bytes(segment.stat().st_size))


def delete_table_of_contents(generation: Path) -> None:
    for toc in generation.glob("*.toc"):
        toc.unlink()


def garbage_in_postings(generation: Path) -> None:
    """Random bytes over the second half of the postings inside the compound segment."""
    from whoosh.filedb.filestore import FileStorage

    storage = FileStorage(str(generation))
    segment = storage.open_index()._segments()[0]
    compound = segment.open_compound_file(storage)
    place = next(place for name, place in compound._dir.items() if name.endswith(".pst"))
    compound.close()
    length = place["length"] // 2
    with open(_segment(generation), "r+b") as file:
        file.seek(place["offset"] + place["length"] - length)
        file.write(random.Random(7).randbytes(length))


DAMAGE = [truncate_segment, zero_segment, delete_table_of_contents, garbage_in_postings]


def _search(client) -> tuple[int, str, list[str]]:
    """The status, the page and the addresses of the hits, in order."""
    response = client.get(f"/search?q={TITLE}")
    html = response.get_data(as_text=True)
    return response.status_code, html, re.findall(r'class="hit-title"><a href="([^"]+)"', html)


@pytest.mark.parametrize("damage", DAMAGE, ids=lambda damage: damage.__name__)
def test_damage_is_reported_searchers_are_told_and_both_repairs_bring_the_page_back(
    app, wiki, client, auth, caplog, damage
):
    search_indexer = indexer()
    auth.login("jill@example.com")

    # In the site: the search that meets the damage says search is being rebuilt (never a
    # 500, never an empty list passed off as the answer), and the rebuild brings the page back.
    damage(search_indexer.index.current_generation())
    status, html, hits = _search(client)
    assert status in (200, 503)
    if status == 503:
        assert "Search is being rebuilt" in html
    else:
        assert hits[0] == ADDRESS
    search_indexer.wait_until_built()
    assert "search index damaged" in caplog.text
    assert "search index ready" in caplog.text
    status, html, hits = _search(client)
    assert status == 200
    assert hits[0] == ADDRESS
    assert client.get("/search/quick?q=vendor+master").json["results"][0]["title"] == TITLE

    # From the shell: check says what is wrong and exits 1; --fix rebuilds.
    damage(search_indexer.index.current_generation())
    checked = run(app, "check")
    assert checked.exit_code == 1, checked.output
    assert "index: damaged" in checked.output
    fixed = run(app, "check", "--fix")
    assert fixed.exit_code == 0, fixed.output
    assert "The index matches the database." in fixed.output
    assert run(app, "check").exit_code == 0
    rows = json.loads(run(app, "query", TITLE, "--json").output)
    assert rows[0]["title"] == TITLE


def test_a_save_that_meets_a_damaged_index_is_kept_and_found_after_the_rebuild(app, wiki):
    search_indexer = indexer()
    zero_segment(search_indexer.index.current_generation())
    factories.make_page("finance/payables", "Duplicate invoice checks", "Saved while damaged.")
    search_indexer.wait_until_built()
    hits = search_indexer.index.search("duplicate invoice checks", Filters(readers=["*"])).hits
    assert hits[0].plain_title == "Duplicate invoice checks"
    assert not search_indexer.check()


HOLDER = """
import sys, time
from datetime import datetime
from wiki.search.index import SearchIndex
from wiki.search.index_schema import Document

directory, key = sys.argv[1:3]
document = Document(key, "page", "Written by the second writer", "/p/" + key,
                    datetime(2026, 1, 1), "stamp-" + key, body="secondwriterword")
SearchIndex(directory, lock_timeout=20).write({key: document})
print("written", flush=True)
"""


def test_deleting_whoosh_lock_file_during_a_write_loses_neither_write(app, wiki):
    """Two writers must still take turns when whoosh's lock file is deleted under the first."""
    index: SearchIndex = indexer().index
    generation = index.current_generation()
    writing, go_on = threading.Event(), threading.Event()

    def slow_load():
        writing.set()
        go_on.wait(20)
        return {
            "page:900001": Document(
                "page:900001",
                "page",
                "Written by the first writer",
                "/p/first",
                utcnow(),
                "stamp-1",
                body="firstwriterword",
            )
        }

    first = threading.Thread(target=index.write_loaded, args=(slow_load,))
    first.start()
    assert writing.wait(10)
    (generation / "MAIN_WRITELOCK").unlink()
    second = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(index.directory), "page:900002"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(1.5)  # long enough for the second writer to commit, if it did not wait
    go_on.set()
    first.join(20)
    output, errors = second.communicate(timeout=30)
    assert second.returncode == 0, errors
    everyone = Filters(readers=["*"])
    assert [h.key for h in index.search("firstwriterword", everyone).hits] == ["page:900001"]
    assert [h.key for h in index.search("secondwriterword", everyone).hits] == ["page:900002"]


def _bulk_pages(process_id: int, count: int) -> None:
    """Pages written straight into the tables (no index writes), so that a rebuild has
    something to chew on."""
    now = utcnow()
    with db.engine.begin() as connection:
        for number in range(count):
            title = f"Bulk page {number}"
            body = f"Bulk body {number} " + "ledger posting period close " * 40
            page_id = connection.execute(
                insert(Page.__table__).returning(Page.__table__.c.id),
                {
                    "process_id": process_id,
                    "slug": f"bulk-{number}",
                    "title": title,
                    "path": f"finance/bulk-{number}",
                    "latest_revision": 1,
                    "review_interval_days": 180,
                    "created_at": now,
                    "updated_at": now,
                },
            ).scalar_one()
            connection.execute(
                insert(Revision.__table__),
                {
                    "page_id": page_id,
                    "number": 1,
                    "title": title,
                    "body": body,
                    "summary": "Created",
                    "created_at": now,
                    "content_hash": content_hash(title, body),
                },
            )


def _wiki_command(app, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "wiki.cli", *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=wiki_command_environment(app, WIKI_SEARCH_BACKEND="whoosh"),
    )


def test_a_reindex_killed_midway_leaves_the_index_serving_and_check_says_what_is_left(app, wiki):
    _bulk_pages(factories.make_process("finance").id, 600)
    search_indexer = indexer()
    search_indexer.rebuild()
    directory = search_indexer.index.directory
    before = set(directory.glob("gen-*"))
    killed = None
    for _ in range(5):  # the kill has to land while the new generation is being written
        reindex = _wiki_command(app, "search", "reindex")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and reindex.poll() is None:
            if set(directory.glob("gen-*")) - before:
                reindex.send_signal(signal.SIGKILL)
                break
            time.sleep(0.001)
        reindex.communicate(timeout=30)
        unfinished = search_indexer.index.unfinished_generations()
        if reindex.returncode == -signal.SIGKILL and unfinished:
            killed = unfinished
            break
        before = set(directory.glob("gen-*"))
    assert killed, "no reindex was killed while it wrote its generation"

    # The generation in use was never touched: search answers in full meanwhile.
    everyone = Filters(readers=["*"])
    assert search_indexer.index.search("bulk", everyone).total == 600
    checked = run(app, "check")
    assert checked.exit_code == 1
    assert "unfinished rebuilds left behind: 1" in checked.output
    assert "The index matches the database." in checked.output
    fixed = run(app, "check", "--fix")
    assert fixed.exit_code == 0, fixed.output
    assert not any(generation.exists() for generation in killed)
    assert run(app, "check").exit_code == 0


WRITER = """
import sys
from wiki import create_app
from wiki.extensions import db
from wiki.auth.models import User
from wiki.processes import pages, tree

url, instance, author_id = sys.argv[1:4]
app = create_app(
    {"DATABASE_URL": url, "SECRET_KEY": "test-secret", "SEARCH_BACKEND": "whoosh"},
    instance_path=instance,
)
with app.app_context():
    author = db.session.get(User, int(author_id))
    process = tree.get_process("race")
    for number in range(1000):
        draft = pages.PageDraft(f"Racer {number}", f"racerword{number}", "", "")
        pages.create_page(author, process, draft)
        print(number, flush=True)
"""


def test_a_writer_killed_during_index_commits_loses_no_page_after_check_fix(app, people):
    factories.make_process("race")
    writer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            WRITER,
            app.config["DATABASE_URL"],
            app.instance_path,
            str(people["member"].id),
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    for _ in range(15):  # let it commit a few pages, then kill it wherever it is
        writer.stdout.readline()
    time.sleep(random.Random().uniform(0, 0.2))
    writer.send_signal(signal.SIGKILL)
    writer.communicate(timeout=30)

    saved = db.session.query(Page).filter(Page.title.like("Racer %")).all()
    everyone = Filters(readers=["*"])
    findable = {
        page.title
        for page in saved
        if [
            h.plain_title
            for h in indexer().index.search(f"racerword{page.title[6:]}", everyone).hits
        ]
        == [page.title]
    }
    # check tells the truth: every saved page it does not flag can be found.
    drift = indexer().check()
    flagged = {key for key in drift.keys if key.startswith("page:")}
    for page in saved:
        if f"page:{page.id}" not in flagged:
            assert page.title in findable, page.title
    fixed = run(app, "check", "--fix")
    assert fixed.exit_code == 0, fixed.output
    for page in saved:
        hits = indexer().index.search(f"racerword{page.title[6:]}", everyone).hits
        assert [hit.plain_title for hit in hits] == [page.title]
