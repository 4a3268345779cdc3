"""The page editor in a real browser, with CSRF on: live preview, toolbar page link, Ctrl+S,
images pasted into a new page, drafts that survive a closed tab, and the question before
leaving with unsaved changes."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests import factories
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
