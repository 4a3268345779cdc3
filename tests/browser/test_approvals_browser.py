"""Four eyes in a real browser, with CSRF on: a member's edit of a controlled page waits as a
change request (the page keeps its text), the approver approves it; axe checks the request,
the list and the control form on the way."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests import factories
from tests.browser.helpers import set_editor_text
from tests.browser.test_accessibility import _blocking
from wiki.approvals import rules
from wiki.processes import tree

BODY = "Call the supplier back on a known number.\n\nCheck the IBAN."


def test_an_edit_waits_for_approval_and_the_approver_approves_it(
    page: Page, live_server_url: str, login, people
):
    factories.make_process("finance", name="Finance")
    made = factories.make_page("finance", "Bank detail changes", BODY, people["manager"])
    rules.set_control(people["admin"], tree.get_process("finance"), [people["manager"]], None)
    axe, problems = Axe(), []

    login(page, "priya@example.com")
    page.goto(f"{live_server_url}/p/{made.path}/+edit")
    expect(page.locator(".notice").first).to_contain_text("a second person")
    set_editor_text(page, BODY + "\n\nFile the signed form.")
    with page.expect_navigation():
        page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".rendered-diff ins")).to_contain_text("File the signed form.")
    problems += _blocking(axe.run(page).response)
    page.goto(f"{live_server_url}/p/{made.path}")
    expect(page.locator(".page")).to_contain_text("1 change to this page is waiting")
    expect(page.locator(".page .prose").first).not_to_contain_text("signed form")

    page.get_by_role("button", name="Log out").click()
    login(page, "marty@example.com")
    page.goto(f"{live_server_url}/change-requests/")
    problems += _blocking(axe.run(page).response)
    page.locator(".change-requests a").first.click()
    page.get_by_role("button", name="Approve").click()
    expect(page.locator(".page .prose").first).to_contain_text("File the signed form.")
    page.goto(f"{live_server_url}/p/finance/+control")
    problems += _blocking(axe.run(page).response)
    assert problems == []
