"""The "ask the right peer" loop in a real browser, with CSRF on: a newcomer asks from a page;
the expert sees the bell, answers, and turns the answer into a section of the page; the
newcomer marks the question answered and reads the answer on the page."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from tests.browser.helpers import record_dialogs
from tests.factories import make_page, make_process
from wiki.extensions import db
from wiki.people.models import Expertise

QUESTION = "Which tolerance applies to a price variance?"
ANSWER = "Two percent, and above that the buyer approves."


def test_a_newcomer_asks_and_finds_the_answer_on_the_page(
    page: Page, browser: Browser, live_server_url: str, login, people
):
    base = live_server_url
    expert = people["member"]
    process = make_process("p2p/invoices", "Invoice processing")
    db.session.add(
        Expertise(person=expert, process=process, level="expert", ask_me_about="Tolerances")
    )
    db.session.commit()
    wiki_page = make_page(process, "Three-way match", "Match the order, receipt and invoice.")
    dialogs = record_dialogs(page)

    # The newcomer asks from the page; the expert is suggested and chosen already.
    login(page, "jill@example.com")
    page.goto(f"{base}/p/{wiki_page.path}")
    expect(page.locator(".experts-panel")).to_contain_text("Priya Member")
    page.get_by_role("link", name="Ask an expert about Invoice processing").click()
    expect(page.get_by_label(re.compile("Priya Member"))).to_be_checked()
    page.get_by_label("Your question in one line").fill(QUESTION)
    page.get_by_label("Details (markdown)").fill("The page says *match*, but how close?")
    page.get_by_role("button", name="Send the question").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(QUESTION)
    question_url = page.url

    # The expert sees the bell, opens the notification and answers.
    expert_context = browser.new_context()
    expert_page = expert_context.new_page()
    login(expert_page, "priya@example.com")
    bell = expert_page.get_by_role("link", name="Notifications, 1 unread")
    expect(bell).to_be_visible()
    bell.click()
    expert_page.get_by_role("button", name=f"Unread: Jill Newcomer asked you: {QUESTION}").click()
    expect(expert_page).to_have_url(question_url)
    expect(expert_page.get_by_role("link", name="Notifications", exact=True)).to_be_visible()
    expert_page.get_by_label("Your answer").fill(ANSWER)
    expert_page.get_by_role("button", name="Post answer").click()
    expect(expert_page.locator(".post-answer")).to_contain_text(ANSWER)

    # ...and turns the exchange into a section of the page it was asked from.
    expect(expert_page.get_by_label("Add to the page")).to_have_value(str(wiki_page.id))
    expert_page.get_by_role("button", name="Append as a section").click()
    expect(expert_page).to_have_url(re.compile(rf"/p/{wiki_page.path}#"))
    expect(expert_page.locator(".flashes")).to_contain_text("Added the exchange")
    expert_context.close()

    # The newcomer hears of the answer, marks the question answered, and reads it on the page.
    page.goto(f"{base}/")
    page.get_by_role("link", name=re.compile(r"Notifications, \d unread")).click()
    page.get_by_role("button", name=f"Unread: Priya Member answered: {QUESTION}").click()
    expect(page).to_have_url(re.compile(re.escape(question_url)))
    page.get_by_role("button", name="Mark answered").click()
    expect(page.locator(".flashes")).to_be_visible()
    page.goto(f"{base}/p/{wiki_page.path}")
    prose = page.locator(".prose")
    expect(prose.get_by_role("heading", name=QUESTION)).to_be_visible()
    expect(prose).to_contain_text(ANSWER)
    expect(prose).to_contain_text("Priya Member")
    expect(prose.get_by_role("link", name=re.compile("question", re.I)).first).to_have_attribute(
        "href", re.compile(r"/questions/\d+")
    )
    assert dialogs == []
