"""Files in a real browser, with CSRF on: a screenshot pasted into the editor shows on the saved
page; a PDF dropped on the editor is listed and downloads; the hostile corpus uploaded through
the form runs no script in Chromium and is never shown as a page."""

from __future__ import annotations

import base64
import contextlib
import json
import re

import pytest
from playwright.sync_api import Error, Page, expect

from tests import factories
from tests.browser.helpers import editor_text, record_dialogs, set_editor_text
from tests.browser.test_xss_browser import FIND_ACTIVE_CONTENT
from tests.conftest import REPO
from wiki.extensions import db

HOSTILE = REPO / "tests" / "data" / "hostile"
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"

# Put a file on the page's clipboard or drag it over the editor, as the browser would.
GIVE_FILE = """([kind, b64, name, type]) => {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const data = new DataTransfer();
  data.items.add(new File([bytes], name, { type }));
  const field = document.querySelector("textarea[name=body]");
  let text = field;
  if (field.editor) {
    // The editor (editor.js): the cursor at the end, the event where CodeMirror listens.
    const cm = field.editor.codemirror;
    cm.focus();
    cm.setCursor(cm.lineCount(), 0);
    text = kind === "paste" ? cm.getInputField() : cm.getScrollerElement();
  } else {
    text.focus();
    text.setSelectionRange(text.value.length, text.value.length);
  }
  const init = { bubbles: true, cancelable: true };
  const event = kind === "paste"
    ? new ClipboardEvent("paste", { ...init, clipboardData: data })
    : new DragEvent("drop", { ...init, dataTransfer: data });
  text.dispatchEvent(event);
}"""


@pytest.fixture
def wiki_page(people) -> str:
    path = factories.make_page("p2p", "Three-way match", "Check the hold queue.").path
    db.session.remove()  # the live server's threads open sessions of their own
    return path


def _give(page: Page, kind: str, data: bytes, name: str, media_type: str) -> None:
    page.evaluate(GIVE_FILE, [kind, base64.b64encode(data).decode(), name, media_type])


def test_a_pasted_screenshot_shows_on_the_saved_page(page: Page, live_server_url, login, wiki_page):
    dialogs = record_dialogs(page)
    login(page, "priya@example.com")
    page.goto(f"{live_server_url}/p/{wiki_page}/+edit")
    screenshot = factories.image_bytes(120, 80, color=(20, 120, 200))
    _give(page, "paste", screenshot, "image.png", "image/png")
    # On a line of its own, a paragraph of its own, where the cursor was.
    expect(editor_text(page)).to_have_value(
        re.compile(r"Check the hold queue\.\n\n!\[screenshot-[\d-]+\]\(attachment:")
    )
    expect(page.locator(".editor-status")).to_contain_text("Uploaded")
    page.get_by_role("button", name="Save", exact=True).click()
    image = page.locator(".prose img")
    expect(image).to_have_count(1)
    expect(image).to_have_attribute("src", re.compile(r"^/files/[0-9a-f]{64}/"))
    # decode() waits for the image to load (it may still be on its way) and fails if it cannot.
    assert image.evaluate("img => img.decode().then(() => img.naturalWidth)") == 120
    assert dialogs == []


def test_a_dropped_pdf_is_listed_and_downloads(page: Page, live_server_url, login, wiki_page):
    login(page, "priya@example.com")
    page.goto(f"{live_server_url}/p/{wiki_page}/+edit")
    _give(page, "drop", PDF, "travel-policy.pdf", "application/pdf")
    expect(editor_text(page)).to_have_value(
        "Check the hold queue.\n\n[travel-policy.pdf](attachment:travel-policy.pdf)\n"
    )
    page.get_by_role("button", name="Save", exact=True).click()
    listed = page.locator(".page-files").get_by_role("link", name="travel-policy.pdf")
    expect(listed).to_be_visible()
    expect(page.locator(".page-files")).to_contain_text("PDF document")
    with page.expect_download() as download:
        page.locator(".prose").get_by_role("link", name="travel-policy.pdf").click()
    assert download.value.suggested_filename == "travel-policy.pdf"
    assert download.value.path().read_bytes() == PDF


def test_hostile_files_run_no_script_in_chromium(new_context, live_server_url, login, wiki_page):
    # The policy of the responses is bypassed: what keeps these files from running must be
    # their type, nosniff and Content-Disposition, not the CSP alone.
    page: Page = new_context(bypass_csp=True, accept_downloads=True).new_page()
    page.set_default_timeout(5000)
    dialogs = record_dialogs(page)
    login(page, "priya@example.com")
    corpus = json.loads((HOSTILE / "corpus.json").read_text())
    urls = {}
    for item in corpus:
        page.goto(f"{live_server_url}/p/{wiki_page}/attachments")
        page.get_by_label("Upload a file").set_input_files(str(HOSTILE / item["file"]))
        page.get_by_role("button", name="Upload", exact=True).click()
        if item["outcome"] == "refused":
            expect(page.locator(".error-summary")).to_contain_text(item["detail"])
        else:
            expect(page.locator(".flashes")).to_contain_text(f"Uploaded “{item['file']}”")
            link = page.locator(".attachment-history").get_by_role("link", name=item["file"])
            urls[item["file"]] = (link.get_attribute("href"), item["outcome"])
    # Every file referenced from the page, as an image and as a link.
    body = "\n\n".join(
        f"![{item['file']}](attachment:{item['file']}) [{item['file']}](attachment:{item['file']})"
        for item in corpus
    )
    page.goto(f"{live_server_url}/p/{wiki_page}/+edit")
    set_editor_text(page, body)
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_timeout(100)
    assert page.evaluate(FIND_ACTIVE_CONTENT) == []
    # Opened directly: images as images, the rest downloaded; never a document with script.
    for name, (url, outcome) in urls.items():
        if outcome == "inline":
            answer = page.goto(live_server_url + url)
            assert answer.headers["content-type"].startswith("image/"), name
            assert page.evaluate("document.contentType").startswith("image/"), name
            assert page.evaluate("document.scripts.length") == 0
        else:
            # A download is not a navigation: Chromium aborts it.
            with page.expect_download() as download, contextlib.suppress(Error):
                page.goto(live_server_url + url)
            assert download.value.suggested_filename == name
    for item in corpus:
        if item["outcome"] == "refused":
            answer = page.goto(f"{live_server_url}/p/{wiki_page}/attachments/{item['file']}")
            assert answer.status == 404, item["file"]
    assert dialogs == []
