"""Valid HTML: the Nu HTML Checker finds no error on the main pages (`make html-checker`)."""

from __future__ import annotations

import io
import json
import subprocess

from tests import factories
from tests.conftest import REPO
from wiki.approvals import rules as approval_rules
from wiki.approvals import services as approvals
from wiki.buddies import plans
from wiki.buddies import services as buddies
from wiki.coaching import services as coaching
from wiki.comments import services as comments
from wiki.extensions import db
from wiki.feedforward import services as feedforward
from wiki.gaps import courses as gap_courses
from wiki.gaps import services as gap_log
from wiki.glossary import services as glossary
from wiki.glossary.forms import TermDraft
from wiki.people.models import Expertise
from wiki.processes import drafts, pages, tree
from wiki.questions import services as questions
from wiki.search import services as search
from wiki.search.models import NO_RESULTS
from wiki.verification import services as verification

VNU_JAR = REPO / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"

URLS = [
    "/",
    "/p/p2p",
    "/p/p2p/invoices",
    "/p/p2p/invoices/three-way-match",
    "/p/p2p/invoices/three-way-match/+edit",
    "/p/p2p/invoices/three-way-match/+history",
    "/p/p2p/invoices/three-way-match/+diff?from=1&to=2",
    "/p/p2p/invoices/three-way-match/+diff?from=1&to=2&view=raw",
    "/p/p2p/invoices/three-way-match/+revert/1",
    "/p/p2p/invoices/three-way-match/+revision/1",
    "/p/p2p/invoices/three-way-match/+move",
    "/p/p2p/invoices/three-way-match/+ownership",
    "/p/p2p/invoices/three-way-match/attachments",
    "/p/p2p/+new",
    "/p/p2p/+templates",
    "/p/p2p/+settings",
    "/p/p2p/+move-process",
    "/processes/new",
    "/changes",
    "/reviews",
    "/tags/invoices",
    "/admin/users",
    "/admin/users/new",
    "/admin/audit",
    "/admin/webhooks",
    "/watching",
    "/account/password",
    "/search",
    "/search?q=invoices",
    "/search?q=invoices&missed=1",
    "/search?q=invoices&verified=1",
    "/search?q=photocopier+jam",
    "/search/misses",
    "/search?q=what+is+a+PO",
    "/search?q=how+do+I+compare+the+steps+for+an+invoice+with+tables",
    "/glossary/",
    "/glossary/new",
    "/glossary/codes",
    "/questions/",
    "/questions/ask?process=p2p/invoices",
    "/notifications/",
    "/notifications/preferences",
    "/people/map",
    "/no/such/page",
    "/account/tokens",
    "/admin/tokens",
    "/api/v1/docs",
]


