"""axe-core (bundled with axe-playwright-python, so it runs offline) on the main screens.

No violation of impact "serious" or "critical" is allowed. On failure the message lists every such
violation per screen: rule id, impact, help text, help URL and the CSS target of each node."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests import factories
from tests.browser.helpers import set_editor_text
from wiki.buddies import introductions
from wiki.buddies import plans as plan_service
from wiki.buddies import services as buddy_service
from wiki.coaching import services as coaching
from wiki.extensions import db
from wiki.feedforward import services as feedforward
from wiki.gaps import courses as gap_courses
from wiki.gaps import services as gap_log
from wiki.people.models import Expertise
from wiki.processes import pages as page_service
from wiki.questions import services as question_service
from wiki.search import services as search_service
from wiki.search.models import NO_RESULTS

BLOCKING_IMPACTS = {"serious", "critical"}

PROCESS = "finance/accounts-payable"
PAGE = f"{PROCESS}/three-way-match"

FIRST_BODY = """## Before you start

Check the purchase order in [[Invoice intake]] first; exceptions go to [[Exception handling]].

| Document | Who checks | Tolerance |
|----------|------------|----------:|
| Purchase order | Buyer | 0 % |
| Goods receipt | Warehouse | 2 % |
| Invoice | Accounts payable | 2 % |
"""
SECOND_BODY = (
    FIRST_BODY
    + """
## Afterwards

1. Post the invoice.
2. File the `PO` number with `code` and **bold** notes.

