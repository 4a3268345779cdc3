"""Watching: the Watch buttons, who is told of which change (never the one who made it), the
editor's offer to watch, /watching and its personal Atom feed."""

from __future__ import annotations

import feedparser
import pytest
from sqlalchemy import select

from tests import factories
from wiki.extensions import db
from wiki.notifications.models import Notification
from wiki.processes import pages
from wiki.watching.models import Watch
from wiki.worker import deliver_due


@pytest.fixture
def wiki(people):
    factories.make_process("p2p/invoices", name="Invoices")
    factories.make_process("o2c", name="Order to cash")
    page = factories.make_page("p2p/invoices", "Three-way match", "Match.", people["member"])
    other = factories.make_page("o2c", "Credit checks", "Check.", people["member"])
    return {"page": page, "other": other, **people}


def notices(person) -> list[str]:
    return list(
        db.session.scalars(
            select(Notification.title)
            .where(Notification.user_id == person.id, Notification.kind == "watched_change")
            .order_by(Notification.id)
        )
    )


def test_watching_a_page_tells_of_edits_moves_and_reviews_by_others_only(client, auth, wiki):
    page, jill, priya, marty = wiki["page"], wiki["newcomer"], wiki["member"], wiki["manager"]
    auth.login("jill@example.com")
    response = client.post("/watching", data={"path": page.path})
    assert response.status_code == 302 and response.location == f"/p/{page.path}"
    assert "Stop watching" in client.get(f"/p/{page.path}").get_data(as_text=True)

    pages.save_page(jill, page, pages.PageDraft(page.title, "Mine.", ""), 1)
    assert notices(jill) == []  # her own edit
    pages.save_page(priya, page, pages.PageDraft(page.title, "Match all three.", ""), 2)
    pages.mark_reviewed(marty, page)
    pages.move_page(marty, page, factories.make_process("o2c"))
    assert notices(jill) == [
        "Three-way match: edited",
        "Three-way match: reviewed",
        "Three-way match: moved to Order to cash",
    ]
    assert notices(priya) == []  # she watches nothing


def test_watching_a_process_covers_new_and_changed_pages_below_it(client, auth, wiki):
    auth.login("jill@example.com")
    client.post("/watching", data={"path": "p2p"})
    factories.make_page("p2p/invoices", "Price variances", "New.", wiki["member"])
    pages.save_page(wiki["member"], wiki["other"], pages.PageDraft("Credit checks", "x", ""), 1)
    assert notices(wiki["newcomer"]) == ["Price variances: added"]
    listing = client.get("/watching").get_data(as_text=True)
    assert "Process and everything under it" in listing and "P2p" in listing


def test_the_editor_offers_to_watch_and_an_unticked_box_is_respected(client, auth, wiki):
    auth.login("jill@example.com")
    form = client.get("/p/p2p/invoices/+new").get_data(as_text=True)
    assert 'name="watch" value="1" checked' in form
    client.post("/p/p2p/invoices/+new", data={"title": "Ticked", "body": "x", "watch": "1",
                                              "watch_offered": "1"})  # fmt: skip
    client.post("/p/p2p/invoices/+new", data={"title": "Unticked", "body": "x",
                                              "watch_offered": "1"})  # fmt: skip
    watched = [w.page.title for w in db.session.scalars(select(Watch))]
    assert watched == ["Ticked"]
    assert "Watch this page" not in client.get("/p/p2p/invoices/ticked/+edit").get_data(
        as_text=True
    )


def test_a_watch_is_removed_only_by_its_owner(client, auth, wiki):
    auth.login("jill@example.com")
    client.post("/watching", data={"path": wiki["page"].path})
    client.post("/watching", data={"path": wiki["page"].path})  # twice: still one watch
    (watch,) = db.session.scalars(select(Watch)).all()
    auth.logout()
    auth.login("priya@example.com")
    assert client.post(f"/watching/{watch.id}/remove").status_code == 404
    assert client.post("/watching", data={"path": "no/such"}).status_code == 404
    auth.logout()
    auth.login("jill@example.com")
    assert client.post(f"/watching/{watch.id}/remove").status_code == 302
    assert db.session.scalars(select(Watch)).all() == []


def test_the_feed_lists_only_what_is_watched_under_a_token_that_can_be_replaced(client, auth, wiki):
    auth.login("jill@example.com")
    client.post("/watching", data={"path": wiki["page"].path})
    html = client.post("/watching/feed").get_data(as_text=True)
    address = html.split('id="feed-url" readonly value="', 1)[1].split('"', 1)[0]
    token = address.split("token=", 1)[1]
    auth.logout()
    feed = client.get(f"/watching.atom?token={token}")
    assert feed.status_code == 200 and feed.content_type.startswith("application/atom+xml")
    parsed = feedparser.parse(feed.data)
    assert not parsed.bozo
    assert [entry.title for entry in parsed.entries] == ["Three-way match (revision 1)"]
    assert client.get("/watching.atom?token=wrong").status_code == 404
    auth.login("jill@example.com")
    client.post("/watching/feed")
    auth.logout()
    assert client.get(f"/watching.atom?token={token}").status_code == 404


def test_a_watcher_chooses_mail_for_watched_changes(app, mailbox, wiki):
    from wiki.notifications import services as notifications
    from wiki.watching import services as watching

    watching.watch(wiki["newcomer"], page=wiki["page"])
    # Watched changes come in the daily digest unless one chooses mail at once.
    notifications.save_deliveries(wiki["newcomer"], {"watched_change": "immediate"})
    pages.save_page(wiki["member"], wiki["page"], pages.PageDraft("Three-way match", "New.", ""), 1)
    deliver_due()
    (mail,) = mailbox.to("jill@example.com")
    assert mail["Subject"].endswith("Three-way match: edited")
    assert "Priya Member edited “Three-way match”, which you watch." in mail.get_content()


@pytest.fixture
def app_config(request, mail_config):
    if request.node.name == "test_a_watcher_chooses_mail_for_watched_changes":
        return mail_config
    return {"WTF_CSRF_ENABLED": False}


def test_a_file_added_to_or_removed_from_a_watched_page_is_told(wiki):
    from wiki.attachments import services as attachments
    from wiki.watching import services as watching

    watching.watch(wiki["newcomer"], page=wiki["page"])
    text = b"vendor,amount\n4711,12.50\n"
    added = attachments.upload_attachment(wiki["member"], wiki["page"], "holds.csv", text)
    attachments.remove_attachment(wiki["manager"], added)
    assert notices(wiki["newcomer"]) == [
        "Three-way match: file holds.csv added",
        "Three-way match: file holds.csv removed",
    ]


def test_answering_a_question_about_a_page_offers_to_watch_it(client, auth, wiki):
    question = factories.make_question(wiki["newcomer"], "p2p/invoices", [wiki["member"]])
    question.page = wiki["page"]
    db.session.commit()
    auth.login("priya@example.com")
    thread = client.get(f"/questions/{question.id}").get_data(as_text=True)
    assert "Watch “Three-way match”, the page this question is about" in thread
    client.post(f"/questions/{question.id}/posts", data={"body": "Match all three.", "watch": "1"})
    assert [w.page_id for w in db.session.scalars(select(Watch))] == [wiki["page"].id]
