"""The page cache: repeat views come from it, any write empties it, sessions stay apart."""

from __future__ import annotations

from sqlalchemy import text

from tests import factories
from wiki.auth import services as accounts
from wiki.extensions import db
from wiki.processes import pages
from wiki.versioning import current_version

URL = "/p/p2p/three-way-match"


def _sneak_body_change(new_body: str) -> None:
    """Change the stored HTML behind the app's back: no session, so no version bump."""
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE revisions SET html = :html"), {"html": new_body})


def test_repeat_view_is_served_from_the_cache_until_a_write(client, auth, people):
    page = factories.make_page("p2p", "Three-way match", "Original text")
    auth.login("jill@example.com")
    client.get(URL)  # renders and stores the HTML (a write)
    assert "Original text" in client.get(URL).get_data(as_text=True)
    _sneak_body_change("<p>Sneaked in</p>")
    cached = client.get(URL)
    assert "Original text" in cached.get_data(as_text=True)  # from the cache
    assert "frame-ancestors 'none'" in cached.headers["Content-Security-Policy"]
    assert cached.headers["Cache-Control"] == "private, no-cache"
    pages.save_page(people["member"], page, pages.PageDraft("Three-way match", "Edited"), 1)
    assert "Edited" in client.get(URL).get_data(as_text=True)  # the save emptied it


def test_each_session_gets_its_own_pages(app, people):
    factories.make_page("p2p", "Three-way match", "Text")
    jill, priya = app.test_client(), app.test_client()
    jill.post("/login", data={"email": "jill@example.com", "password": factories.PASSWORD})
    priya.post("/login", data={"email": "priya@example.com", "password": factories.PASSWORD})
    for _ in range(2):
        assert "Jill Newcomer" in jill.get(URL).get_data(as_text=True)
        priya_html = priya.get(URL).get_data(as_text=True)
        assert "Priya Member" in priya_html and "Jill Newcomer" not in priya_html


def test_a_flash_is_shown_once(client, auth, people):
    factories.make_page("p2p", "Three-way match", "Text")
    auth.login("jill@example.com")
    client.post(
        f"{URL}/+edit", data={"title": "Three-way match", "body": "New", "base_revision": "1"}
    )
    assert "Saved." in client.get(URL).get_data(as_text=True)
    assert "Saved." not in client.get(URL).get_data(as_text=True)


def test_deactivation_reaches_a_cached_session(client, auth, people):
    factories.make_page("p2p", "Three-way match", "Text")
    auth.login("priya@example.com")
    client.get(URL)
    assert client.get(URL).status_code == 200
    accounts.set_active(people["admin"], people["member"], False)
    assert client.get(URL).status_code == 302


def test_version_moves_on_writing_commits_only(people):
    before = current_version()
    db.session.commit()  # nothing written
    assert current_version() == before
    people["member"].name = "Priya Renamed"
    db.session.rollback()
    assert current_version() == before
    people["member"].name = "Priya Renamed"
    db.session.commit()
    assert current_version() == before + 1


def test_cache_is_bounded_in_bytes_and_skips_huge_pages():
    import time

    from wiki.pagecache import PageCache, _Entry

    cache = PageCache(size=1000, seconds=60, max_bytes=64_000)  # at most 1,000 bytes a page
    for number in range(100):
        cache.put(("cookie", f"/p/{number}"), _Entry(1, time.monotonic(), [], b"x" * 900))
    assert cache.stored_bytes == 71 * 900  # the oldest were dropped to stay within budget
    assert cache.get(("cookie", "/p/28"), 1) is None
    assert cache.get(("cookie", "/p/29"), 1) is not None
    cache.put(("cookie", "/big"), _Entry(1, time.monotonic(), [], b"x" * 1001))
    assert cache.get(("cookie", "/big"), 1) is None