![The hold queue, sorted by due date](attachment:zap-hold.png)
"""
)


@dataclass
class Screen:
    name: str
    url: str
    prepare: Callable[[Page], None] | None = None  # after goto, before axe runs
    status: int = 200
    shows: str | None = None  # a CSS selector the screen must show, so that it is not audited empty


def _form_post(response) -> bool:
    """The form's own answer, not the editor's live preview or draft saves (/editor/...),
    which a page may send while the form is being submitted."""
    return response.request.method == "POST" and "/editor/" not in response.url


@pytest.fixture(scope="module")
def axe() -> Axe:
    return Axe()


@pytest.fixture
def wiki_data(people) -> dict[str, int]:
    """A process two levels deep, a page with a table, headings and wiki links (one resolved, one
    not yet written), two revisions, an overdue page owned by the admin for the review lists and
    the admin's profile, and two search misses (one within a process) for the trainers' list.
    Returns the people's ids."""
    factories.make_process(PROCESS, description="Paying suppliers: **three-way match** and more.")
    factories.make_page(PROCESS, "Invoice intake", "Scan, then register the invoice.")
    page = factories.make_page(PROCESS, "Three-way match", FIRST_BODY, tags="invoices, month-end")
    page_service.save_page(
        people["admin"],
        page,
        page_service.PageDraft("Three-way match", SECOND_BODY, "Added the afterwards steps"),
        page.latest_revision,
    )
    factories.attach(page, "zap-hold.png", uploader=people["admin"])
    factories.attach(page, "zap-hold.png", factories.image_bytes(color=(1, 2, 3)))
    factories.attach(page, "tolerances.csv", b"check,tolerance\nprice,2%\n")
    stale = factories.make_page("finance", "Closing checklist", "Old text.", author=people["admin"])
    stale.last_reviewed_at = datetime(2020, 1, 6)
    stale.created_at = datetime(2020, 1, 6)
    db.session.commit()
    process = factories.make_process(PROCESS)
    search_service.record_miss(people["newcomer"], "vendor master data", None, NO_RESULTS, 0)
    search_service.record_miss(people["member"], "credit notes", process, NO_RESULTS, 0)
    # The admin knows the process; the newcomer asked and the admin answered, so the admin has
    # a notification and the thread offers to turn the answer into a page.
    db.session.add(
        Expertise(person=people["admin"], process=process, level="owner", ask_me_about="Tolerances")
    )
    question = factories.make_question(
        people["newcomer"], PROCESS, [people["admin"]], title="Which tolerance applies?"
    )
    question_service.add_post(people["admin"], question, "Two percent.")
    # Jill has a plan from a template, with the admin as her buddy, and one introduction.
    template = plan_service.create_template(people["admin"], "AP analyst", "Accounts payable")
    for kind, extra, due in (
        ("read_page", {"page_path": PAGE}, "1"),
        ("learn_process", {"process_path": PROCESS}, "3"),
        ("meet_expert", {"process_path": PROCESS}, "8"),
        ("custom", {"title": "Get ERP access"}, "2"),
    ):
        plan_service.add_template_item(
            people["admin"], template, plan_service.ItemDraft(kind, due=due, **extra)
        )
    buddy_service.assign_buddy(
        people["admin"],
        buddy_service.AssignmentDraft(
            people["newcomer"].id, people["admin"].id, "2026-11-16", "", template.id
        ),
    )
    introductions.introduce(
        people["admin"], people["newcomer"], people["member"].id, PROCESS, "Priya knows payments."
    )
    # A coaching session between the admin and Jill, whose plan the next session reviews.
    coaching_session = coaching.record_session(
        people["admin"],
        coaching.SessionDraft(
            partner_id=people["newcomer"].id,
            my_role="coach",
            outcome_wanted="Know whom to ask about blocked invoices.",
            situation="Three invoices stuck in the hold queue.",
            options=[coaching.OptionDraft("Ask Priya", "She knows", "She is busy")],
            actions=[coaching.ActionDraft("Book time with Priya", "partner", "2026-11-27")],
        ),
    )
    coaching.answer_session(people["newcomer"], coaching_session, accept=True)  # Jill agrees
    # A peer group with the admin in it, and one meeting.
    group = factories.make_peer_group(people)
    meeting = factories.record_group_meeting(group, people["admin"])
    ids = {role: person.id for role, person in people.items()}
    ids["question"] = question.id
    ids["group"] = group.id
    # The admin asked Jill and Priya for ideas; Priya sent one.
    ff = feedforward.ask(people["admin"], "explaining variances", [people["member"].id])
    feedforward.suggest(people["member"], ff, "Start with the purchase order line.")
    ids["feedforward"] = ff.id
    gap = gap_log.log_gap(
        people["newcomer"], gap_log.GapDraft("Freight tolerance", "Which one?", PROCESS)
    )
    ids["gap"] = gap.id
    course = gap_courses.create_course(people["admin"], "AP basics", "Week one")
    gap_courses.add_module(people["admin"], course, "Invoices", [PROCESS])
    ids["course"] = course.id
    forum, forum_meeting = factories.make_forum_meeting(people, "finance", PROCESS)
    ids["forum"], ids["forum_meeting"] = forum.id, forum_meeting.id
    ids["meeting"] = meeting.id
    ids["template"] = template.id
    ids["coaching"] = coaching_session.id
    db.session.remove()
    return ids


def _blocking(results: dict) -> list[dict]:
    return [v for v in results["violations"] if v.get("impact") in BLOCKING_IMPACTS]


def _report(screen: Screen, violations: list[dict]) -> str:
    lines = [f"== {screen.name} ({screen.url})"]
    for violation in violations:
        lines.append(
            f"  [{violation['impact']}] {violation['id']}: {violation['help']} "
            f"({violation.get('helpUrl', '')})"
        )
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            lines.append(f"      target: {target}")
            lines.append(f"        html: {node.get('html', '').strip()[:300]}")
            summary = (node.get("failureSummary") or "").replace("\n", " | ")
            if summary:
                lines.append(f"        why:  {summary[:400]}")
    return "\n".join(lines)


