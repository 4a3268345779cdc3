"""Comments in a real browser, with CSRF on: a member selects a passage of a page, comments
on it, the owner replies and resolves the discussion."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests import factories


def test_comment_on_a_selected_passage_and_resolve_it(
    page: Page, live_server_url: str, login, people
):
    factories.make_process("p2p", name="Procure to pay")
    made = factories.make_page(
        "p2p", "Three-way match", "Match the order.\n\nTolerance is two per cent.", people["member"]
    )
    login(page, "jill@example.com")
    page.goto(f"{live_server_url}/p/{made.path}")
    expect(page.get_by_role("heading", name="Comments")).to_contain_text("0 open")
    # Select the second paragraph's words, as a reader would with the mouse.
    page.evaluate(
        """() => {
            const paragraph = document.querySelectorAll('.page > .prose p')[1];
            const range = document.createRange();
            range.selectNodeContents(paragraph);
            const selection = document.getSelection();
            selection.removeAllRanges();
            selection.addRange(range);
        }"""
    )
    page.get_by_role("button", name="Comment on the selected text").click()
    expect(page.locator("#comment-quote")).to_have_value("Tolerance is two per cent.")
    page.locator("#comment-body").fill("Since when, @priya?")
    page.get_by_role("button", name="Comment", exact=True).click()
    thread = page.locator(".comment-thread")
    expect(thread.locator(".comment-quote")).to_contain_text("Tolerance is two per cent.")
    expect(thread).to_contain_text("Since when, @priya?")
    expect(page.get_by_role("heading", name="Comments")).to_contain_text("1 open")

    page.get_by_role("button", name="Log out").click()
    login(page, "priya@example.com")
    page.goto(f"{live_server_url}/p/{made.path}")
    page.locator(".comment-reply summary").click()
    page.get_by_label("Your reply").fill("Since March.")
    page.get_by_role("button", name="Reply", exact=True).click()
    expect(page.locator(".comment-thread")).to_contain_text("Since March.")
    page.get_by_role("button", name="Resolve").click()
    expect(page.get_by_role("heading", name="Comments")).to_contain_text("0 open, 1 resolved")
    expect(page.locator(".comment-thread")).to_contain_text("Resolved by Priya Member")
