"""The phone layout: every main screen, as each role, at 390×844 — no sideways scroll (the
document no wider than the viewport), and no serious or critical axe-core violation.

One browser (pytest-playwright's, for the session) and one live server serve every role: each
role gets a fresh browser context on the same server, so the run costs one server start."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, expect

from tests import factories
from tests.browser.test_accessibility import (  # noqa: F401 (wiki_data is a fixture)
    PAGE,
    PROCESS,
    Screen,
    _blocking,
    _report,
    wiki_data,
)
from tests.factories import PASSWORD
from wiki.extensions import db

PHONE = {"width": 390, "height": 844}
# A transaction code with no place to break: it once widened a page to 4,400 px.
LONG_TITLE = "ZFI_3WM_TOLERANCE_CHECK_FOR_BLOCKED_INVOICES_WITH_FREIGHT_AND_PRICE_VARIANCE_2026"

# What the document's width is, and the elements that stick out to the right, for the message.
MEASURE = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const element of document.querySelectorAll('body *')) {
    const box = element.getBoundingClientRect();
    const scrolls = element.closest('.table-scroll, pre, .heatmap-scroll');
    if (box.right > width + 1 && !scrolls) {
      const name = `${element.tagName.toLowerCase()}.${element.className}`.slice(0, 80);
      wide.push(`${name} → ${Math.round(box.right)}`);
    }
  }
  return {scroll: document.documentElement.scrollWidth, width, wide: wide.slice(0, 6)};
}"""


def screens_for(role: str, ids: dict) -> list[Screen]:
    common = [
        Screen("home", "/"),
        Screen("process", f"/p/{PROCESS}"),
        Screen("page with a table", f"/p/{PAGE}"),
        Screen("page with a long title", f"/p/{ids['long_page']}"),
        Screen("recent changes", "/changes"),
        Screen("search results", "/search?q=match"),
        Screen("search with no results", "/search?q=photocopier+jam"),
        Screen("questions", "/questions/"),
        Screen("question thread", f"/questions/{ids['question']}"),
        Screen("ask an expert", f"/questions/ask?process={PROCESS}"),
        Screen("gaps", "/gaps/"),
        Screen("log a gap", f"/gaps/new?process={PROCESS}"),
        Screen("forums", "/forums/"),
        Screen("expertise map", "/people/map"),
        Screen("glossary", "/glossary/"),
        Screen("buddy dashboard", "/buddies/"),
        Screen("coaching", "/coaching/"),
        Screen("due for review", "/reviews"),
        Screen("watching", "/watching"),
        Screen("notifications", "/notifications/"),
        Screen("notification settings", "/notifications/preferences"),
        Screen("own profile", f"/people/{ids[role]}"),
        Screen("API tokens", "/account/tokens"),
    ]
    extra = {
        "newcomer": [Screen("my plan", f"/buddies/newcomers/{ids['newcomer']}")],
        "trainer": [
            Screen("gap report", "/gaps/report"),
            Screen("courses", "/courses/"),
            Screen("course", f"/courses/{ids['course']}"),
            Screen("search misses", "/search/misses"),
        ],
        "manager": [
            Screen("team", "/buddies/team"),
            Screen("assign a buddy", "/buddies/assign"),
            Screen("plan templates", "/buddies/templates"),
        ],
        "admin": [
            Screen("people", "/admin/users"),
            Screen("audit log", "/admin/audit"),
            Screen("gap report", "/gaps/report"),
            Screen("team", "/buddies/team"),
            Screen("coaching session", f"/coaching/{ids['coaching']}"),
            Screen("diff", f"/p/{PAGE}/+diff?from=1&to=2"),
            Screen("history", f"/p/{PAGE}/+history"),
        ],
    }
    return common + extra.get(role, [])


@pytest.fixture
def phone_data(wiki_data, people) -> dict:  # noqa: F811
    page = factories.make_page(PROCESS, LONG_TITLE, f"The code {LONG_TITLE} in a sentence.")
    path = page.path
    db.session.remove()
    return {**wiki_data, "long_page": path}


def test_every_main_screen_fits_a_phone_for_every_role(
    browser: Browser, live_server_url: str, phone_data: dict
):
    axe = Axe()
    failures: list[str] = []
    emails = {
        "newcomer": "jill@example.com",
        "member": "priya@example.com",
        "trainer": "carrie@example.com",
        "manager": "marty@example.com",
        "admin": "ada@example.com",
    }
    audited: set[str] = set()
    for role, email in emails.items():
        context = browser.new_context(viewport=PHONE, base_url=live_server_url)
        page = context.new_page()
        page.set_default_timeout(5000)
        page.goto("/login")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("button", name="Log out")).to_be_attached()
        for screen in screens_for(role, phone_data):
            response = page.goto(screen.url)
            if response is None or response.status != 200:
                failures.append(f"== {role}: {screen.name} ({screen.url}) answered {response}")
                continue
            measured = page.evaluate(MEASURE)
            if measured["scroll"] > measured["width"]:
                failures.append(
                    f"== {role}: {screen.name} ({screen.url}) is {measured['scroll']} px wide "
                    f"at {measured['width']}: {measured['wide']}"
                )
            # axe once per screen and role-specific content: the same template with the same
            # data audits the same.
            key = screen.url if screen.url not in ("/", f"/people/{phone_data[role]}") else role
            if key + screen.url in audited:
                continue
            audited.add(key + screen.url)
            violations = _blocking(axe.run(page).response)
            if violations:
                failures.append(f"{role}: " + _report(screen, violations))
        context.close()
    if failures:
        message = "screens that do not fit a phone:\n" + "\n".join(failures)
        print(message)
        pytest.fail(message, pytrace=False)


@pytest.mark.parametrize("script", [False, True], ids=["without script", "with script"])
def test_the_phone_menu_folds_away_and_opens(
    browser: Browser, live_server_url: str, people, script: bool
):
    context = browser.new_context(
        viewport=PHONE, base_url=live_server_url, java_script_enabled=script
    )
    page = context.new_page()
    page.goto("/login")
    page.get_by_label("Email").fill("jill@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    menu = page.get_by_role("navigation", name="Main")
    expect(menu).to_be_hidden()
    page.get_by_role("link" if not script else "button", name="Menu").click()
    expect(menu.get_by_role("link", name="Questions")).to_be_visible()
    box = menu.get_by_role("link", name="Questions").bounding_box()
    assert box is not None and box["height"] >= 44
    if script:
        expect(page.get_by_role("button", name="Menu")).to_have_attribute("aria-expanded", "true")
    context.close()
