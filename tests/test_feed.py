"""The Atom feeds: valid, following their filters, and read by a feed reader with a personal
feed token (no session) as its person."""

import feedparser

from tests import factories
from tests.factories import make_question
from wiki.processes import pages
from wiki.watching import services as watching


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


def test_personal_feed_addresses_read_as_their_person_without_a_session(client, people):
    """A feed reader has no session: /changes.atom and /questions/feed.atom take the person's
    feed token, show only what that person may read, and stop when it is revoked."""
    factories.make_page("p2p", "Three-way match", "Match.")
    make_question(people["newcomer"], "p2p", [people["member"]], title="Open to all")
    make_question(
        people["manager"], "p2p", [people["trainer"]], title="Private to Carrie", private=True
    )
    token = watching.new_feed_token(people["member"])

    # Without a token (or session) a reader is sent to log in.
    assert client.get("/changes.atom").status_code == 302
    changes = feedparser.parse(client.get(f"/changes.atom?token={token}").data)
    assert not changes.bozo and [entry.title for entry in changes.entries] == [
        "Three-way match (revision 1)"
    ]
    questions = client.get(f"/questions/feed.atom?token={token}")
    assert questions.status_code == 200
    assert "no-store" in questions.headers["Cache-Control"]
    titles = [entry.title for entry in feedparser.parse(questions.data).entries]
    assert titles == ["Open to all"]  # the private question is not Priya's to read

    carrie = watching.new_feed_token(people["trainer"])
    titles = [
        entry.title
        for entry in feedparser.parse(
            client.get(f"/questions/feed.atom?token={carrie}").data
        ).entries
    ]
    assert sorted(titles) == ["Open to all", "Private to Carrie"]

    watching.stop_feeds(people["member"])
    assert client.get(f"/changes.atom?token={token}").status_code == 404
    assert client.get(f"/questions/feed.atom?token={token}").status_code == 404
    assert client.get("/changes.atom?token=made-up").status_code == 404


def test_the_feed_addresses_are_made_and_stopped_under_watching(client, auth, people):
    auth.login("priya@example.com")
    html = client.post("/watching/feed").get_data(as_text=True)
    changes = html.split('id="feed-url-1" readonly value="', 1)[1].split('"')[0]
    assert "/changes.atom?token=" in changes
    assert "/questions/feed.atom?token=" in html
    assert 'href="/watching#feeds"' in client.get("/changes").get_data(as_text=True)
    assert 'href="/watching#feeds"' in client.get("/questions/").get_data(as_text=True)
    client.post("/watching/feed/stop")
    auth.logout()
    path = changes.split("localhost", 1)[-1]
    assert client.get(path).status_code == 404
