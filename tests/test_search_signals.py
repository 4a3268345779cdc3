"""Search learning from the wiki's own signals, on both backends: the words of answered
questions found on the page their answer links to or went into ("asked as"), never those of a
private question; a result people opened from a search, or marked helpful, coming higher for
the same query afterwards (a few places at most, fading with age); and an opening counted
only with the token the person's own results page gave it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import update

from tests import factories
from wiki.extensions import db
from wiki.questions import services as questions
from wiki.search import services
from wiki.search.models import SearchSignal
from wiki.timeutil import utcnow

pytestmark = pytest.mark.search_backends("whoosh", "postgresql")

PEOPLE = ["jill@example.com", "priya@example.com", "marty@example.com", "carrie@example.com"]


def titles(user, query: str) -> list[str]:
    return [hit.plain_title for hit in services.search(user, query).results.hits]


@pytest.fixture
def walrus_pages(people):
    """Eight pages that all match "walrus feeding", in the engine's own order."""
    for number in range(8):
        words = " ".join(["walrus feeding"] * (8 - number))
        factories.make_page("zoo", f"Note {number}", f"{words} and more text.", people["member"])
    return titles(people["newcomer"], "walrus feeding")


def open_result(client, auth, email: str, query: str, title: str):
    """Search as this person and open the result called `title` from the results page: the
    browser follows the link and sends the POST its ping names."""
    auth.login(email)
    html = client.get("/search", query_string={"q": query}).text
    link = re.search(rf'<a href="([^"]+)" ping="([^"]+)">{re.escape(title)}</a>', html)
    assert link is not None, f"{title} is not among the results"
    assert client.get(link.group(1)).status_code == 200
    response = client.post(link.group(2).replace("&amp;", "&"))
    auth.logout()
    return response


def test_a_result_people_open_comes_higher_for_the_same_query(client, auth, people, walrus_pages):
    last = walrus_pages[-1]
    assert walrus_pages.index(last) == 7
    for email in PEOPLE[:3]:
        assert open_result(client, auth, email, "walrus feeding", last).status_code == 204
    # Three openings: three places up, for the query however it is written.
    assert titles(people["newcomer"], "walrus feeding").index(last) == 4
    assert titles(people["newcomer"], "Walrus  FEEDING?").index(last) == 4
    # Another query is not changed by them.
    assert titles(people["newcomer"], "feeding walrus notes") == titles(
        people["admin"], "feeding walrus notes"
    )


def test_one_person_opening_a_result_again_counts_once_a_day(client, auth, people, walrus_pages):
    last = walrus_pages[-1]
    for _ in range(4):
        open_result(client, auth, "jill@example.com", "walrus feeding", last)
    assert titles(people["newcomer"], "walrus feeding").index(last) == 6


def test_helpful_marks_move_a_result_up_a_few_places_at_most(client, auth, people, walrus_pages):
    last = walrus_pages[-1]
    key = next(
        hit.key
        for hit in services.search(people["newcomer"], "walrus feeding").results.hits
        if hit.plain_title == last
    )
    for email in PEOPLE:
        auth.login(email)
        response = client.post("/search/helpful", data={"q": "walrus feeding", "key": key})
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/search?q=walrus+feeding")
        auth.logout()
    # Twelve places' worth, but five at most.
    assert titles(people["newcomer"], "walrus feeding").index(last) == 2


def test_old_signals_fade_and_then_count_no_more(client, auth, people, walrus_pages):
    last = walrus_pages[-1]
    for email in PEOPLE[:3]:
        open_result(client, auth, email, "walrus feeding", last)
    db.session.execute(update(SearchSignal).values(created_at=utcnow() - timedelta(days=60)))
    db.session.commit()
    # Two months old: each counts a quarter, three of them less than one place.
    assert titles(people["newcomer"], "walrus feeding").index(last) == 7
    db.session.execute(update(SearchSignal).values(created_at=utcnow() - timedelta(days=400)))
    db.session.commit()
    assert titles(people["newcomer"], "walrus feeding") == walrus_pages


def test_an_opening_counts_only_with_its_token_and_for_a_result_the_person_may_see(
    client, auth, people, walrus_pages
):
    page = factories.make_page("zoo", "Seal care", "seals", people["member"])
    auth.login("jill@example.com")
    # An opening another site made up, without this person's token: refused, not counted.
    for token in ["", "0" * 24]:
        query = {"q": "walrus feeding", "key": f"page:{page.id}", "t": token}
        assert client.post("/search/opened", query_string=query).status_code == 400
    assert db.session.query(SearchSignal).count() == 0
    auth.logout()
    # A token made for another person does not count for this one either.
    auth.login("priya@example.com")
    ping = re.search(r'ping="([^"]+)"', client.get("/search?q=seals").text).group(1)
    auth.logout()
    auth.login("jill@example.com")
    assert client.post(ping.replace("&amp;", "&")).status_code == 400
    assert db.session.query(SearchSignal).count() == 0
    assert client.post("/search/helpful", data={"q": "x", "key": "page:0"}).status_code == 404
    for key in ["https://evil.example/", "page:x", "nothing", "page:99999999999"]:
        assert client.post("/search/helpful", data={"q": "x", "key": key}).status_code == 404


def answered_question(people, title: str, answer: str, private: bool = False):
    expert = people["member"]
    question = factories.make_question(
        people["newcomer"], "p2p", [expert], title=title, body="", private=private
    )
    questions.add_post(expert, question, answer)
    questions.mark_answered(people["newcomer"], question)
    return question


def test_an_answered_question_s_words_find_the_page_its_answer_links_to(people):
    factories.make_page("p2p", "Recovering overpayments", "Net the credit memo.", people["member"])
    factories.make_page("p2p", "Vendor master", "Bank details.", people["member"])
    newcomer = people["newcomer"]
    assert "Recovering overpayments" not in titles(newcomer, "supplier paid twice refund")
    answered_question(
        people,
        "Supplier was paid twice, how do I get a refund?",
        "See [[Recovering overpayments]], or [the vendor page](/p/p2p/vendor-master).",
    )
    found = titles(newcomer, "supplier paid twice refund")
    assert "Recovering overpayments" in found and "Vendor master" in found


def test_a_private_question_never_feeds_a_page_s_words(people):
    factories.make_page("p2p", "Recovering overpayments", "Net the credit memo.", people["member"])
    question = answered_question(
        people,
        "Our walrus sanctuary supplier was paid twice",
        "See [[Recovering overpayments]].",
        private=True,
    )
    for person in ["newcomer", "admin", "member"]:
        assert "Recovering overpayments" not in titles(people[person], "walrus sanctuary")
    # Made public later, its words reach the page; private again, they leave it.
    question.private = False
    db.session.commit()
    assert "Recovering overpayments" in titles(people["newcomer"], "walrus sanctuary")
    question.private = True
    db.session.commit()
    assert "Recovering overpayments" not in titles(people["newcomer"], "walrus sanctuary")
