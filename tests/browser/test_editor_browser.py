"""The page editor in a real browser, with CSRF on: live preview, toolbar page link, Ctrl+S,
images pasted into a new page, drafts that survive a closed tab, and the question before
leaving with unsaved changes."""

from __future__ import annotations

import base64
import re

import pytest
from playwright.sync_api import Page, expect

from tests import factories
from tests.browser.helpers import editor_text, record_dialogs
from wiki.extensions import db


@pytest.fixture
def wiki_page(people) -> str:
    factories.make_page("p2p", "Vendor list", "Where the vendor list lives.")
    path = factories.make_page("p2p", "Three-way match", "Check the hold queue.").path
    db.session.remove()  # the live server's threads open sessions of their own
    return path


def _open_editor(page: Page, url: str) -> None:
    page.goto(url)
    expect(page.locator(".EasyMDEContainer .CodeMirror")).to_be_visible()


def _type_in_editor(page: Page, text: str) -> None:
    page.locator(".CodeMirror").click()
    page.keyboard.press("Control+End")
    page.keyboard.type(text)


def test_typing_updates_the_preview_without_a_navigation(
    page: Page, live_server_url, login, wiki_page
):
    login(page, "priya@example.com")
    _open_editor(page, f"{live_server_url}/p/{wiki_page}/+edit")
    preview = page.locator("#editor-preview .prose")
    expect(preview).to_contain_text("Check the hold queue.")
    navigations = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    _type_in_editor(page, "\n\n## Exceptions\n\nA **blocked** invoice waits.")
    expect(preview.locator("h2")).to_have_text("Exceptions")
    expect(preview.locator("strong")).to_have_text("blocked")
    assert navigations == []


def test_ctrl_s_saves(page: Page, live_server_url, login, wiki_page):
    dialogs = record_dialogs(page)
    login(page, "priya@example.com")
    _open_editor(page, f"{live_server_url}/p/{wiki_page}/+edit")
    _type_in_editor(page, "\n\nSaved with the keyboard.")
    page.keyboard.press("Control+s")
    expect(page).to_have_url(f"{live_server_url}/p/{wiki_page}")
    expect(page.locator(".flashes")).to_contain_text("Saved.")
    expect(page.locator(".prose")).to_contain_text("Saved with the keyboard.")
    assert dialogs == []  # saving is not leaving: no question asked


def test_a_pasted_image_in_a_new_page_is_saved_with_it(page: Page, live_server_url, login, people):
    factories.make_process("p2p")
    db.session.remove()
    login(page, "priya@example.com")
    _open_editor(page, f"{live_server_url}/p/p2p/+new")
    page.get_by_label("Title").fill("Hold queue")
    _type_in_editor(page, "The queue:")
    screenshot = base64.b64encode(factories.image_bytes(90, 60)).decode()
    page.evaluate(
        """(b64) => {
          const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
          const data = new DataTransfer();
          data.items.add(new File([bytes], "image.png", { type: "image/png" }));
          const cm = document.querySelector("textarea[name=body]").editor.codemirror;
          cm.getInputField().dispatchEvent(new ClipboardEvent("paste",
            { bubbles: true, cancelable: true, clipboardData: data }));
        }""",
        screenshot,
    )
    expect(editor_text(page)).to_have_value(
        re.compile(r"^The queue:\n\n!\[screenshot-[\d-]+\]\(attachment:screenshot-[\d-]+\.png\)\n$")
    )
    expect(page.locator(".editor-status")).to_contain_text("Uploaded")
    # The preview shows the image before the page exists.
    expect(page.locator("#editor-preview img")).to_have_attribute("src", re.compile("^/files/"))
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page).to_have_url(f"{live_server_url}/p/p2p/hold-queue")
    image = page.locator(".prose img")
    assert image.evaluate("img => img.decode().then(() => img.naturalWidth)") == 90


def test_a_refused_file_says_why_and_leaves_the_text_alone(
    page: Page, live_server_url, login, wiki_page
):
    login(page, "priya@example.com")
    _open_editor(page, f"{live_server_url}/p/{wiki_page}/+edit")
    page.evaluate(
        """() => {
          const data = new DataTransfer();
          data.items.add(new File(["<html>hi</html>"], "page.png", { type: "image/png" }));
          const cm = document.querySelector("textarea[name=body]").editor.codemirror;
          cm.getInputField().dispatchEvent(new ClipboardEvent("paste",
            { bubbles: true, cancelable: true, clipboardData: data }));
        }"""
    )
    expect(page.locator(".editor-status")).to_contain_text("“page.png” was not uploaded:")
    expect(page.locator(".editor-progress")).to_be_hidden()
    expect(editor_text(page)).to_have_value("Check the hold queue.")


