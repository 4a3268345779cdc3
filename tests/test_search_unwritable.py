"""A whoosh folder that cannot be written (read-only, a full disk) is not a damaged index:
searches go on answering from what it holds, saves are kept, the failure is reported, the
waiting changes are written once it can take them, and a rebuild that fails leaves nothing."""

from __future__ import annotations

import gc
import os
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import factories
from wiki.search.indexing import indexer

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0, reason="a small filesystem of its own needs root to mount (CI is root)"
)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 4 MB filesystem (tmpfs) for the index, to fill or make read-only."""
    folder = tmp_path / "disk"
    folder.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(folder)], check=True)
    yield folder
    subprocess.run(["umount", "--lazy", str(folder)], check=False)


@pytest.fixture
def app_config(small_disk: Path) -> dict:
    return {
        "WTF_CSRF_ENABLED": False,
        "SEARCH_BACKEND": "whoosh",
        "SEARCH_DIR": str(small_disk / "search"),
    }


def _hits(client, words: str) -> tuple[int, list[str]]:
    response = client.get("/search", query_string={"q": words})
    addresses = re.findall(r'class="hit-title"><a href="([^"]+)"', response.text)
    return response.status_code, [address.rsplit("/", 1)[-1] for address in addresses]


def test_a_read_only_index_answers_searches_and_takes_the_waiting_changes_later(
    app, client, auth, people, small_disk, caplog
):
    factories.make_page("p2p", "Three-way match", "Order, receipt and invoice agree.")
    auth.login("jill@example.com")
    assert _hits(client, "three-way match") == (200, ["three-way-match"])
    search_indexer = indexer(app)
    _remount_read_only(small_disk)
    try:
        factories.make_page("p2p", "Duplicate invoice checks", "Saved while read-only.")
        status, titles = _hits(client, "three-way match")
        assert (status, titles) == (200, ["three-way-match"])  # not "being rebuilt"
        assert "search index cannot be written" in caplog.text
        assert "search index damaged" not in caplog.text
        assert search_indexer.has_pending()
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], check=True)
    assert search_indexer.flush_pending()
    assert _hits(client, "duplicate invoice") == (200, ["duplicate-invoice-checks"])
    assert not search_indexer.check()


def _remount_read_only(disk: Path) -> None:
    """The kernel refuses while a file there is open for writing: whoosh may be finishing a
    segment, or a writer given up on (a lock that timed out on a busy machine) may hold its lock
    file until it is collected. Collect, and try again for a few seconds."""
    for _ in range(100):
        gc.collect()
        if subprocess.run(["mount", "-o", "remount,ro", str(disk)]).returncode == 0:
            return
        time.sleep(0.1)
    raise AssertionError(f"{disk} stayed busy: it could not be made read-only")


def test_a_rebuild_on_a_full_disk_fails_without_leaving_a_folder_behind(
    app, client, auth, people, small_disk
):
    for number in range(30):
        factories.make_page("p2p", f"Invoice note {number}", "Tolerance and freight. " * 40)
    search_index = indexer(app).index
    before = sorted(search_index.directory.glob("gen-*"))
    filler = small_disk / "filler"
    try:  # every byte the disk has left (the index may have left none already)
        with open(filler, "wb") as file:
            while True:
                file.write(b"\0" * 65536)
                file.flush()
    except OSError:
        pass
    with pytest.raises(OSError):
        indexer(app).rebuild()
    assert sorted(search_index.directory.glob("gen-*")) == before
    auth.login("jill@example.com")
    assert _hits(client, "invoice note 7")[0] == 200
    filler.unlink(missing_ok=True)
