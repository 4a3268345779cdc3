"""Question screens: asking from a process, page or search miss, the thread, the list and feed,
who sees a private question on every view, turning an answer into a page, and hostile text."""

from __future__ import annotations

import feedparser
import pytest

from tests.factories import make_page, make_process, make_question, make_user
from tests.test_markup_xss import problems_in
from wiki.extensions import db
from wiki.notifications.services import notifications_of
from wiki.people.models import Expertise
from wiki.processes import pages
from wiki.questions import services
from wiki.questions.models import Question


@pytest.fixture
def expert(people):
    person = make_user(email="noor@example.com", name="Noor Expert")
    process = make_process("p2p/invoices", "Invoice processing")
    db.session.add(Expertise(person=person, process=process, level="expert"))
    db.session.commit()
    return person


def test_asking_from_a_page_suggests_the_experts_and_sends_the_question(
    client, auth, people, expert
):
    page = make_page("p2p/invoices", "Three-way match", "Match it.")
    auth.login("jill@example.com")
    html = client.get(f"/p/{page.path}").get_data(as_text=True)
    assert f"/questions/ask?process=p2p/invoices&amp;page={page.id}" in html
    form = client.get(f"/questions/ask?process=p2p/invoices&page={page.id}").get_data(as_text=True)
    assert "Noor Expert" in form and "Expert" in form and "0 open questions" in form
    response = client.post(
        "/questions/ask",
        data={
            "process": "p2p/invoices",
            "page": page.id,
            "title": "Which tolerance applies?",
            "body": "For *price* variance.",
            "experts": [str(expert.id)],
        },
    )
    assert response.status_code == 302
    question = db.session.query(Question).one()
    assert (question.page, question.origin, question.experts) == (page, "page", [expert])
    thread = client.get(response.location).get_data(as_text=True)
    assert "<em>price</em>" in thread and "Which tolerance applies?" in thread


