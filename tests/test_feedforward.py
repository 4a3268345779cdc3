"""FeedForward: asking chosen peers, ideas for the future only, notes and thanks, who sees
what, refused input, and hostile text."""

from __future__ import annotations

from sqlalchemy import select

from tests.pagetext import text_of
from tests.test_markup_xss import problems_in
from wiki.extensions import db
from wiki.feedforward import services
from wiki.feedforward.models import FeedForwardRequest, FeedForwardSuggestion
from wiki.notifications.models import Notification


def titles_for(person) -> list[str]:
    return list(
        db.session.scalars(
            select(Notification.title)
            .where(Notification.user_id == person.id)
            .order_by(Notification.id)
        )
    )


def test_ask_suggest_note_and_thank(client, auth, people):
    jill, priya, carrie = people["newcomer"], people["member"], people["trainer"]
    auth.login("jill@example.com")
    response = client.post(
        "/feedforward/new",
        data={"goal": "explaining a variance to a buyer", "peers": [priya.id, carrie.id]},
    )
    assert response.status_code == 302
    ff = db.session.scalars(select(FeedForwardRequest)).one()
    assert titles_for(priya) == ["Jill Newcomer asks for your ideas"]
    auth.logout()

    auth.login("priya@example.com")
    page = client.get(f"/feedforward/{ff.id}").get_data(as_text=True)
    assert "FeedForward is about the future" in page and "Leave out what went wrong" in page
    client.post(f"/feedforward/{ff.id}/suggestions", data={"text": "Start with the PO line."})
    auth.logout()
    auth.login("carrie@example.com")
    client.post(f"/feedforward/{ff.id}/suggestions", data={"text": "Show the tolerance table."})
    # A peer sees their own ideas, not the others'.
    page = client.get(f"/feedforward/{ff.id}").get_data(as_text=True)
    assert "Show the tolerance table." in page and "Start with the PO line." not in page
    auth.logout()

    auth.login("jill@example.com")
    page = text_of(client.get(f"/feedforward/{ff.id}").get_data(as_text=True))
    assert "Start with the PO line." in page and "Show the tolerance table." in page
    first = db.session.scalars(
        select(FeedForwardSuggestion).order_by(FeedForwardSuggestion.id)
    ).first()
    client.post(f"/feedforward/suggestions/{first.id}/note", data={"note": "Trying it Monday"})
    client.post(f"/feedforward/suggestions/{first.id}/thank")
    client.post(f"/feedforward/suggestions/{first.id}/thank")  # once is enough
    page = text_of(client.get(f"/feedforward/{ff.id}").get_data(as_text=True))
    assert "Your note: Trying it Monday" in page
    assert titles_for(priya) == [
        "Jill Newcomer asks for your ideas",
        "Jill Newcomer thanks you for your idea",
    ]
    assert titles_for(jill) == [
        "Priya Member suggested an idea",
        "Carrie Trainer suggested an idea",
    ]


def test_a_peer_asked_may_decline_and_the_request_leaves_them(client, auth, people):
    jill, priya, carrie = people["newcomer"], people["member"], people["trainer"]
    request = services.ask(jill, "month-end checklists", [priya.id, carrie.id])
    auth.login("priya@example.com")
    assert "Decline this request" in client.get(f"/feedforward/{request.id}").text
    assert client.post(f"/feedforward/{request.id}/decline").status_code == 302
    assert client.get(f"/feedforward/{request.id}").status_code == 404
    assert "month-end checklists" not in client.get("/feedforward/").text
    assert (
        client.post(f"/feedforward/{request.id}/suggestions", data={"text": "x"}).status_code == 404
    )
    auth.logout()
    db.session.expire_all()
    assert [row.user for row in request.asked] == [carrie]
    assert titles_for(jill) == ["Priya Member cannot help with this one"]


def test_only_the_requester_and_the_peers_asked_see_a_request(client, auth, people):
    ff = services.ask(people["newcomer"], "month-end", [people["member"].id])
    suggestion = services.suggest(people["member"], ff, "Keep a checklist.")
    for outsider in ("ada@example.com", "marty@example.com"):
        auth.login(outsider)
        assert client.get(f"/feedforward/{ff.id}").status_code == 404
        assert "month-end" not in client.get("/feedforward/").get_data(as_text=True)
        post = client.post(f"/feedforward/{ff.id}/suggestions", data={"text": "Hi"})
        assert post.status_code == 404
        thank = client.post(f"/feedforward/suggestions/{suggestion.id}/thank")
        assert thank.status_code == 404
        auth.logout()
    auth.login("priya@example.com")  # the giver cannot thank themselves
    assert client.post(f"/feedforward/suggestions/{suggestion.id}/thank").status_code == 404


def test_refused_requests_and_ideas_keep_the_text(client, auth, people):
    auth.login("jill@example.com")
    response = client.post("/feedforward/new", data={"goal": "writing clear emails"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Choose from one to 10 peers to ask." in html and 'value="writing clear emails"' in html
    ff = services.ask(people["newcomer"], "month-end", [people["member"].id])
    auth.logout()
    auth.login("priya@example.com")
    response = client.post(f"/feedforward/{ff.id}/suggestions", data={"text": "x" * 2001})
    assert response.status_code == 422
    assert "Keep it to 2000 characters; this is 2001." in response.get_data(as_text=True)
    assert db.session.scalars(select(FeedForwardSuggestion)).all() == []


def test_hostile_text_renders_inert(client, auth, people, xss_payloads):
    ff = services.ask(people["newcomer"], xss_payloads[0][:300] or "x", [people["member"].id])
    for payload in xss_payloads[:60]:
        suggestion = services.suggest(people["member"], ff, payload or "x")
        services.note(people["newcomer"], suggestion, payload)
    for email in ("jill@example.com", "priya@example.com"):
        auth.login(email)
        for url in ("/feedforward/", f"/feedforward/{ff.id}", "/notifications/"):
            assert problems_in(client.get(url).get_data(as_text=True)) == [], (email, url)
        auth.logout()
