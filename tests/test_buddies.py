"""Buddies and onboarding plans: assignment rules and history, plans applied from templates
with their due dates, progress under a controllable clock, read tracking, introductions, the
buddy's dashboard, the manager's view, the newcomer's home, and hostile text."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.factories import make_page, make_process, make_question, make_user
from tests.pagetext import text_of
from tests.test_markup_xss import problems_in
from wiki.buddies import plans, services
from wiki.buddies.models import BuddyAssignment, Introduction, PageRead
from wiki.extensions import db
from wiki.notifications.models import Notification

START = date(2026, 11, 16)  # the newcomer fixture's start date


@pytest.fixture
def template(people):
    """An AP template: read a page on day 1, learn invoices by day 3, meet an expert in week 2."""
    page = make_page("p2p/invoices", "Three-way match", "Match them.")
    make_page("p2p/invoices", "Invoice scanning", "Scan them.")
    made = plans.create_template(people["trainer"], "AP analyst", "Accounts payable analysts")
    for kind, extra, due in (
        ("read_page", {"page_path": f"/p/{page.path}"}, "1"),
        ("learn_process", {"process_path": "p2p/invoices"}, "3"),
        ("meet_expert", {"process_path": "p2p/invoices"}, "8"),
        ("custom", {"title": "Get ERP access"}, "2"),
    ):
        plans.add_template_item(people["trainer"], made, plans.ItemDraft(kind, due=due, **extra))
    return made


def assign(actor, newcomer, buddy, **extra) -> BuddyAssignment:
    draft = services.AssignmentDraft(newcomer_id=newcomer.id, buddy_id=buddy.id, **extra)
    return services.assign_buddy(actor, draft, today=START)


def test_an_assignment_applies_the_template_from_the_start_date_and_tells_both(people, template):
    jill, priya = people["newcomer"], people["member"]
    assignment = assign(people["manager"], jill, priya, template_id=template.id)
    assert (assignment.starts_on, assignment.ends_on) == (START, START + timedelta(days=90))
    items = plans.plan_of(jill)
    assert [(item.title, item.due_on) for item in items] == [
        ("Read “Three-way match”", START),
        ("Get ERP access", START + timedelta(days=1)),
        ("Learn Invoices", START + timedelta(days=2)),
        ("Meet an expert in Invoices", START + timedelta(days=7)),
    ]
    told = db.session.scalars(select(Notification).order_by(Notification.id)).all()
    assert [(note.user_id, note.title) for note in told] == [
        (priya.id, "You are Jill Newcomer's buddy"),
        (jill.id, "Priya Member is your buddy"),
    ]
    # Applying the same template again (a new buddy) adds nothing twice.
    assign(
        people["manager"], jill, people["trainer"], template_id=template.id, starts_on="2026-12-01"
    )
    assert len(plans.plan_of(jill)) == 4


def test_one_buddy_at_a_time_and_the_history_is_kept(people):
    jill = people["newcomer"]
    first = assign(people["manager"], jill, people["member"])
    second = assign(people["admin"], jill, people["trainer"], starts_on="2026-12-01")
    assert first.ends_on == date(2026, 11, 30)
    assert services.active_buddy(jill, date(2026, 11, 30)) == people["member"]
    assert services.active_buddy(jill, date(2026, 12, 1)) == people["trainer"]
    assert services.assignments_of(jill) == [second, first]
    # An assignment that has not begun is replaced, not kept.
    assign(people["admin"], jill, people["manager"], starts_on="2026-12-01")
    assert [a.buddy for a in services.assignments_of(jill)] == [people["manager"], people["member"]]


def test_assigning_is_for_admins_and_managers_and_bad_input_is_refused(client, auth, people):
    jill = people["newcomer"]
    auth.login("priya@example.com")
    assert client.get("/buddies/assign").status_code == 403
    assert client.post("/buddies/assign", data={"newcomer": jill.id, "buddy": 1}).status_code == 403
    auth.logout()
    auth.login("marty@example.com")
    response = client.post(
        "/buddies/assign",
        data={
            "newcomer": jill.id,
            "buddy": jill.id,
            "starts_on": "2026-12-01",
            "ends_on": "2026-11-01",
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "A newcomer cannot be their own buddy." in html
    assert "The end date must be after the start date." in html
    assert 'value="2026-12-01"' in html
    assert db.session.scalars(select(BuddyAssignment)).all() == []
    response = client.post(
        "/buddies/assign", data={"newcomer": jill.id, "buddy": people["member"].id}
    )
    assert response.status_code == 302
    assert services.active_buddy(jill, datetime.now().date()) == people["member"]


def test_progress_is_on_track_until_something_is_overdue(people, template):
    jill = people["newcomer"]
    assign(people["manager"], jill, people["member"], template_id=template.id)
    items = plans.plan_of(jill)
    first_day = plans.progress(items, START)
    assert (first_day.due_by_now, first_day.done_of_due, first_day.status) == (1, 0, "on track")
    second_day = plans.progress(items, START + timedelta(days=1))
    assert second_day.status == "behind"
    assert [item.title for item in second_day.overdue] == ["Read “Three-way match”"]
    plans.set_done(jill, items[0], True)
    caught_up = plans.progress(plans.plan_of(jill), START + timedelta(days=1))
    assert (caught_up.due_by_now, caught_up.done_of_due, caught_up.status) == (2, 1, "on track")
    for item in items:
        plans.set_done(people["member"], item, True)
    assert plans.progress(plans.plan_of(jill), START + timedelta(days=30)).status == "done"


def test_reading_ticks_read_and_learn_items_for_newcomers_only(client, auth, people, template):
    jill = people["newcomer"]
    assign(people["manager"], jill, people["member"], template_id=template.id)
    auth.login("jill@example.com")
    client.get("/p/p2p/invoices/three-way-match")
    done = {item.title for item in plans.plan_of(jill) if item.is_done}
    assert done == {"Read “Three-way match”"}
    client.get("/p/p2p/invoices/invoice-scanning")
    done = {item.title for item in plans.plan_of(jill) if item.is_done}
    assert done == {"Read “Three-way match”", "Learn Invoices"}
    auth.logout()
    auth.login("priya@example.com")  # not a newcomer: nothing recorded
    client.get("/p/p2p/invoices/three-way-match")
    assert {read.user_id for read in db.session.scalars(select(PageRead))} == {jill.id}


def test_the_plan_is_seen_and_changed_only_by_the_newcomer_buddy_and_managers(
    client, auth, people, template
):
    jill = people["newcomer"]
    assign(people["manager"], jill, people["member"], template_id=template.id)
    item = plans.plan_of(jill)[1]
    auth.login("carrie@example.com")  # a trainer, not her buddy
    assert client.get(f"/buddies/newcomers/{jill.id}").status_code == 404
    assert client.post(f"/buddies/items/{item.id}/done", data={"done": "yes"}).status_code == 404
    auth.logout()
    auth.login("priya@example.com")  # the buddy
    assert client.get(f"/buddies/newcomers/{jill.id}").status_code == 200
    client.post(f"/buddies/items/{item.id}/done", data={"done": "yes"})
    db.session.expire_all()
    assert item.is_done and item.done_by == people["member"]
    response = client.post(
        f"/buddies/newcomers/{jill.id}/items",
        data={"kind": "read_page", "page": "/p/nowhere", "due": "soon"},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Give the address of a page" in html and "Give the due date as YYYY-MM-DD." in html
    assert 'value="soon"' in html
    client.post(
        f"/buddies/newcomers/{jill.id}/items",
        data={"kind": "custom", "title": "Shadow a payment run", "due": "2026-11-20"},
    )
    assert "Shadow a payment run" in [i.title for i in plans.plan_of(jill)]


def test_an_introduction_tells_both_and_meeting_ticks_the_plan(client, auth, people, template):
    jill, noor = people["newcomer"], make_user(email="noor@example.com", name="Noor Expert")
    assign(people["manager"], jill, people["member"], template_id=template.id)
    db.session.query(Notification).delete()
    auth.login("priya@example.com")
    response = client.post(
        f"/buddies/newcomers/{jill.id}/introduce",
        data={"expert": noor.id, "process": "p2p/invoices", "note": "Noor set up the tolerances."},
    )
    assert response.status_code == 302
    told = {note.user_id: note.title for note in db.session.scalars(select(Notification))}
    assert told == {
        jill.id: "Priya Member introduced you to Noor Expert for Invoices",
        noor.id: "Priya Member introduced Jill Newcomer to you for Invoices",
    }
    introduction = db.session.scalars(select(Introduction)).one()
    assert client.post(f"/buddies/introductions/{introduction.id}/met").status_code == 404
    auth.logout()
    auth.login("jill@example.com")
    client.post(f"/buddies/introductions/{introduction.id}/met")
    meet = [item for item in plans.plan_of(jill) if item.kind == "meet_expert"]
    assert all(item.is_done for item in meet)
    assert "met" in text_of(client.get(f"/buddies/newcomers/{jill.id}").get_data(as_text=True))


def test_the_buddy_dashboard_shows_each_newcomer_and_keeps_private_questions_private(
    client, auth, people, template
):
    jill = people["newcomer"]
    today = datetime.now().date()
    services.assign_buddy(
        people["manager"],
        services.AssignmentDraft(jill.id, people["member"].id, template_id=template.id),
        today=today,
    )
    make_question(jill, "p2p", [people["trainer"]], title="Where is the vendor list?")
    make_question(jill, "p2p", [people["trainer"]], title="About my contract", private=True)
    auth.login("priya@example.com")
    board = text_of(client.get("/buddies/").get_data(as_text=True))
    assert f"day {(today - START).days + 1} since starting on 2026-11-16" in board
    assert "Where is the vendor list?" in board and "A private question" in board
    assert "About my contract" not in board
    assert "Read “Three-way match” · due 2026-11-16" in board  # overdue
    auth.logout()
    auth.login("carrie@example.com")
    assert "You are nobody's buddy right now." in client.get("/buddies/").get_data(as_text=True)


def test_the_team_view_charts_status_for_managers_only(client, auth, people, template):
    today = datetime.now().date()
    jill = people["newcomer"]
    ben = make_user(email="ben@example.com", name="Ben New", start_date=today.isoformat())
    for newcomer in (jill, ben):
        services.assign_buddy(
            people["manager"],
            services.AssignmentDraft(newcomer.id, people["member"].id, template_id=template.id),
            today=today,
        )
    auth.login("priya@example.com")
    assert client.get("/buddies/team").status_code == 403
    auth.logout()
    auth.login("marty@example.com")
    html = client.get("/buddies/team").get_data(as_text=True)
    assert '<title id="chart-title">1 on track, 1 behind, 0 done, of 2 newcomers</title>' in html
    assert "Priya Member : 2 newcomers" in text_of(html)


def test_the_newcomer_lands_on_her_buddy_plan_and_questions(client, auth, people, template):
    jill = people["newcomer"]
    services.assign_buddy(
        people["manager"],
        services.AssignmentDraft(jill.id, people["member"].id, template_id=template.id),
        today=datetime.now().date(),
    )
    make_question(jill, "p2p/invoices", [people["trainer"]], title="Which tolerance?")
    auth.login("jill@example.com")
    home = text_of(client.get("/").get_data(as_text=True))
    assert "Your first weeks: today's plan Your buddy Priya Member" in home
    assert "0 of 4 done" in home
    # The process by its name, without its slug.
    assert "Invoices 0 of 2 pages read" in home
    assert "Which tolerance?" in home
    auth.logout()
    auth.login("priya@example.com")
    assert "Your first weeks" not in client.get("/").get_data(as_text=True)


def test_hostile_text_in_templates_items_and_notes_renders_inert(
    client, auth, people, xss_payloads
):
    jill = people["newcomer"]
    process = make_process("p2p")
    made = plans.create_template(people["trainer"], "Hostile", xss_payloads[0][:200])
    for payload in xss_payloads[:40]:
        draft = plans.ItemDraft("custom", title=payload[:200] or "x", due="1")
        plans.add_template_item(people["trainer"], made, draft)
    assign(people["manager"], jill, people["member"], template_id=made.id)
    for payload in xss_payloads[:20]:
        db.session.add(
            Introduction(newcomer=jill, expert=people["trainer"], process=process, note=payload)
        )
    db.session.commit()
    auth.login("marty@example.com")
    for url in (
        f"/buddies/templates/{made.id}",
        f"/buddies/newcomers/{jill.id}",
        "/buddies/templates",
    ):
        assert problems_in(client.get(url).get_data(as_text=True)) == [], url
    team = client.get("/buddies/team").get_data(as_text=True)
    assert problems_in(team.replace("<svg", "<div", 1).replace("</svg>", "</div>")) == []
    auth.logout()
    auth.login("jill@example.com")
    assert problems_in(client.get("/").get_data(as_text=True)) == []


def test_a_meet_an_expert_item_names_whom_to_meet(client, auth, people):
    from wiki.buddies.models import PlanItem
    from wiki.people.models import Expertise

    jill = people["newcomer"]
    process = make_process("p2p")
    item = PlanItem(
        newcomer=jill, kind="meet_expert", title="Meet an expert in P2p", process=process,
        due_on=datetime.now().date() + timedelta(days=3),
    )  # fmt: skip
    db.session.add(item)
    db.session.commit()
    auth.login("jill@example.com")
    assert "ask your buddy whom to meet" in client.get("/").get_data(as_text=True)
    db.session.add(Expertise(person=people["trainer"], process=process, level="owner"))
    db.session.commit()
    assert "Whom to meet: Carrie Trainer" in text_of(client.get("/").get_data(as_text=True))
    # An introduction for the process names the expert the buddy chose.
    db.session.add(Introduction(newcomer=jill, expert=people["member"], process=process))
    db.session.commit()
    plan = text_of(client.get(f"/buddies/newcomers/{jill.id}").get_data(as_text=True))
    assert "Whom to meet: Priya Member" in plan