def test_a_refused_question_keeps_the_text_and_says_what_is_wrong(client, auth, people, expert):
    auth.login("jill@example.com")
    response = client.post(
        "/questions/ask",
        data={"process": "p2p/invoices", "title": "Which tolerance?", "body": "My long text"},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Choose at least one person to ask." in html
    assert "My long text" in html and 'value="Which tolerance?"' in html
    assert db.session.query(Question).count() == 0


def test_a_search_miss_offers_to_ask_with_the_query_filled_in(client, auth, people, expert):
    auth.login("jill@example.com")
    html = client.get("/search?q=zorblax+reversal&process=p2p/invoices").get_data(as_text=True)
    assert "/questions/ask?" in html and "source=search-miss" in html
    form = client.get(
        "/questions/ask?title=zorblax+reversal&source=search-miss&process=p2p/invoices"
    ).get_data(as_text=True)
    assert 'value="zorblax reversal"' in form and "The search found nothing" in form
    response = client.post(
        "/questions/ask",
        data={
            "process": "p2p/invoices",
            "source": "search-miss",
            "title": "zorblax reversal",
            "experts": [str(expert.id)],
        },
    )
    assert response.status_code == 302
    assert db.session.query(Question).one().origin == "search-miss"


def test_answer_mark_answered_and_append_to_the_page(client, auth, people, expert):
    page = make_page("p2p/invoices", "Three-way match", "Match it.")
    question = make_question(people["newcomer"], page.process, [expert], title="Tolerance rules")
    auth.login("noor@example.com")
    response = client.post(f"/questions/{question.id}/posts", data={"body": "Two **percent**."})
    assert response.status_code == 302
    html = client.get(f"/questions/{question.id}").get_data(as_text=True)
    assert "<strong>percent</strong>" in html and "Append as a section" in html
    response = client.post(f"/questions/{question.id}/append", data={"page": page.id})
    assert response.status_code == 302
    assert response.location.endswith(f"/p/{page.path}#tolerance-rules")
    page_html = client.get(f"/p/{page.path}").get_data(as_text=True)
    assert 'id="tolerance-rules"' in page_html and f'href="/questions/{question.id}"' in page_html
    auth.logout()
    auth.login("jill@example.com")
    response = client.post(f"/questions/{question.id}/answered", data={"answered": "yes"})
    assert response.status_code == 302
    html = client.get(f"/questions/{question.id}").get_data(as_text=True)
    assert "answered</span>" in html and "Three-way match" in html


def test_a_private_exchange_goes_into_the_wiki_only_once_its_asker_allows_it(
    client, auth, people, expert
):
    page = make_page("p2p/invoices", "Three-way match", "Match it.")
    question = make_question(
        people["newcomer"], page.process, [expert], title="My own blocked invoice", private=True
    )
    services.add_post(expert, question, "Release it in ZAP_HOLD.")
    auth.login("noor@example.com")
    html = client.get(f"/questions/{question.id}").get_data(as_text=True)
    assert "Ask Jill Newcomer to allow it" in html and "Append as a section" not in html
    assert (
        client.post(f"/questions/{question.id}/append", data={"page": page.id}).status_code == 403
    )
    assert client.get(f"/questions/{question.id}/new-page").status_code == 403
    assert client.post(f"/questions/{question.id}/publication-request").status_code == 302
    assert "has been asked whether it may go into the wiki" in client.get(
        f"/questions/{question.id}"
    ).get_data(as_text=True)
    assert client.post(f"/questions/{question.id}/publication").status_code == 403  # not hers
    auth.logout()

    auth.login("jill@example.com")
    kinds = [note.kind for note in notifications_of(people["newcomer"])]
    assert kinds[0] == "question_publication_asked"  # newest first
    assert "Allow it into the wiki" in client.get(f"/questions/{question.id}").get_data(
        as_text=True
    )
    assert client.post(f"/questions/{question.id}/publication").status_code == 302
    auth.logout()

    auth.login("noor@example.com")
    assert "question_publication_allowed" in [note.kind for note in notifications_of(expert)]
    assert (
        client.post(f"/questions/{question.id}/append", data={"page": page.id}).status_code == 302
    )
    assert "Release it in ZAP_HOLD." in pages.latest_revision(page).body


def test_an_empty_answer_is_refused_with_a_message(client, auth, people, expert):
    question = make_question(people["newcomer"], "p2p/invoices", [expert])
    auth.login("noor@example.com")
    response = client.post(f"/questions/{question.id}/posts", data={"body": "  "})
    assert response.status_code == 422
    assert "Write something first." in response.get_data(as_text=True)
    assert question.posts == []


def test_only_experts_and_answerers_may_turn_a_question_into_a_page(client, auth, people, expert):
    make_page("p2p/invoices", "Three-way match", "Match it.")
    question = make_question(people["newcomer"], "p2p/invoices", [expert], title="Blocked vendors")
    services.add_post(expert, question, "Call vendor master data.")
    auth.login("priya@example.com")
    assert client.get(f"/questions/{question.id}/new-page").status_code == 403
    assert client.post(f"/questions/{question.id}/append", data={"page": 1}).status_code in (
        403,
        404,
    )
    auth.logout()
    auth.login("noor@example.com")
    form = client.get(f"/questions/{question.id}/new-page").get_data(as_text=True)
    assert "Call vendor master data." in form and f"/questions/{question.id}/new-page" in form
    # Cancel (a button of the editor) creates nothing and goes back to the question.
    response = client.post(f"/questions/{question.id}/new-page", data={"action": "cancel"})
    assert response.status_code == 302 and response.location == f"/questions/{question.id}"
    response = client.post(
        f"/questions/{question.id}/new-page",
        data={"title": "Blocked vendors", "body": "Call vendor master data.", "summary": "x"},
    )
    assert response.status_code == 302
    page = pages.get_page("p2p/invoices/blocked-vendors")
    assert pages.latest_revision(page).author == expert


def test_a_private_question_is_hidden_on_every_view(client, auth, people, expert):
    question = make_question(
        people["newcomer"], "p2p/invoices", [expert], title="Payslip secret", private=True
    )
    services.add_post(expert, question, "Answer secret.")
    services.mark_answered(people["newcomer"], question)
    for email in ("priya@example.com", "marty@example.com", "carrie@example.com"):
        auth.login(email)
        assert client.get(f"/questions/{question.id}").status_code == 404
        for url in (
            "/questions/",
            "/questions/?scope=all",
            "/p/p2p/invoices",
            "/questions/feed.atom",
        ):
            assert "Payslip secret" not in client.get(url).get_data(as_text=True), (email, url)
        assert "Payslip" not in client.get("/search?q=payslip").get_data(as_text=True)
        assert client.post(f"/questions/{question.id}/posts", data={"body": "x"}).status_code == 404
        auth.logout()
    for email in ("jill@example.com", "noor@example.com", "ada@example.com"):
        auth.login(email)
        assert "Payslip secret" in client.get(f"/questions/{question.id}").get_data(as_text=True)
        assert "Payslip secret" in client.get("/questions/").get_data(as_text=True)
        auth.logout()


def test_the_feed_lists_visible_questions(client, auth, people, expert):
    make_question(people["newcomer"], "p2p/invoices", [expert], title="Public one")
    auth.login("priya@example.com")
    parsed = feedparser.parse(client.get("/questions/feed.atom").get_data())
    assert not parsed.bozo
    assert [entry.title for entry in parsed.entries] == ["Public one"]


def test_lists_filter_by_whose_and_state(client, auth, people, expert):
    mine = make_question(people["newcomer"], "p2p/invoices", [expert], title="Jill's question")
    make_question(people["member"], "p2p/invoices", [expert], title="Priya's question")
    services.add_post(expert, mine, "Answer.")
    services.mark_answered(people["newcomer"], mine)
    auth.login("jill@example.com")
    html = client.get("/questions/?scope=mine").get_data(as_text=True)
    assert "Jill&#39;s question" in html and "Priya&#39;s question" not in html
    html = client.get("/questions/?state=open").get_data(as_text=True)
    assert "Jill&#39;s question" not in html and "Priya&#39;s question" in html
    auth.logout()
    auth.login("noor@example.com")
    html = client.get("/questions/?scope=to-me").get_data(as_text=True)
    assert "Jill&#39;s question" in html and "Priya&#39;s question" in html


def test_hostile_text_in_questions_and_answers_renders_safely(
    client, auth, people, expert, xss_payloads
):
    process = make_process("p2p/invoices")
    chunk = 40
    for start in range(0, len(xss_payloads), chunk):
        payloads = xss_payloads[start : start + chunk]
        question = make_question(
            people["newcomer"],
            process,
            [expert],
            title=payloads[0][:200],
            body="\n\n".join(payloads),
        )
        services.add_post(expert, question, "\n\n".join(reversed(payloads)))
        auth.login("noor@example.com")
        for url in (f"/questions/{question.id}", "/questions/", "/p/p2p/invoices"):
            html = client.get(url).get_data(as_text=True)
            assert problems_in(html) == [], (start, url)
        auth.logout()
    for payload in xss_payloads[:40]:
        make_question(people["newcomer"], process, [expert], title=payload[:200] or "x")
    auth.login("noor@example.com")
    for url in ("/questions/", "/p/p2p/invoices"):
        assert problems_in(client.get(url).get_data(as_text=True)) == []
    assert "<script" not in client.get("/questions/feed.atom").get_data(as_text=True)
