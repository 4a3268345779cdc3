"""A buddy's week in a real browser, with CSRF on: the manager assigns a buddy with a plan
template; the buddy's dashboard shows the newcomer behind; the buddy introduces her to an
expert; she reads a page (ticking its item), meets the expert (ticking "meet an expert"), and
the dashboard shows her progress; then the buddy records a coaching session with her that
opens by reviewing the plan of their last one."""

from __future__ import annotations

import re
from datetime import date, timedelta

from playwright.sync_api import Browser, Page, expect

from tests.browser.helpers import record_dialogs
from tests.factories import make_page, make_user
from wiki.buddies import plans
from wiki.coaching import services as coaching
from wiki.extensions import db


def test_a_buddys_week(page: Page, browser: Browser, live_server_url: str, login, people):
    base = live_server_url
    dialogs = record_dialogs(page)
    jill = people["newcomer"]
    jill.start_date = date.today() - timedelta(days=3)
    db.session.commit()
    noor = make_user(email="noor@example.com", name="Noor Expert")
    wiki_page = make_page("p2p/invoices", "Three-way match", "Match the three documents.")
    template = plans.create_template(people["trainer"], "AP analyst", "Accounts payable")
    for kind, extra, due in (
        ("read_page", {"page_path": wiki_page.path}, "1"),
        ("meet_expert", {"process_path": "p2p/invoices"}, "3"),
        ("custom", {"title": "Shadow a payment run"}, "15"),
    ):
        draft = plans.ItemDraft(kind, due=due, **extra)
        plans.add_template_item(people["trainer"], template, draft)

    # Last week Priya coached Jill, who accepted the record; the plan was for Jill to ask Noor
    # about tolerances.
    last_week = coaching.record_session(
        people["member"],
        coaching.SessionDraft(
            partner_id=jill.id,
            my_role="coach",
            held_on=(date.today() - timedelta(days=7)).isoformat(),
            outcome_wanted="Jill knows whom to ask.",
            actions=[
                coaching.ActionDraft(
                    "Ask Noor about tolerances", "partner", date.today().isoformat()
                )
            ],
        ),
    )
    coaching.answer_session(jill, last_week, accept=True)

    # The manager assigns Priya as Jill's buddy, with the AP plan.
    login(page, "marty@example.com")
    page.goto(f"{base}/buddies/assign")
    page.get_by_label("Newcomer").select_option(value=str(jill.id))
    page.get_by_role("combobox", name="Buddy", exact=True).select_option(label="Priya Member")
    page.get_by_label("Onboarding plan").select_option(value=str(template.id))
    page.get_by_role("button", name="Assign").click()
    expect(page.locator(".flashes")).to_contain_text("Priya Member is Jill Newcomer's buddy")
    expect(page.locator(".plan-item")).to_have_count(3)

    # Priya's dashboard: Jill, day 4, behind (the reading and the meeting are overdue).
    buddy_context = browser.new_context()
    buddy = buddy_context.new_page()
    login(buddy, "priya@example.com")
    buddy.get_by_role("link", name="Buddies").click()
    card = buddy.locator(".newcomer-card", has_text="Jill Newcomer")
    expect(card).to_contain_text("day 4 since starting")
    expect(card.locator(".status")).to_have_text("behind")
    card.get_by_role("link", name="Introduce Jill Newcomer to an expert").click()
    buddy.get_by_role("combobox", name="Process", exact=True).select_option(value="p2p/invoices")
    buddy.get_by_role("combobox", name="Expert", exact=True).select_option(label="Noor Expert")
    buddy.get_by_label("A note to both (optional)").fill("Noor set up the tolerance table.")
    buddy.get_by_role("button", name="Introduce").click()
    expect(buddy.locator(".flashes")).to_contain_text("Introduced")

    # Jill reads the page from her home, then says she met Noor.
    newcomer_context = browser.new_context()
    newcomer = newcomer_context.new_page()
    login(newcomer, "jill@example.com")
    expect(newcomer.locator(".onboarding")).to_contain_text("Priya Member")
    newcomer.locator(".onboarding").get_by_role("link", name="Read “Three-way match”").click()
    expect(newcomer.get_by_role("heading", level=1)).to_have_text("Three-way match")
    newcomer.get_by_role("link", name=re.compile(r"Notifications, \d+ unread")).click()
    newcomer.get_by_role(
        "button", name="Unread: Priya Member introduced you to Noor Expert for Invoices"
    ).click()
    newcomer.get_by_role("button", name="We met").click()
    expect(newcomer.locator(".flashes")).to_contain_text("Noted that you met Noor Expert")
    expect(newcomer.locator(".plan-progress")).to_contain_text("2 of 3 done")

    # Back on the dashboard, Jill is on track again.
    buddy.goto(f"{base}/buddies/")
    card = buddy.locator(".newcomer-card", has_text="Jill Newcomer")
    expect(card.locator(".status")).to_have_text("on track")
    expect(card).to_contain_text("Noor Expert for Invoices · met")
    assert noor.id

    # Their coaching session reviews last week's plan; the roles swap from last time.
    buddy.get_by_role("link", name="Record a session with Jill Newcomer").click()
    review = buddy.locator(".review-action", has_text="Ask Noor about tolerances")
    review.get_by_label("Done").check()
    expect(buddy.get_by_label("the client")).to_be_checked()
    buddy.get_by_label("What would a good outcome of today be?").fill(
        "Priya knows how to ask for help."
    )
    buddy.get_by_label("The option").first.fill("Ask in the team channel")
    buddy.get_by_label("Pros").first.fill("Fast")
    buddy.get_by_label("Cons").first.fill("Public")
    buddy.get_by_label("What will be done").first.fill("Post one question a day")
    buddy.get_by_label("By when").first.fill((date.today() + timedelta(days=7)).isoformat())
    buddy.get_by_role("button", name="Record the session").click()
    expect(buddy.locator(".flashes")).to_contain_text("Only you and Jill Newcomer can read it")
    expect(buddy.locator(".reviewed-actions")).to_contain_text("Done: Ask Noor about tolerances")
    expect(buddy.locator(".options-table")).to_contain_text("Ask in the team channel")
    assert dialogs == []
    buddy_context.close()
    newcomer_context.close()