def _audit(page: Page, axe: Axe, base: str, screens: list[Screen]) -> None:
    failures: list[str] = []
    for screen in screens:
        response = page.goto(base + screen.url)
        assert response is not None
        if screen.prepare:
            screen.prepare(page)
        else:
            assert response.status == screen.status, f"{screen.name}: HTTP {response.status}"
        if screen.shows:
            expect(page.locator(screen.shows).first).to_be_visible()
        violations = _blocking(axe.run(page).response)
        if violations:
            failures.append(_report(screen, violations))
    if failures:
        message = "serious/critical accessibility violations:\n" + "\n".join(failures)
        print(message)
        pytest.fail(message, pytrace=False)


def _submit_blank(field_label: str) -> Callable[[Page], None]:
    """Submit the form with a field holding only spaces: the browser's `required` check passes,
    the server refuses it and re-displays the form with the error tied to the field."""

    def prepare(page: Page) -> None:
        page.get_by_role("textbox", name=field_label, exact=True).fill("   ")
        with page.expect_response(_form_post) as answer:
            page.get_by_role("button", name="Save", exact=True).click()
        assert answer.value.status == 422
        expect(page.locator(".error-summary")).to_be_visible()

    return prepare


def _preview(page: Page) -> None:
    # The live preview beside the text (the Preview button is the form's without JavaScript).
    expect(page.locator("#editor-preview .prose table")).to_be_visible()


def _draft_offered(page: Page) -> None:
    page.locator(".CodeMirror").click()
    page.keyboard.type("A draft line.")
    expect(page.locator(".editor-status")).to_contain_text("Draft saved", timeout=10_000)
    page.evaluate("() => { window.onbeforeunload = null; }")
    page.on("dialog", lambda dialog: dialog.accept())  # leave despite the unsaved change
    page.reload()
    page.locator(".draft-offer summary").click()
    expect(page.locator(".draft-offer tr.diff-added")).to_be_visible()


def _page_picker(page: Page) -> None:
    page.get_by_role("button", name="Link to a page").click()
    page.get_by_label("Page title").fill("three")
    expect(page.locator(".picker-choice").first).to_be_visible()


def _conflict(page: Page) -> None:
    page.locator("input[name=base_revision]").evaluate("input => { input.value = '1'; }")
    set_editor_text(page, FIRST_BODY + "\nMy competing change.\n")
    with page.expect_response(_form_post) as answer:
        page.get_by_role("button", name="Save", exact=True).click()
    assert answer.value.status == 409
    expect(page.get_by_role("heading", level=1)).to_contain_text("Edit conflict")


def _refused_upload(page: Page) -> None:
    page.get_by_label("Upload a file").set_input_files(
        files=[{"name": "page.png", "mimeType": "image/png", "buffer": b"<html>hi</html>"}]
    )
    with page.expect_response(_form_post) as answer:
        page.get_by_role("button", name="Upload", exact=True).click()
    assert answer.value.status == 422
    expect(page.locator(".error-summary")).to_be_visible()


def _refused_expertise(page: Page) -> None:
    page.get_by_role("combobox", name="Process", exact=True).select_option(value=PROCESS)
    page.get_by_label("Away", exact=True).check()
    with page.expect_response(_form_post) as answer:
        page.get_by_role("button", name="Save", exact=True).click()
    assert answer.value.status == 422
    expect(page.locator(".error-summary")).to_be_visible()


def _refused_coaching(page: Page) -> None:
    """The last plan is not reviewed: the form comes back with the error at the action."""
    expect(page.locator(".review-action")).to_be_visible()
    page.get_by_label("What would a good outcome of today be?").fill("Plan the month-end.")
    with page.expect_response(_form_post) as answer:
        page.get_by_role("button", name="Record the session").click()
    assert answer.value.status == 422
    expect(page.locator(".error-summary")).to_be_visible()


def _open_quick_find(page: Page) -> None:
    header_search = page.get_by_role("banner").get_by_role("searchbox", name="Search the wiki")
    header_search.press_sequentially("three")
    expect(page.locator("#quick-find").get_by_role("link", name="Three-way match")).to_be_visible()


