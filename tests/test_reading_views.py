"""Reading a page drawn once for everyone (wiki.web.frames): each reader still sees their own
name, unread count, Watch button, menu and CSRF token, and a token works only in its session."""

from __future__ import annotations

import re

import pytest

from tests import factories
from tests.pagetext import text_of
from wiki.watching import services as watching

URL = "/p/p2p/three-way-match"


@pytest.fixture
def app_config() -> dict:
    return {"WTF_CSRF_ENABLED": True}


def _token(html: str) -> str:
    tokens = set(re.findall(r'name="csrf_token" value="([^"]+)"', html))
    assert len(tokens) == 1, tokens  # every form of the page carries the session's one token
    return tokens.pop()


def _session(app, email: str):
    client = app.test_client()
    token = _token(client.get("/login").get_data(as_text=True))
    form = {"csrf_token": token, "email": email, "password": factories.PASSWORD}
    assert client.post("/login", data=form).status_code == 302
    return client


def _header(html: str) -> str:
    return text_of(re.search(r'<header class="site-header">.*?</header>', html, re.S).group(0))


@pytest.fixture
def page(app, people):
    page = factories.make_page("p2p", "Three-way match", "Match the order.")
    watching.watch(people["member"], page=page)
    # Carrie is asked about another process: one unread notification, no question here.
    factories.make_question(people["newcomer"], "o2c", [people["trainer"]], title="Credit?")
    return page


def test_readers_of_one_drawing_see_their_own_name_bell_button_and_menu(app, people, page):
    factories.make_page("o2c", "Credit notes")  # the last write: the drawings come after it
    for _ in range(2):  # the first round may draw the page; the second is filled in
        priya, carrie = _session(app, "priya@example.com"), _session(app, "carrie@example.com")
        ada = _session(app, "ada@example.com")
        mine, hers, admins = (
            client.get(URL).get_data(as_text=True) for client in (priya, carrie, ada)
        )
        assert "Priya Member" in _header(mine) and "Carrie" not in _header(mine)
        assert "Notifications Log out" in _header(mine).replace("Priya Member ", "")
        assert "Carrie Trainer" in _header(hers) and "Notifications, 1 unread 1" in _header(hers)
        assert "Stop watching" in mine and "Stop watching" not in hers
        assert 'name="path" value="p2p/three-way-match"' in hers  # her Watch button
        assert "Audit log" in admins and "Audit log" not in mine + hers
        assert "Mark reviewed today" in admins and "Mark reviewed today" not in mine + hers
        tokens = {_token(mine), _token(hers), _token(admins)}
        assert len(tokens) == 3  # each session its own


def test_a_token_from_a_shared_drawing_works_in_its_own_session_only(app, people, page):
    carrie, tomas = _session(app, "carrie@example.com"), _session(app, "marty@example.com")
    carrie.get(URL)
    html = carrie.get(URL).get_data(as_text=True)
    stolen = _token(tomas.get(URL).get_data(as_text=True))
    refused = carrie.post("/watching", data={"csrf_token": stolen, "path": "p2p/three-way-match"})
    assert refused.status_code == 400
    watched = carrie.post("/watching", data={"csrf_token": _token(html), "path": page.path})
    assert watched.status_code == 302
    # The message is hers alone: that view is drawn for her, the next one shared again.
    after = carrie.get(URL).get_data(as_text=True)
    assert "You are watching “Three-way match”." in after and "Stop watching" in after
    again = carrie.get(URL).get_data(as_text=True)
    assert "You are watching" not in again and "Stop watching" in again
