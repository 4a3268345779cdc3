"""One journey through the editing screens in a real browser, with CSRF on:
a manager creates a process and pages (a wiki link to a page not written yet, then written),
edits, compares revisions, and meets an edit conflict with a member editing at the same time."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from tests.browser.helpers import editor_text, record_dialogs, set_editor_text

FIRST_BODY = "Welcome to the team.\n\nRead [[Other page]] before your first month-end."
ADDED_LINE = "Ask your buddy for the vendor list on day two."
PRIYA_LINE = "Priya: the vendor list moved to the shared drive."
MARTY_LINE = "Marty: the vendor list is in the ERP now, not on a drive."


def _fill_editor(page: Page, body: str, summary: str, title: str | None = None) -> None:
    if title is not None:
        page.get_by_label("Title").fill(title)
    set_editor_text(page, body)
    page.get_by_label("Summary of your change").fill(summary)


def _save(page: Page) -> None:
    page.get_by_role("button", name="Save", exact=True).click()


def test_editing_journey(page: Page, browser: Browser, live_server_url: str, login, people):
    base = live_server_url
    dialogs = record_dialogs(page)
    login(page, "marty@example.com")

    # A top-level process, through the UI.
    page.get_by_role("link", name="Create the first one").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New top-level process")
    page.get_by_label("Name").fill("Supplier onboarding")
    page.get_by_label("Description (markdown)").fill("How we bring a new **supplier** on board.")
    _save(page)
    expect(page).to_have_url(f"{base}/p/supplier-onboarding")
    expect(page.get_by_role("heading", level=1)).to_have_text("Supplier onboarding")
    expect(page.locator(".flashes")).to_contain_text("Created the process")

    # A page whose wiki link points at a page that does not exist yet.
    page.get_by_role("link", name="New page", exact=True).click()
    _fill_editor(page, FIRST_BODY, "First version", title="First steps")
    _save(page)
    expect(page).to_have_url(f"{base}/p/supplier-onboarding/first-steps")
    expect(page.get_by_role("heading", level=1)).to_have_text("First steps")
    missing = page.locator(".prose a", has_text="Other page")
    expect(missing).to_have_class(re.compile(r"\bwikilink-missing\b"))

    # Following the missing link offers to create that page, title filled in.
    missing.click()
    expect(page).to_have_url(re.compile(r"/p/supplier-onboarding/\+new\?title=Other"))
    expect(page.get_by_label("Title")).to_have_value("Other page")
    _fill_editor(page, "The other page, written at last.", "Created from a link")
    _save(page)
    expect(page).to_have_url(f"{base}/p/supplier-onboarding/other-page")
    backlinks = page.locator(".page-aside")
    expect(backlinks.get_by_role("link", name="First steps")).to_be_visible()

    # Back on the first page the (re-rendered) link now resolves.
    backlinks.get_by_role("link", name="First steps").click()
    expect(page).to_have_url(f"{base}/p/supplier-onboarding/first-steps")
    resolved = page.locator(".prose a", has_text="Other page")
    expect(resolved).to_have_class("wikilink")
    expect(resolved).to_have_attribute("href", "/p/supplier-onboarding/other-page")

    # Revision 2.
    page.get_by_role("link", name="Edit", exact=True).click()
    expect(editor_text(page)).to_have_value(FIRST_BODY)
    _fill_editor(page, f"{FIRST_BODY}\n\n{ADDED_LINE}", "Added the vendor list")
    _save(page)
    expect(page.locator(".flashes")).to_contain_text("Saved.")
    expect(page.locator(".prose")).to_contain_text(ADDED_LINE)
    expect(page.locator(".page-meta")).to_contain_text("(revision 2)")

    # History: compare revisions 1 and 2.
    page.get_by_role("link", name="History", exact=True).click()
    expect(page.locator("table.history tbody tr")).to_have_count(2)
    page.get_by_label("Compare from revision 1").check()
    page.get_by_label("Compare to revision 2").check()
    page.get_by_role("button", name="Compare selected revisions").click()
    expect(page).to_have_url(re.compile(r"/first-steps/\+diff\?"))
    assert sorted(page.url.split("?", 1)[1].split("&")) == ["from=1", "to=2"]
    expect(page.locator("table.diff tr.diff-added")).to_contain_text([ADDED_LINE])
    expect(page.locator("table.diff tr.diff-removed")).to_have_count(0)

    # An edit conflict: Priya (second context) and Marty both start from revision 2.
    edit_url = f"{base}/p/supplier-onboarding/first-steps/+edit"
    other_context = browser.new_context()
    try:
        priya = other_context.new_page()
        priya_dialogs = record_dialogs(priya)
        login(priya, "priya@example.com")
        priya.goto(edit_url)
        page.goto(edit_url)
        for editor in (priya, page):
            expect(editor.locator("input[name=base_revision]")).to_have_value("2")

        _fill_editor(priya, f"{FIRST_BODY}\n\n{ADDED_LINE}\n\n{PRIYA_LINE}", "Priya's note")
        _save(priya)
        expect(priya.locator(".prose")).to_contain_text(PRIYA_LINE)
        expect(priya.locator(".page-meta")).to_contain_text("(revision 3)")
        assert priya_dialogs == []
    finally:
        other_context.close()

    marty_body = f"{FIRST_BODY}\n\n{MARTY_LINE}"
    _fill_editor(page, marty_body, "Marty's correction")
    # The form's answer, not the live preview's or a draft's (/editor/...), sent meanwhile.
    saved = lambda response: response.request.method == "POST" and "/editor/" not in response.url  # noqa: E731
    with page.expect_response(saved) as answer:
        _save(page)
    assert answer.value.status == 409
    expect(page.get_by_role("heading", level=1)).to_contain_text("Edit conflict")
    theirs = page.locator("section[aria-labelledby=theirs-heading] table.diff")
    expect(theirs.locator("tr.diff-added")).to_contain_text([PRIYA_LINE])
    expect(editor_text(page)).to_have_value(marty_body)
    expect(page.get_by_label("Summary of your change")).to_have_value("Marty's correction")
    expect(page.locator("input[name=base_revision]")).to_have_value("3")

    # Saving again wins: revision 4 holds Marty's text.
    _save(page)
    expect(page).to_have_url(f"{base}/p/supplier-onboarding/first-steps")
    expect(page.locator(".prose")).to_contain_text(MARTY_LINE)
    expect(page.locator(".prose")).not_to_contain_text(PRIYA_LINE)
    expect(page.locator(".page-meta")).to_contain_text("(revision 4)")
    page.get_by_role("link", name="History", exact=True).click()
    rows = page.locator("table.history tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.first).to_contain_text("Marty Manager")
    expect(rows.nth(1)).to_contain_text("Priya Member")

    assert dialogs == [], f"unexpected JS dialogs: {dialogs}"