def test_a_closed_tab_leaves_a_draft_that_is_offered_and_restored(
    page: Page, browser, live_server_url, login, wiki_page
):
    login(page, "priya@example.com")
    _open_editor(page, f"{live_server_url}/p/{wiki_page}/+edit")
    _type_in_editor(page, "\n\nHalf a thought about blocked invoices")
    expect(page.locator(".editor-status")).to_contain_text("Draft saved", timeout=10_000)
    second = page.context.new_page()
    page.close()  # mid-edit, without saving
    _open_editor(second, f"{live_server_url}/p/{wiki_page}/+edit")
    offer = second.locator(".draft-offer")
    expect(offer).to_contain_text("You have unsaved text from")
    offer.locator("summary").click()
    expect(offer.locator("tr.diff-added")).to_contain_text(
        ["Half a thought about blocked invoices"]
    )
    offer.get_by_role("link", name="Restore the draft").click()
    expect(editor_text(second)).to_have_value(
        "Check the hold queue.\n\nHalf a thought about blocked invoices"
    )
    expect(second.locator(".draft-offer")).to_have_count(0)
    second.get_by_role("button", name="Save", exact=True).click()
    expect(second.locator(".prose")).to_contain_text("Half a thought")
    # Saved: the draft is gone, nothing is offered again.
    _open_editor(second, f"{live_server_url}/p/{wiki_page}/+edit")
    expect(second.locator(".draft-offer")).to_have_count(0)


def test_a_draft_of_a_page_from_a_question_is_offered_again_from_the_question(
    page: Page, live_server_url, login, people
):
    question = factories.make_answered_question(
        people["newcomer"], "p2p", "Blocked vendors", "Call vendor master data."
    )
    editor = f"{live_server_url}/questions/{question.id}/new-page"
    db.session.remove()
    login(page, "noor@example.com")
    _open_editor(page, editor)
    _type_in_editor(page, "\n\nThen release the block")
    expect(page.locator(".editor-status")).to_contain_text("Draft saved", timeout=10_000)
    second = page.context.new_page()
    page.close()  # mid-edit, without saving
    _open_editor(second, f"{live_server_url}/p/p2p/+new")
    expect(second.locator(".draft-offer")).to_have_count(0)  # another page: not its draft
    _open_editor(second, editor)
    second.locator(".draft-offer").get_by_role("link", name="Restore the draft").click()
    expect(editor_text(second)).to_have_value(re.compile(r"Then release the block$"))
    expect(second.locator("main")).to_contain_text("Pre-filled from the question")
    second.get_by_role("button", name="Save", exact=True).click()
    expect(second.locator(".prose")).to_contain_text("Then release the block")
    _open_editor(second, editor)
    expect(second.locator(".draft-offer")).to_have_count(0)


def test_leaving_with_unsaved_changes_asks_first(page: Page, live_server_url, login, wiki_page):
    login(page, "priya@example.com")
    _open_editor(page, f"{live_server_url}/p/{wiki_page}/+edit")
    asked = []

    def on_dialog(dialog) -> None:
        asked.append(dialog.type)
        dialog.dismiss()  # stay on the page

    page.on("dialog", on_dialog)
    _type_in_editor(page, " Not saved yet.")
    page.close(run_before_unload=True)
    page.wait_for_timeout(300)
    assert asked == ["beforeunload"]
    assert not page.is_closed()


def test_the_toolbar_page_link_inserts_a_working_wiki_link(
    page: Page, live_server_url, login, wiki_page
):
    login(page, "priya@example.com")
    _open_editor(page, f"{live_server_url}/p/{wiki_page}/+edit")
    _type_in_editor(page, "\n\nSee ")
    page.get_by_role("button", name="Link to a page").click()
    picker = page.get_by_role("dialog", name="Link to a page")
    picker.get_by_label("Page title").fill("vend")
    picker.get_by_role("button", name="Vendor list").click()
    expect(picker).to_be_hidden()
    expect(editor_text(page)).to_have_value("Check the hold queue.\n\nSee [[Vendor list]]")
    link = page.locator("#editor-preview a", has_text="Vendor list")
    expect(link).to_have_attribute("href", "/p/p2p/vendor-list")
    expect(link).to_have_class("wikilink")  # resolves: the page exists
    page.keyboard.press("Control+s")
    page.locator(".prose a", has_text="Vendor list").click()
    expect(page).to_have_url(f"{live_server_url}/p/p2p/vendor-list")


def test_ctrl_k_opens_the_page_picker(page: Page, live_server_url, login, wiki_page):
    login(page, "priya@example.com")
    _open_editor(page, f"{live_server_url}/p/{wiki_page}/+edit")
    page.locator(".CodeMirror").click()
    page.keyboard.press("Control+k")
    expect(page.get_by_role("dialog", name="Link to a page")).to_be_visible()
