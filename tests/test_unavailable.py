"""The database cannot be used (PostgreSQL stopped, SQLite locked past the wait): every
answer is a real 503 with Retry-After, as a page or as JSON, a posted form's text comes back
to send again, and nothing is half-written."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
from collections.abc import Iterator

import pytest
from flask_migrate import upgrade
from sqlalchemy import make_url

from tests import factories
from tests.conftest import on_postgresql
from tests.tcp_proxy import TcpProxy
from wiki import create_app
from wiki.extensions import db
from wiki.processes import pages
from wiki.search.indexing import indexer

PAGE = "/p/p2p/three-way-match"
EDIT = {
    "title": "Three-way match",
    "body": "My careful\nrewrite of the tolerances.",
    "base_revision": "1",
}


@pytest.fixture
def proxy(database_url: str) -> Iterator[TcpProxy]:
    server = make_url(database_url)
    forwarder = TcpProxy(server.host or "127.0.0.1", server.port or 5432)
    yield forwarder
    forwarder.close()


@pytest.fixture
def app_config(request, database_url: str) -> dict:
    config = {"WTF_CSRF_ENABLED": False, "SQLITE_BUSY_TIMEOUT_MS": 200}
    if on_postgresql():
        through = make_url(database_url).set(port=request.getfixturevalue("proxy").port)
        config["DATABASE_URL"] = through.render_as_string(hide_password=False)
    return config


def _assert_unavailable_page(response, says: str) -> str:
    page = response.get_data(as_text=True)
    assert response.status_code == 503, page[:500]
    assert response.headers["Retry-After"] == "30"
    assert "<h1>Temporarily unavailable</h1>" in page and says in page
    return page


@pytest.mark.skipif(not on_postgresql(), reason="a database server that stops")
def test_with_postgresql_stopped_pages_saves_and_the_api_answer_503(client, auth, people, proxy):
    page = factories.make_page("p2p", "Three-way match", "Match it.")
    secret = factories.make_token(people["member"])
    auth.login("priya@example.com")
    assert client.get(PAGE).status_code == 200
    proxy.cut()
    try:
        viewed = client.get(PAGE)  # the page cache asks the database first
        _assert_unavailable_page(viewed, "cannot reach its database")
        saved = client.post(f"{PAGE}/+edit", data=EDIT)
        kept = _assert_unavailable_page(saved, "Nothing was saved")
        assert "My careful\nrewrite of the tolerances." in kept
        assert f'action="{PAGE}/+edit"' in kept  # "Try again" sends the same form
        api = client.get("/api/v1/processes", headers=factories.bearer(secret))
        assert api.status_code == 503 and api.json["error"] == "unavailable"
        assert api.headers["Retry-After"] == "30"
    finally:
        proxy.restore()
    again = client.post(f"{PAGE}/+edit", data=EDIT)
    assert again.status_code == 302
    assert pages.latest_revision(page).body == EDIT["body"]


@pytest.mark.skipif(on_postgresql(), reason="SQLite's one writer at a time")
def test_a_save_that_waits_past_the_sqlite_lock_gets_its_text_back(
    app, client, auth, people, database_url
):
    page = factories.make_page("p2p", "Three-way match", "Match it.")
    auth.login("priya@example.com")
    holder = sqlite3.connect(make_url(database_url).database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer, holding on past the wait
    try:
        saved = client.post(f"{PAGE}/+edit", data=EDIT)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    kept = _assert_unavailable_page(saved, "busy writing something else")
    assert "My careful\nrewrite of the tolerances." in kept
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', kept))
    assert fields["base_revision"] == "1" and fields["title"] == "Three-way match"
    assert pages.latest_revision(page).number == 1  # nothing half-written
    again = client.post(f"{PAGE}/+edit", data=EDIT)  # what "Try again" sends
    assert again.status_code == 302
    assert pages.latest_revision(page).body == EDIT["body"]


@pytest.mark.skipif(on_postgresql(), reason="a SQLite file on a disk of its own")
@pytest.mark.skipif(os.geteuid() != 0, reason="a small filesystem of its own needs root (CI is)")
def test_signing_in_on_a_full_disk_says_why(tmp_path):
    """A real 4 MB disk (tmpfs) holding the database, filled to the last byte."""
    disk = tmp_path / "disk"
    disk.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(disk)], check=True)
    try:
        wiki = create_app(
            {"DATABASE_URL": f"sqlite:///{disk / 'wiki.db'}", "SECRET_KEY": "test",
             "WTF_CSRF_ENABLED": False, "SEARCH_DIR": str(tmp_path / "search")},
            instance_path=str(tmp_path / "instance"),
        )  # fmt: skip
        with wiki.app_context():
            upgrade()
            factories.make_user(email="priya@example.com", name="Priya")
            with open(disk / "filler", "wb") as filler:  # every byte the disk has left
                try:
                    while True:
                        filler.write(b"\0" * 65536)
                        filler.flush()
                except OSError:
                    pass
            login = {"email": "priya@example.com", "password": factories.PASSWORD}
            answer = wiki.test_client().post("/login", data=login)
            page = _assert_unavailable_page(answer, "disk is full")  # its audit entry had no room
            assert factories.PASSWORD not in page and "priya@example.com" in page
            indexer(wiki).close()
            db.session.remove()
            db.engine.dispose()
    finally:
        subprocess.run(["umount", "--lazy", str(disk)], check=False)
