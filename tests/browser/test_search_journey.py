"""One journey through search in a real browser, with CSRF on: a newcomer finds a page by the
start of its title (quick-find), then by a word of its body (the results page), searches for
something the wiki does not have, says a search did not help; a trainer then sees both misses."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests import factories
from tests.browser.helpers import record_dialogs
from wiki.extensions import db

PROCESS = "finance/accounts-payable"
PAGE_URL = f"/p/{PROCESS}/three-way-match"
BODY = (
    "## Matching\n\n"
    "Compare the purchase order, the goods receipt and the invoice. "
    "A price difference within the tolerance can be posted; anything above goes to your buddy."
)
MISSING = "photocopier jam"


def _header_search(page: Page):
    return page.get_by_role("banner").get_by_role("searchbox", name="Search the wiki")


def test_search_journey(page: Page, live_server_url: str, login, people):
    base = live_server_url
    factories.make_process(PROCESS, name="Accounts payable")
    factories.make_page(PROCESS, "Three-way match", BODY, tags="invoices")
    factories.make_page(PROCESS, "Invoice intake", "Scan, then register the invoice.")
    db.session.remove()
    dialogs = record_dialogs(page)
    login(page, "jill@example.com")

    # Quick-find: the start of a title offers the page, with its process trail.
    box = _header_search(page)
    box.press_sequentially("three-w")
    quick_find = page.locator("#quick-find")
    # Each key press asks the server again (debounced): on a machine busy with the other test
    # pass, the last answer has been seen to take longer than the default 5 s.
    expect(quick_find).to_be_visible(timeout=20_000)
    offered = quick_find.get_by_role("listitem")
    expect(offered).to_have_count(1)
    expect(offered.get_by_role("link", name="Three-way match")).to_have_attribute("href", PAGE_URL)
    expect(offered.locator(".quick-find-trail")).to_have_text("Finance › Accounts payable")

    # Down to the offered title, Enter follows it.
    box.press("ArrowDown")
    expect(offered.get_by_role("link", name="Three-way match")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(base + PAGE_URL)
    expect(page.get_by_role("heading", level=1)).to_have_text("Three-way match")

    # A word of the body, searched from the header box with Enter.
    _header_search(page).fill("tolerance")
    _header_search(page).press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?q=tolerance$"))
    expect(page.locator(".result-count")).to_have_text("1 result.")
    hit = page.locator(".search-hit")
    expect(hit).to_have_count(1)
    expect(hit.locator(".hit-title")).to_have_text("Three-way match")
    expect(hit.locator(".hit-snippet mark")).to_have_text(["tolerance"])
    trail = hit.locator(".hit-trail").get_by_role("link")
    expect(trail).to_have_text(["Finance", "Accounts payable"])
    expect(trail.last).to_have_attribute("href", f"/p/{PROCESS}")
    hit.get_by_role("link", name="Three-way match").click()
    expect(page).to_have_url(base + PAGE_URL)

    # Something the wiki does not have.
    _header_search(page).fill(MISSING)
    _header_search(page).press("Enter")
    expect(page.locator(".result-count")).to_have_text(f"Nothing found for “{MISSING}”.")
    expect(page.locator(".search-hit")).to_have_count(0)
    not_yet = page.get_by_role("region", name="Not written down yet?")
    expect(not_yet).to_contain_text("Your search has been noted for the trainers.")
    expect(page.get_by_role("button", name="None of these helped")).to_have_count(0)

    # Hits that did not help.
    _header_search(page).fill("tolerance")
    _header_search(page).press("Enter")
    expect(page.locator(".search-hit")).to_have_count(1)
    expect(page.get_by_role("region", name="Not written down yet?")).to_have_count(0)
    page.get_by_role("button", name="None of these helped").click()
    expect(page).to_have_url(re.compile(r"/search\?q=tolerance&missed=1&counted=1$"))
    expect(page.locator(".flashes")).to_contain_text(
        "Thanks: the trainers will see that this search did not help."
    )
    expect(page.locator(".search-hit")).to_have_count(1)
    expect(page.get_by_role("button", name="None of these helped")).to_have_count(0)
    expect(page.get_by_role("region", name="Not written down yet?")).to_be_visible()

    # A trainer sees both misses.
    page.get_by_role("button", name="Log out").click()
    login(page, "carrie@example.com")
    page.goto(f"{base}/search/misses")
    expect(page.get_by_role("heading", level=1)).to_have_text("Search misses")
    rows = page.locator("table.misses-table tbody tr")
    expect(rows).to_have_count(2)
    for query in (MISSING, "tolerance"):
        row = rows.filter(has=page.get_by_role("link", name=query, exact=True))
        expect(row.locator("td.number")).to_have_text(["1", "1"])
    missing_link = page.get_by_role("link", name=MISSING, exact=True)
    expect(missing_link).to_have_attribute("href", re.compile(r"^/search\?q=photocopier"))

    assert dialogs == [], f"unexpected JS dialogs: {dialogs}"
