"""The recent-changes Atom feed is valid and follows the process filter."""

import feedparser

from tests import factories
from wiki.processes import pages


def test_atom_feed_is_valid_and_filtered(client, auth, people):
    page = factories.make_page("p2p", "Three-way match & <friends>", "Text")
    pages.save_page(people["member"], page, pages.PageDraft(page.title, "More", "Add more"), 1)
    factories.make_page("r2r", "Accruals")
    auth.login("jill@example.com")
    response = client.get("/changes.atom")
    assert response.content_type.startswith("application/atom+xml")
    feed = feedparser.parse(response.data)
    assert not feed.bozo, feed.get("bozo_exception")
    assert len(feed.entries) == 3
    assert feed.entries[1].title == "Three-way match & <friends> (revision 2)"
    filtered = feedparser.parse(client.get("/changes.atom?process=r2r").data)
    assert not filtered.bozo
    assert [entry.title for entry in filtered.entries] == ["Accruals (revision 1)"]


def test_the_feed_stays_well_formed_whatever_was_stored(client, auth, people):
    """Text stored before input was cleaned, or by a path that forgot: XML cannot hold it."""
    from wiki.extensions import db

    page = factories.make_page("p2p", "Three-way match", "Text", author=people["member"])
    people["member"].name = "Priya\x0b Member\x1b"
    page.title = "Three-way\x08 match"
    db.session.commit()
    auth.login("jill@example.com")
    feed = feedparser.parse(client.get("/changes.atom").data)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.entries[0].author == "Priya Member"
    assert feed.entries[0].title == "Three-way match (revision 1)"
