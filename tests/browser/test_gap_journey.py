"""Journeys 8 and 9 in a real browser, with CSRF on: a newcomer logs a gap from the page that
did not answer her question; the trainer filters the report down to it, plans it and folds it
into a course module, and exports the report as CSV."""

from __future__ import annotations

import csv
import re

from playwright.sync_api import Browser, Page, expect

from tests.factories import make_page, make_process
from wiki.gaps import courses

TITLE = "Freight on a credit note: which tolerance? «Fracht» ≠ frais"


def test_a_gap_logged_from_a_page_reaches_a_course_and_the_csv(
    page: Page, browser: Browser, live_server_url: str, login, people, tmp_path
):
    base = live_server_url
    make_process("p2p", "Procure to pay")
    make_process("hr", "People")
    process = make_process("p2p/invoices", "Invoice processing")
    wiki_page = make_page(process, "Three-way match", "Match the order, receipt and invoice.")
    course = courses.create_course(people["trainer"], "AP basics", "Week one")
    courses.add_module(people["trainer"], course, "Invoices", ["p2p/invoices"])

    # The newcomer logs the gap from the page; the form knows the page and its process.
    login(page, "jill@example.com")
    page.goto(f"{base}/p/{wiki_page.path}")
    page.get_by_role("link", name="This page didn't answer my question").click()
    expect(page.locator("main")).to_contain_text("which did not answer your question")
    expect(page.get_by_role("combobox", name="Process", exact=True)).to_have_value("p2p/invoices")
    page.get_by_label("What could you not find?").fill(TITLE)
    page.get_by_label("What did you need it for? (markdown)").fill("A *credit note* with freight.")
    page.get_by_role("button", name="Log the gap").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.locator("main")).to_contain_text("Page feedback")

    # The trainer filters the report to the process and the source: one gap, one person.
    trainer_context = browser.new_context(accept_downloads=True)
    trainer = trainer_context.new_page()
    login(trainer, "carrie@example.com")
    trainer.goto(f"{base}/gaps/report")
    trainer.get_by_role("combobox", name="Process", exact=True).select_option("p2p")
    trainer.get_by_role("combobox", name="Source", exact=True).select_option("page_feedback")
    trainer.get_by_role("button", name="Filter").click()
    expect(trainer).to_have_url(re.compile(r"process=p2p.*source=page_feedback"))
    expect(trainer.locator(".report-summary")).to_contain_text("1 gap, affecting 1 person")
    rows = trainer.locator(".report-table tbody tr")
    expect(rows).to_have_count(2)  # Procure to pay, and Invoice processing under it
    expect(rows.nth(1)).to_contain_text("Invoice processing")

    # From the report to the gap; it is planned, then folded into the course's module.
    rows.nth(1).get_by_role("link", name="Invoice processing").click()
    trainer.get_by_role("link", name=TITLE).click()
    trainer.get_by_role("radio", name="Planned").check()
    trainer.get_by_label("Owner (planned: who updates the wiki)").select_option(
        str(people["trainer"].id)
    )
    trainer.get_by_label("Due (planned)").fill("2026-12-31")
    trainer.get_by_role("button", name="Change the status").click()
    expect(trainer.locator(".flashes")).to_contain_text("The gap is now planned.")
    trainer.get_by_role("radio", name="Folded into a course").check()
    trainer.get_by_label("Course module (folded into a course)").select_option(
        label="AP basics: Invoices"
    )
    trainer.get_by_role("button", name="Change the status").click()
    expect(trainer.locator(".flashes")).to_contain_text("The gap is now folded into a course.")
    trainer.goto(f"{base}/courses/{course.id}")
    expect(trainer.locator("main")).to_contain_text(TITLE)

    # The CSV of the filtered report, read back: the gap, its course module, its text intact.
    trainer.goto(f"{base}/gaps/report?process=p2p&source=page_feedback")
    with trainer.expect_download() as download_info:
        trainer.get_by_role("link", name="Export CSV").click()
    saved = tmp_path / "gaps.csv"
    download_info.value.save_as(saved)
    with saved.open(encoding="utf-8", newline="") as handle:
        table = list(csv.DictReader(handle))
    assert [(row["title"], row["status"], row["course module"]) for row in table] == [
        (TITLE, "Folded into a course", "AP basics: Invoices")
    ]
    assert table[0]["process"] == "p2p/invoices" and table[0]["reporter"] == "Jill Newcomer"
    trainer_context.close()


def test_a_page_field_offers_pages_as_one_types_and_takes_a_pasted_url(
    page: Page, live_server_url: str, login, people
):
    from wiki.extensions import db
    from wiki.gaps import services as gaps

    make_page(make_process("p2p/invoices", "Invoice processing"), "Three-way match", "Match.")
    gap = gaps.log_gap(people["newcomer"], gaps.GapDraft("Freight", "", "p2p/invoices"))
    login(page, "carrie@example.com")
    page.goto(f"{live_server_url}/gaps/{gap.id}")
    field = page.get_by_role("combobox", name="Page (documented)")
    field.press_sequentially("Three")
    options = page.locator("#pages-page option")
    expect(options).to_have_count(1)
    assert options.first.get_attribute("value") == "/p/p2p/invoices/three-way-match"
    # A whole URL from the address bar is taken too.
    field.fill(f"{live_server_url}/p/p2p/invoices/three-way-match?from=search")
    page.get_by_label("Documented", exact=True).check()
    page.get_by_role("button", name="Change the status").click()
    expect(page.locator("dd", has_text="Documented")).to_be_visible()
    db.session.expire_all()  # the server saved it in a session of its own
    assert gaps.get_gap(gap.id).documented_page.title == "Three-way match"