def _wrong_password(page: Page) -> None:
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label("Password", exact=True).fill("not the password")
    with page.expect_response(_form_post) as answer:
        page.get_by_role("button", name="Log in").click()
    assert answer.value.status == 401
    expect(page.locator("#login-error")).to_be_visible()


def test_logged_out_screens_have_no_serious_violations(
    page: Page, live_server_url: str, axe: Axe, people
):
    _audit(
        page,
        axe,
        live_server_url,
        [
            Screen("login", "/login"),
            Screen("login with an error", "/login", prepare=_wrong_password),
        ],
    )


def test_logged_in_screens_have_no_serious_violations(
    page: Page, live_server_url: str, axe: Axe, login, wiki_data
):
    page.set_default_timeout(5000)
    login(page, "ada@example.com")
    _audit(
        page,
        axe,
        live_server_url,
        [
            Screen("home", "/"),
            Screen("process (two levels deep)", f"/p/{PROCESS}"),
            Screen("page view, with an image and files", f"/p/{PAGE}", shows=".page-files td"),
            Screen("files of a page", f"/p/{PAGE}/attachments", shows=".attachment-history td"),
            Screen(
                "files of a page, upload refused",
                f"/p/{PAGE}/attachments",
                prepare=_refused_upload,
            ),
            Screen("edit form", f"/p/{PAGE}/+edit"),
            Screen("edit form with preview", f"/p/{PAGE}/+edit", prepare=_preview),
            Screen("edit conflict", f"/p/{PAGE}/+edit", prepare=_conflict),
            Screen("edit form, a draft offered", f"/p/{PAGE}/+edit", prepare=_draft_offered),
            Screen("edit form, page picker open", f"/p/{PAGE}/+edit", prepare=_page_picker),
            Screen("history", f"/p/{PAGE}/+history"),
            Screen("diff", f"/p/{PAGE}/+diff?from=1&to=2"),
            Screen("diff, raw lines", f"/p/{PAGE}/+diff?from=1&to=2&view=raw"),
            Screen("revert, asking first", f"/p/{PAGE}/+revert/1"),
            Screen("old revision", f"/p/{PAGE}/+revision/1"),
            Screen("recent changes", "/changes"),
            Screen("due for review", "/reviews"),
            Screen("tagged", "/tags/invoices"),
            Screen("people (admin)", "/admin/users"),
            Screen("audit log (admin)", "/admin/audit"),
            Screen("webhooks (admin)", "/admin/webhooks"),
            Screen("watching", "/watching"),
            Screen("API tokens", "/account/tokens"),
            Screen("everyone's API tokens (admin)", "/admin/tokens"),
            Screen("API reference", "/api/v1/docs", shows=".api-operation"),
            Screen("profile", f"/people/{wiki_data['admin']}", shows=".hint"),
            Screen("quick-find open", "/", prepare=_open_quick_find),
            Screen("search results", "/search?q=match", shows=".facets li"),
            Screen(
                "search results, did not help", "/search?q=match&missed=1", shows=".miss-offers"
            ),
            Screen("search with no results", "/search?q=photocopier+jam", shows=".miss-offers"),
            Screen("search misses (admin)", "/search/misses", shows=".misses-table tbody tr"),
            Screen(
                "new page with empty title", f"/p/{PROCESS}/+new", prepare=_submit_blank("Title")
            ),
            Screen(
                "new process with empty name",
                f"/processes/new?parent={PROCESS}",
                prepare=_submit_blank("Name"),
            ),
            Screen("questions", "/questions/", shows=".question-list li"),
            Screen("ask an expert", f"/questions/ask?process={PROCESS}", shows=".expert-choice"),
            Screen("question thread", f"/questions/{wiki_data['question']}", shows=".post-answer"),
            Screen("notifications", "/notifications/", shows=".notification"),
            Screen("mail settings", "/notifications/preferences"),
            Screen("expertise map", "/people/map", shows=".heatmap svg"),
            Screen(
                "add expertise, refused",
                f"/people/{wiki_data['admin']}/expertise/new",
                prepare=_refused_expertise,
            ),
            Screen("buddy dashboard", "/buddies/", shows=".newcomer-card"),
            Screen(
                "newcomer's plan", f"/buddies/newcomers/{wiki_data['newcomer']}", shows=".plan-item"
            ),
            Screen("introduce", f"/buddies/newcomers/{wiki_data['newcomer']}/introduce"),
            Screen("team view", "/buddies/team", shows=".status-chart svg"),
            Screen("assign a buddy", "/buddies/assign"),
            Screen("plan templates", "/buddies/templates", shows=".template-list li"),
            Screen(
                "plan template",
                f"/buddies/templates/{wiki_data['template']}",
                shows=".template-items",
            ),
            Screen("coaching sessions", "/coaching/", shows=".coaching-list li"),
            Screen(
                "coaching session", f"/coaching/{wiki_data['coaching']}", shows=".options-table"
            ),
            Screen(
                "next coaching session, refused",
                f"/coaching/new?with={wiki_data['newcomer']}",
                prepare=_refused_coaching,
            ),
            Screen("peer groups", "/groups/", shows=".program-table"),
            Screen("form a peer group", "/groups/new"),
            Screen("peer group", f"/groups/{wiki_data['group']}", shows=".group-list li"),
            Screen(
                "group meeting",
                f"/groups/{wiki_data['group']}/meetings/{wiki_data['meeting']}",
                shows=".meeting-table",
            ),
            Screen("record a group meeting", f"/groups/{wiki_data['group']}/meetings/new"),
            Screen("feedforward", "/feedforward/", shows=".group-list li"),
            Screen("ask for ideas", "/feedforward/new"),
            Screen(
                "feedforward request",
                f"/feedforward/{wiki_data['feedforward']}",
                shows=".note-form",
            ),
            Screen("gaps", "/gaps/", shows=".question-list li"),
            Screen("log a gap", f"/gaps/new?process={PROCESS}"),
            Screen(
                "gap, with its status form", f"/gaps/{wiki_data['gap']}", shows=".gap-history li"
            ),
            Screen("courses", "/courses/", shows=".group-list li"),
            Screen("gap report", "/gaps/report", shows=".report-table"),
            Screen("content health", "/verification/health", shows="table.data"),
            Screen("course", f"/courses/{wiki_data['course']}", shows=".newcomer-card"),
            Screen("forums", "/forums/", shows=".data td"),
            Screen("forum", f"/forums/{wiki_data['forum']}", shows=".group-list li"),
            Screen(
                "forum meeting",
                f"/forums/{wiki_data['forum']}/meetings/{wiki_data['forum_meeting']}",
                shows=".data td",
            ),
            Screen("gaps followed", "/gaps/following"),
            Screen("not found", "/p/no-such-process", status=404),
        ],
    )


def test_newcomer_screens_have_no_serious_violations(
    page: Page, live_server_url: str, axe: Axe, login, wiki_data
):
    page.set_default_timeout(5000)
    login(page, "jill@example.com")
    _audit(
        page,
        axe,
        live_server_url,
        [
            Screen("newcomer home", "/", shows=".onboarding .plan-item"),
            Screen(
                "my plan", f"/buddies/newcomers/{wiki_data['newcomer']}", shows=".introductions li"
            ),
        ],
    )


def test_axe_reports_a_known_violation(page: Page, axe: Axe):
    """Guards the checks above against passing vacuously (axe not loaded, rules not run)."""
    page.set_content(
        '<!doctype html><html lang="en"><title>t</title><main><img src="x.png"></main>'
    )
    violations = {v["id"]: v["impact"] for v in axe.run(page).response["violations"]}
    assert violations.get("image-alt") == "critical"
