"""Every payload of the XSS corpora in tests/data/xss, rendered by Chromium: in page bodies (about
20 to a page), and a spread of them as page titles. No JS dialog may open, and no script may
end up in the document other than the app's own wiki.js.

The browser context bypasses the Content-Security-Policy on purpose: the CSP would block inline
script anyway, and this test is about the HTML the app produces (bleach and template escaping), so
it must not pass merely because the CSP is there."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests import factories
from tests.browser.helpers import record_dialogs
from tests.conftest import around
from wiki.extensions import db
from wiki.processes.paths import slugify

PER_PAGE = 20
TITLE_COUNT = 10
MAX_TITLE = 200
BODIES = "xss/bodies"
TITLES = "xss/titles"

# Run in the page after load: everything that could execute script, listed for the assertion.
FIND_ACTIVE_CONTENT = """() => {
  const URL_ATTRIBUTES = ['href', 'src', 'srcset', 'action', 'formaction', 'xlink:href', 'data',
                          'background', 'poster', 'codebase', 'dynsrc', 'lowsrc'];
  const found = [];
  // The site's own scripts; the editor's two load on the editor's screens only.
  const OWN_SCRIPTS = ['/static/wiki.js', '/static/editor.js',
                       '/static/vendor/easymde/easymde.min.js'];
  for (const script of document.scripts) {
    if (!script.src || !OWN_SCRIPTS.includes(new URL(script.src).pathname)) {
      found.push('script: ' + script.outerHTML.slice(0, 200));
    }
  }
  for (const element of document.querySelectorAll('.prose, .prose *')) {
    for (const attribute of element.attributes) {
      const name = attribute.name.toLowerCase();
      const value = attribute.value.replace(/[\\s\\u0000-\\u001f]/g, '').toLowerCase();
      if (name.startsWith('on')) {
        found.push('handler: ' + element.outerHTML.slice(0, 200));
      } else if (URL_ATTRIBUTES.includes(name) && /^(javascript|vbscript|data):/.test(value)) {
        found.push('url: ' + element.outerHTML.slice(0, 200));
      }
    }
  }
  for (const tag of ['iframe', 'object', 'embed', 'frame', 'base', 'form', 'style', 'svg']) {
    for (const element of document.querySelectorAll('.prose ' + tag)) {
      found.push(tag + ': ' + element.outerHTML.slice(0, 200));
    }
  }
  return found;
}"""


def _title_payloads(payloads: list[str]) -> list[str]:
    """About TITLE_COUNT payloads spread over the corpus that the app accepts as titles: at most
    200 characters once whitespace is collapsed, a letter or digit, and distinct slugs."""
    eligible = [
        p
        for p in payloads
        if len(" ".join(p.split())) <= MAX_TITLE and re.search(r"[A-Za-z0-9]", p) and slugify(p)
    ]
    step = max(len(eligible) // TITLE_COUNT, 1)
    chosen: dict[str, str] = {}
    for payload in eligible[::step] + eligible:
        if len(chosen) == TITLE_COUNT:
            break
        chosen.setdefault(slugify(" ".join(payload.split())), payload)
    return list(chosen.values())


@pytest.fixture
def xss_pages(people, xss_payloads: list[str]) -> dict[str, list[str]]:
    body_paths = []
    for start in range(0, len(xss_payloads), PER_PAGE):
        chunk = xss_payloads[start : start + PER_PAGE]
        number = start // PER_PAGE + 1
        body = f"Payloads {start + 1} to {start + len(chunk)}.\n\n" + "\n\n".join(chunk)
        body_paths.append(factories.make_page(BODIES, f"XSS body {number}", body).path)
    titles = _title_payloads(xss_payloads)
    title_paths = [
        factories.make_page(TITLES, title, "A page whose title is a payload.").path
        for title in titles
    ]
    db.session.remove()
    assert len(body_paths) * PER_PAGE >= len(xss_payloads) and len(title_paths) == TITLE_COUNT
    return {"bodies": body_paths, "titles": title_paths, "title_texts": titles}


def test_xss_payloads_do_not_run_in_the_browser(
    new_context, live_server_url: str, login, xss_pages: dict[str, list[str]]
):
    page: Page = new_context(bypass_csp=True).new_page()
    page.set_default_timeout(5000)
    dialogs = record_dialogs(page)
    login(page, "priya@example.com")

    # Page title -> the <h1> text expected there: titles are shown as text, never as markup.
    headings = {
        f"/p/{path}": " ".join(title.split())
        for path, title in zip(xss_pages["titles"], xss_pages["title_texts"], strict=True)
    }
    urls = [f"/p/{path}" for path in xss_pages["bodies"]] + list(headings)
    urls += [f"/p/{path}/+edit" for path in xss_pages["bodies"]]  # the raw text in a <textarea>
    urls += [f"/p/{TITLES}", f"/p/{xss_pages['titles'][0]}/+history", "/changes", "/"]

    problems: dict[str, list[str]] = {}
    for url in urls:
        response = page.goto(live_server_url + url, wait_until="load")
        assert response is not None and response.status == 200, url
        page.wait_for_timeout(50)  # let load-time handlers (onerror, onbegin, ...) fire
        found = page.evaluate(FIND_ACTIVE_CONTENT)
        if page.locator(".prose script").count():
            found.append("a <script> inside .prose")
        if found:
            problems[url] = found
        if url in headings:
            expect(page.get_by_role("heading", level=1)).to_have_text(headings[url])
    assert dialogs == [], f"JS dialogs opened: {dialogs}"
    assert problems == {}, "active content in rendered pages:\n" + "\n".join(
        f"{url}:\n  " + "\n  ".join(items) for url, items in problems.items()
    )


def test_the_checks_would_see_a_payload_that_runs(new_context):
    """Guards the test above against passing vacuously: under the app's own CSP header, with the
    bypass, an unsanitised payload does open a dialog and is found by FIND_ACTIVE_CONTENT."""
    from wiki.security import CONTENT_SECURITY_POLICY

    page: Page = new_context(bypass_csp=True).new_page()
    dialogs = record_dialogs(page)
    page.route(
        "http://wiki.invalid/",
        lambda route: route.fulfill(
            status=200,
            headers={
                "Content-Type": "text/html",
                "Content-Security-Policy": CONTENT_SECURITY_POLICY,
            },
            body='<div class="prose"><img src="data:," onerror="alert(1)">'
            "<script>alert(2)</script></div>",
        ),
    )
    page.goto("http://wiki.invalid/")
    page.wait_for_timeout(50)
    assert sorted(dialogs) == ["alert: 1", "alert: 2"]
    assert len(page.evaluate(FIND_ACTIVE_CONTENT)) == 3


def test_text_around_hostile_markup_stays_on_the_page(
    app, new_context, live_server_url: str, login, people, text_keeping_payloads: list[str]
):
    """Each payload between two sentences, saved through the page form (so a NUL arrives as
    typed): both sentences are in the served page and in what Chromium shows."""
    factories.make_process("keeping")
    writer = app.test_client()
    writer.post(
        "/login",
        data={
            "email": "priya@example.com",
            "password": factories.PASSWORD,
            "csrf_token": _token(writer, "/login"),
        },
    )
    token = _token(writer, "/p/keeping/+new")
    cases = []
    for number, payload in enumerate(text_keeping_payloads):
        body, before, after = around(payload, number)
        saved = writer.post(
            "/p/keeping/+new",
            data={"title": f"Keeping {number}", "body": body, "csrf_token": token},
        )
        assert saved.status_code == 302, payload
        served = writer.get(saved.location).get_data(as_text=True)
        assert served.count(before) == 2 and served.count(after) == 2, payload
        cases.append((saved.location, payload, before, after))

    page: Page = new_context(bypass_csp=True).new_page()
    dialogs = record_dialogs(page)
    login(page, "jill@example.com")
    lost, active = {}, {}
    for address, payload, before, after in cases:
        page.goto(live_server_url + address, wait_until="load")
        shown = " ".join(page.inner_text(".prose").split())
        if shown.count(before) != 2 or shown.count(after) != 2:
            lost[payload] = shown[:300]
        if found := page.evaluate(FIND_ACTIVE_CONTENT):
            active[payload] = found
    assert dialogs == []
    assert lost == {} and active == {}


def _token(client, address: str) -> str:
    """The CSRF token of the form at this address, as a browser would submit it."""
    html = client.get(address).get_data(as_text=True)
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)
