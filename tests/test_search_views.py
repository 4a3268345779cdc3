"""The search screens: results with highlights and filters, quick-find JSON, "none of these
helped", the trainers' misses page, profiles, and hostile text in titles and bodies."""

from __future__ import annotations

from datetime import datetime
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from tests import factories
from wiki.extensions import db
from wiki.search import services
from wiki.search.index_schema import Document
from wiki.search.indexing import indexer
from wiki.search.models import NO_RESULTS, NOT_HELPFUL, SearchMiss

pytestmark = pytest.mark.search_backends("whoosh", "postgresql")


@pytest.fixture
def wiki(app, people):
    factories.make_process("finance/payables", name="Payables")
    factories.make_page(
        "finance/payables",
        "Matching invoices",
        "Every supplier invoice is matched against the goods receipt.",
        people["member"],
        tags="invoices",
    )
    return people


def test_results_show_highlights_breadcrumbs_and_links(client, auth, wiki):
    auth.login("jill@example.com")
    html = client.get("/search?q=goods").get_data(as_text=True)
    assert "1 result" in html
    ping = '<a href="/p/finance/payables/matching-invoices" ping="http://localhost/search/opened?'
    assert ping in html
    assert "<mark>goods</mark>" in html
    assert '<a href="/p/finance">Finance</a> › <a href="/p/finance/payables">Payables</a>' in html
    assert "None of these helped" in html


def test_the_header_form_works_without_javascript(client, auth, wiki):
    auth.login("jill@example.com")
    home = client.get("/").get_data(as_text=True)
    assert 'action="/search"' in home and 'name="q"' in home


def test_an_empty_search_shows_the_form_only(client, auth, wiki):
    auth.login("jill@example.com")
    response = client.get("/search?q=")
    assert response.status_code == 200
    assert "result" not in response.get_data(as_text=True).lower().split("<main", 1)[1]
    assert db.session.scalars(select(SearchMiss)).all() == []


def test_a_miss_is_recorded_and_shows_what_to_do_next(client, auth, wiki):
    auth.login("jill@example.com")
    html = client.get("/search?q=travel+expenses&process=finance").get_data(as_text=True)
    assert "Nothing found for “travel expenses” in Finance" in html
    assert "Not written down yet?" in html
    miss = db.session.scalars(select(SearchMiss)).one()
    assert (miss.kind, miss.query, miss.process.path) == (NO_RESULTS, "travel expenses", "finance")


def test_none_of_these_helped_is_recorded_with_the_result_count(client, auth, wiki):
    auth.login("jill@example.com")
    response = client.post(
        "/search/not-helpful", data={"q": "invoice", "process": "finance"}, follow_redirects=True
    )
    html = response.get_data(as_text=True)
    assert "the trainers will see that this search did not help" in html
    assert "Not written down yet?" in html
    miss = db.session.scalars(select(SearchMiss)).one()
    assert (miss.kind, miss.query, miss.result_count) == (NOT_HELPFUL, "invoice", 1)


def test_trainers_see_the_top_misses_by_period(client, auth, wiki):
    # Two people miss "travel expenses" (a person's own reload would be the same miss).
    for email in ("jill@example.com", "priya@example.com"):
        auth.login(email)
        client.get("/search?q=travel+expenses")
        auth.logout()
    auth.login("jill@example.com")
    client.get("/search?q=parking")
    auth.logout()
    auth.login("carrie@example.com")
    html = client.get("/search/misses?days=7").get_data(as_text=True)
    rows = html.split("<tbody>")[1]
    assert rows.index("travel expenses") < rows.index("parking")
    assert '<strong aria-current="page">7 days</strong>' in html


@pytest.mark.parametrize("email", ["jill@example.com", "priya@example.com", "marty@example.com"])
def test_others_may_not_see_the_misses(client, auth, wiki, email):
    auth.login(email)
    assert client.get("/search/misses").status_code == 403


def test_quick_find_answers_json(client, auth, wiki):
    auth.login("jill@example.com")
    response = client.get("/search/quick?q=match")
    assert response.is_json
    assert response.json == {
        "results": [
            {
                "type": "page",
                "title": "Matching invoices",
                "url": "/p/finance/payables/matching-invoices",
                "process": "Finance › Payables",
            }
        ]
    }
    assert client.get("/search/quick?q=").json == {"results": []}


def test_search_needs_a_login(client, wiki):
    assert client.get("/search?q=invoice").status_code == 302
    assert client.get("/search/quick?q=inv").status_code in (302, 401)


def test_filters_narrow_by_kind_process_and_tag(client, auth, wiki):
    auth.login("jill@example.com")
    everything = client.get("/search?q=payables").get_data(as_text=True)
    assert "2 results" in everything  # the process, and the page that sits in it
    processes = client.get("/search?q=payables&type=process").get_data(as_text=True)
    assert "1 result" in processes and "Matching invoices" not in processes.split("<main")[1]
    tagged = client.get("/search?q=invoice&tag=invoices").get_data(as_text=True)
    assert "1 result" in tagged
    assert "0 results" not in client.get("/search?q=invoice&tag=nope").get_data(as_text=True)
    assert "Nothing found" in client.get("/search?q=invoice&tag=nope").get_data(as_text=True)


def test_an_unknown_process_filter_is_not_found(client, auth, wiki):
    auth.login("jill@example.com")
    assert client.get("/search?q=invoice&process=no/such").status_code == 404