def test_main_pages_are_valid_html(app, client, auth, people, tmp_path):
    assert VNU_JAR.exists(), f"{VNU_JAR} is missing: run `make html-checker`"
    body = "## Steps\n\n| a | b |\n|---|---:|\n| 1 | 2 |\n\nSee [[Missing page]] and [[/p2p]].\n"
    page = factories.make_page("p2p/invoices", "Three-way match", body, tags="invoices")
    body += "\n![The hold queue](attachment:zap-hold.png) and [rates](attachment:rates.csv)\n"
    pages.save_page(people["admin"], page, pages.PageDraft(page.title, body + "\nMore.\n"), 1)
    factories.attach(page, "zap-hold.png", uploader=people["member"])
    factories.attach(page, "zap-hold.png", factories.image_bytes(color=(1, 2, 3)))
    factories.attach(page, "rates.csv", b"currency,rate\nEUR,1.08\n")
    # Misses for the trainers' list, one of them within a process; the admin's profile.
    search.record_miss(people["newcomer"], "vendor master data", None, NO_RESULTS, 0)
    search.record_miss(people["member"], "credit notes", tree.get_process("p2p"), NO_RESULTS, 0)
    # A glossary term: its page, and its definition beside the results for it.
    glossary.save_term(people["admin"], TermDraft("PO", ["purchase order"], "The order."))
    # Expertise, and a question the admin was asked and answered: the thread, the bell.
    db.session.add(Expertise(person=people["admin"], process=page.process, level="expert"))
    question = factories.make_question(people["newcomer"], page.process, [people["admin"]])
    questions.add_post(people["admin"], question, "Two *percent*.")
    # The admin's draft of a page made from it: its editor offers the draft back.
    drafts.save_draft(
        people["admin"], None, question.process, "Two", "Two *percent*, then.", None, question.id
    )
    admin = people["admin"].id
    # A discussion on the page: a quoted passage gone from the text, a reply, one resolved.
    first = comments.add_comment(people["member"], page, "Is *this* right?", quote="Old words")
    comments.add_comment(people["admin"], page, "Yes.", reply_to=first.id)
    comments.resolve(people["admin"], comments.add_comment(people["member"], page, "Typo."))
    # A plan template applied to Jill, whose buddy is the admin.
    template = plans.create_template(people["admin"], "AP analyst", "Accounts payable")
    plans.add_template_item(
        people["admin"], template, plans.ItemDraft("read_page", page_path=page.path, due="1")
    )
    plans.add_template_item(
        people["admin"], template, plans.ItemDraft("custom", title="Get ERP access", due="8")
    )
    buddies.assign_buddy(
        people["admin"],
        buddies.AssignmentDraft(people["newcomer"].id, admin, "2026-11-16", "", template.id),
    )
    jill = people["newcomer"].id
    session = coaching.record_session(
        people["admin"],
        coaching.SessionDraft(
            partner_id=jill,
            my_role="client",
            outcome_wanted="Plan my month-end.",
            options=[coaching.OptionDraft("Start early", "Calm", "Busy week")],
            actions=[coaching.ActionDraft("Draft the checklist", "me", "2026-11-27")],
        ),
    )
    group = factories.make_peer_group(people, facilitation="external")
    meeting = factories.record_group_meeting(group, people["admin"])
    ff = feedforward.ask(people["member"], "explaining variances", [people["admin"].id])
    feedforward.suggest(people["admin"], ff, "Start with the purchase order line.")
    mine = feedforward.ask(people["admin"], "month-end", [people["member"].id])
    feedforward.suggest(people["member"], mine, "Keep a checklist.")
    gap = gap_log.log_gap(
        people["newcomer"],
        gap_log.GapDraft(
            "Freight tolerance", "Which *tolerance*?", "p2p/invoices", "page_feedback", page.id
        ),
    )
    course = gap_courses.create_course(people["admin"], "AP basics", "Week one")
    gap_courses.add_module(people["admin"], course, "Invoices", ["p2p/invoices"])
    forum, forum_meeting = factories.make_forum_meeting(people, "p2p", "p2p/invoices")
    # A verified page that changed: a page linking to it and the module are marked.
    verification.verify(people["admin"], page)
    linking = factories.make_page("p2p/invoices", "Hold queue", "See [[Three-way match]].")
    changed = pages.PageDraft(page.title, body + "\nTolerance is 5 %, from now on.\n")
    pages.save_page(people["member"], page, changed, page.latest_revision)
    # A controlled process: the page waits on the member's change request, the admin decides.
    approval_rules.set_control(
        people["admin"], tree.get_process("p2p"), [people["admin"]], "expert"
    )
    change = approvals.open_request(
        people["member"],
        page,
        pages.PageDraft(page.title, body + "\nAsked.\n"),
        page.latest_revision,
        "controlled",
    )
    new_page_request = approvals.open_new_page_request(
        people["member"], page.process, pages.PageDraft("Credit notes", "Ask first.\n"),
        "controlled",
    )  # fmt: skip
    urls = [
        *URLS,
        f"/p/{linking.path}",
        "/change-requests/",
        f"/change-requests/{change.id}",
        f"/change-requests/{new_page_request.id}",
        "/p/p2p/invoices/+new",
        "/p/p2p/+control",
        "/p/p2p/invoices/+control",
        "/forums/",
        f"/forums/{forum.id}",
        f"/forums/{forum.id}/meetings/{forum_meeting.id}",
        "/gaps/following",
        "/courses/",
        "/gaps/report",
        "/gaps/report?print=1&process=p2p",
        "/verification/health",
        f"/courses/{course.id}",
        "/gaps/",
        "/gaps/new",
        f"/gaps/new?page={page.id}&source=page",
        f"/gaps/{gap.id}",
        "/feedforward/",
        "/feedforward/new",
        f"/feedforward/{ff.id}",
        f"/feedforward/{mine.id}",
        "/groups/",
        "/groups/new",
        f"/groups/{group.id}",
        f"/groups/{group.id}/meetings/new",
        f"/groups/{group.id}/meetings/{meeting.id}",
        f"/people/{admin}",
        f"/people/{admin}/expertise/new",
        f"/questions/{question.id}",
        f"/questions/{question.id}/new-page",
        "/buddies/",
        "/buddies/team",
        "/buddies/assign",
        "/buddies/templates",
        f"/buddies/templates/{template.id}",
        f"/buddies/newcomers/{jill}",
        f"/buddies/newcomers/{jill}/introduce",
        "/coaching/",
        "/coaching/new",
        f"/coaching/new?with={jill}",
        f"/coaching/{session.id}",
    ]
    from wiki.auth import tokens

    tokens.create_token(people["member"], "ERP import", write=True)
    files = [tmp_path / "login.html"]
    files[0].write_bytes(client.get("/login").data)
    # Company sign-in: the login page with password login off, and a refused sign-in (a state
    # this browser never sent: refused before the provider would be asked anything).
    app.config.update(OIDC_ISSUER="https://login.example.com", PASSWORD_LOGIN=False)
    files.append(tmp_path / "company-login.html")
    files[-1].write_bytes(client.get("/login").data)
    files.append(tmp_path / "company-refused.html")
    files[-1].write_bytes(client.get("/auth/oidc/callback?code=c&state=s").data)
    app.config.update(OIDC_ISSUER="", PASSWORD_LOGIN=True)
    auth.login("ada@example.com")
    files.append(tmp_path / "conflict.html")
    files[-1].write_bytes(
        client.post(
            "/p/p2p/invoices/three-way-match/+edit",
            data={"title": "Three-way match", "body": "Mine", "base_revision": "1"},
        ).data
    )
    files.append(tmp_path / "refused-upload.html")
    files[-1].write_bytes(
        client.post(
            "/p/p2p/invoices/three-way-match/attachments",
            data={"file": (io.BytesIO(b"<svg onload=alert(1)>"), "x.png")},
        ).data
    )
    files.append(tmp_path / "token-created.html")
    made = client.post("/account/tokens", data={"name": "Bot", "access": "read", "days": "9"})
    files[-1].write_bytes(made.data)
    # Linking a company account: offered on the account page (here refused for an empty
    # login, before the directory would be asked), and allowed by an admin.
    app.config.update(LDAP_URL="ldap://127.0.0.1:9", OIDC_ISSUER="https://login.example.com")
    files.append(tmp_path / "company-link-refused.html")
    files[-1].write_bytes(client.post("/account/company-link", data={"company_login": ""}).data)
    files.append(tmp_path / "company-link-allowed.html")
    files[-1].write_bytes(client.get(f"/admin/users/{people['newcomer'].id}").data)
    app.config.update(LDAP_URL="", OIDC_ISSUER="")
    # The database unavailable: a page that stands alone, with a posted form's fields kept.
    files.append(tmp_path / "unavailable.html")
    files[-1].write_text(
        app.jinja_env.get_template("unavailable.html").render(
            message="The wiki cannot reach its database just now.",
            kept=[("csrf_token", "t"), ("title", "Match"), ("body", "Line one\nLine two")],
            action="/p/p2p/three-way-match/+edit",
            files_lost=True,
        )
    )
    for number, url in enumerate(urls):
        files.append(tmp_path / f"page-{number}.html")
        files[-1].write_bytes(client.get(url).data)
    auth.logout()
    auth.login("jill@example.com")
    files.append(tmp_path / "newcomer-home.html")
    files[-1].write_bytes(client.get("/").data)
    files.append(tmp_path / "coaching-to-answer.html")
    answer = client.get(f"/coaching/{session.id}")
    assert b"Did you have this session" in answer.data
    files[-1].write_bytes(answer.data)
    checked = subprocess.run(
        ["java", "-jar", str(VNU_JAR), "--errors-only", "--format", "json", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    messages = json.loads(checked.stderr or checked.stdout)["messages"]
    names = {
        f"file:{path}": url
        for path, url in zip(
            files,
            [
                "/login",
                "company /login",
                "company sign-in refused",
                "conflict",
                "refused upload",
                "token made",
                "company link refused",
                "company link allowed",
                "database unavailable",
                *urls,
                "newcomer home",
                "coaching session to answer",
            ],
            strict=True,
        )
    }
    errors = [
        f"{names.get(m['url'], m['url'])}: {m['message']} ({m.get('extract', '')!r})"
        for m in messages
    ]
    assert errors == []
