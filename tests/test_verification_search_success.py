"""Search success on content health: per top process, the share of searches followed by
opening a result and the share that found nothing, counted from the results page and its
openings, with its CSV and chart."""

from __future__ import annotations

import re

import pytest

from tests import factories
from wiki.timeutil import utcnow
from wiki.verification import health

pytestmark = pytest.mark.search_backends("whoosh", "postgresql")


@pytest.fixture
def wiki(app, people):
    factories.make_process("finance/payables", name="Payables")
    factories.make_process("sales", name="Sales")
    factories.make_page("finance/payables", "Payment holds", "Release a hold.", people["member"])
    factories.make_page("sales", "Credit limits", "Raise a credit limit.", people["member"])
    return people


def search_and_open(client, query: str, process: str | None = None, open_first: bool = True):
    html = client.get("/search", query_string={"q": query, "process": process or ""}).text
    if open_first:
        ping = re.search(r'ping="([^"]+)"', html).group(1).replace("&amp;", "&")
        assert client.post(ping).status_code == 204
        assert client.post(ping).status_code == 204  # opened twice: one search still


def test_search_success_per_process(client, auth, wiki):
    auth.login("jill@example.com")
    search_and_open(client, "hold")  # Finance, by its best result: opened
    search_and_open(client, "release", open_first=False)  # Finance: not opened
    search_and_open(client, "credit")  # Sales: opened
    search_and_open(client, "limit", process="sales", open_first=False)  # Sales
    search_and_open(client, "photocopier", open_first=False)  # nothing: no process
    search_and_open(client, "toner", process="finance", open_first=False)  # nothing in Finance
    client.get("/search", query_string={"q": "hold", "page": 2})  # paging is no new search
    client.get("/search", query_string={"q": "hold", "counted": 1})  # shown again
    assert client.get("/api/v1/search?q=hold").status_code == 200  # no opening can follow
    report = health.content_health(utcnow())
    figures = {
        area.name: (area.searches, area.opened_share, area.empty_share)
        for area in [report.searches, *report.search_areas]
    }
    assert figures == {
        "All searches": (6, 2 / 6, 2 / 6),
        "Finance": (3, 1 / 3, 1 / 3),
        "Sales": (2, 0.5, 0.0),
        "No process": (1, 0.0, 1.0),
    }
    auth.logout()
    auth.login("carrie@example.com")
    page = client.get("/verification/health").text
    assert '<title id="search-title">' in page and "50 % opened" in page
    csv_text = client.get("/verification/health?format=csv").text
    assert "All searches,6,0.333,0.333" in csv_text and "No process,1,0.000,1.000" in csv_text