def test_while_the_index_is_built_search_says_so(client, auth, wiki, monkeypatch):
    auth.login("jill@example.com")
    monkeypatch.setattr(indexer(), "ready", lambda: False)
    response = client.get("/search?q=invoice")
    assert response.status_code == 503
    assert "Search is being rebuilt" in response.get_data(as_text=True)
    assert client.get("/search/quick?q=inv").json == {"results": []}


def test_a_profile_lists_owned_pages_and_recent_edits(client, auth, wiki):
    auth.login("jill@example.com")
    member = wiki["member"]
    html = client.get(f"/people/{member.id}").get_data(as_text=True)
    assert "Priya Member" in html
    assert "Matching invoices" in html.split("Recent edits")[1]
    assert client.get("/people/999999").status_code == 404


class _Elements(HTMLParser):
    """The elements and attributes a browser would build from the page."""

    def __init__(self):
        super().__init__()
        self.elements: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def _active_content(html: str) -> list:
    parsed = _Elements()
    parsed.feed(html)
    found = []
    for tag, attrs in parsed.elements:
        if tag == "script" and attrs.get("src") != "/static/wiki.js":
            found.append((tag, attrs))
        for name, value in attrs.items():
            if name.startswith("on") or (value or "").strip().lower().startswith("javascript:"):
                found.append((tag, attrs))
        if tag in ("iframe", "object", "embed", "style", "base"):
            found.append((tag, attrs))
    return found


def test_hostile_titles_and_bodies_come_back_escaped(client, auth, people, xss_payloads):
    for number, payload in enumerate(xss_payloads):
        factories.make_page(
            "hostile", f"zqx{number} {payload[:150]}", f"zqx{number} {payload}", people["member"]
        )
    auth.login("jill@example.com")
    pages_seen = 0
    for page_number in range(1, -(-len(xss_payloads) // 20) + 1):
        html = client.get(f"/search?q=zqx*&page={page_number}").get_data(as_text=True)
        pages_seen += html.count('class="search-hit"')
        assert _active_content(html) == []
    assert pages_seen == len(xss_payloads)  # every payload was shown, as text
    quick = client.get("/search/quick?q=zqx1").json["results"]
    assert quick and all(result["url"].startswith("/p/hostile/") for result in quick)


def test_search_pages_are_never_answered_from_the_page_cache(client, auth, wiki):
    auth.login("jill@example.com")
    assert "Nothing found" in client.get("/search?q=parking").get_data(as_text=True)
    # A document reaches the index without a change to the database: the content version,
    # which the page cache follows, stays the same, so only a fresh search can show it.
    permits = Document(
        key="page:999999",
        type="page",
        title="Parking permits",
        url="/p/finance/parking-permits",
        updated=datetime(2026, 1, 1),
        stamp="x",
        body="Ask facilities.",
    )
    indexer().index.write({permits.key: permits})
    assert "1 result" in client.get("/search?q=parking").get_data(as_text=True)
    # The first search was the one miss.
    assert len(db.session.scalars(select(SearchMiss)).all()) == 1


ODD_QUERIES = [
    "(",
    '"',
    "*",
    'NOT NOT "a b" x*',
    "(-) -( AND b",
    "a~2 b^3",
    "[a TO b]",
    "日本語*",
    "-",
    "invoice " * 1250,  # 10,000 characters
    "(" * 600 + "invoice" + ")" * 600,
    "the of and to",  # only stop words
    "?!.,;:@#$%^&*()[]{}<>/\\|~`'",  # only punctuation
    '"goods receipt',  # an unbalanced quote
    'goods" receipt"',
    "- -- - -",
    "* ** *",
    "a & | !b",  # tsquery syntax, typed
    "invoice:* & !goods",
    ":*",
    "'invoice' <-> 'goods'",
    "-invoice",
    "NOT goods OR -invoice",
    "ÿ" * 40 + "*",
]


def test_odd_query_syntax_gets_an_answer_not_an_error(client, auth, wiki, caplog):
    auth.login("jill@example.com")
    for text in ODD_QUERIES:
        response = client.get("/search", query_string={"q": text})
        assert response.status_code == 200, text
        assert "Search is being rebuilt" not in response.get_data(as_text=True), text
        quick = client.get("/search/quick", query_string={"q": text})
        assert quick.status_code == 200 and quick.is_json, text
    assert [r.getMessage() for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")] == []


def test_nul_bytes_in_a_query_are_read_as_replacement_characters(client, auth, wiki):
    auth.login("jill@example.com")
    response = client.get("/search", query_string={"q": "invoice\x00 goods"})
    assert response.status_code == 200  # as U+FFFD, which separates words like a space
    assert "/p/" in response.get_data(as_text=True)
    # Below the web layer (the CLI, other callers) they are dropped like any control character.
    assert services.search(wiki["member"], "goods\x00").results.total == 1


def test_field_syntax_cannot_reach_internal_fields(client, auth, wiki):
    auth.login("jill@example.com")
    html = client.get("/search", query_string={"q": "readers:*"}).get_data(as_text=True)
    assert "Nothing found" in html


def test_a_process_page_searches_within_itself(client, auth, wiki):
    auth.login("jill@example.com")
    html = client.get("/p/finance/payables").get_data(as_text=True)
    assert 'action="/search"' in html
    assert '<input type="hidden" name="process" value="finance/payables">' in html
