"""Gaps: logging from a page, a search miss, an escalated question or directly; similar gaps
before saving and "me too"; the lifecycle with refused transitions and its history; who may
change a status; hostile text."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from tests.factories import assign_buddy, make_page, make_process, make_question, make_user
from tests.pagetext import text_of
from tests.test_markup_xss import problems_in
from wiki.extensions import db
from wiki.gaps import services
from wiki.gaps.models import CourseModule, Gap
from wiki.gaps.report import ReportFilters, build_report
from wiki.notifications.models import Notification
from wiki.questions.models import QuestionEscalation
from wiki.questions.periodic import remind_and_escalate
from wiki.tick import run_jobs


def log(person, title, path="p2p/invoices", **extra) -> Gap:
    make_process(path)
    return services.log_gap(person, services.GapDraft(title=title, process_path=path, **extra))


def test_a_gap_is_logged_from_the_page_that_did_not_answer(client, auth, people):
    page = make_page("p2p/invoices", "Three-way match", "Match them.")
    auth.login("jill@example.com")
    html = client.get(f"/p/{page.path}").get_data(as_text=True)
    assert f"/gaps/new?page={page.id}&amp;source=page" in html
    form = client.get(f"/gaps/new?page={page.id}&source=page").get_data(as_text=True)
    assert "which did not answer your question" in form
    assert 'value="p2p/invoices" selected' in form
    response = client.post(
        "/gaps/new",
        data={
            "page": page.id,
            "source": "page",
            "process": "p2p/invoices",
            "title": "Freight tolerance",
            "description": "Which *tolerance* applies to freight?",
        },
    )
    assert response.status_code == 302
    gap = db.session.scalars(select(Gap)).one()
    assert (gap.source, gap.source_page, gap.reporter) == (
        "page_feedback",
        page,
        people["newcomer"],
    )
    shown = client.get(response.location).get_data(as_text=True)
    assert "<em>tolerance</em>" in shown and "Page feedback" in shown


def test_a_search_miss_offers_a_gap_pre_filled(client, auth, people):
    make_process("p2p")
    auth.login("jill@example.com")
    results = client.get("/search?q=photocopier+jam").get_data(as_text=True)
    link = re.search(r'href="(/gaps/new\?[^"]+)"', results).group(1).replace("&amp;", "&")
    form = client.get(link).get_data(as_text=True)
    assert "Nothing documented about “photocopier jam”" in form
    client.post(
        "/gaps/new",
        data={
            "title": "Nothing documented about “photocopier jam”",
            "process": "p2p",
            "source": "search-miss",
        },
    )
    gap = db.session.scalars(select(Gap)).one()
    assert (gap.source, gap.search_query) == (
        "search_miss",
        "Nothing documented about “photocopier jam”",
    )


def test_similar_open_gaps_come_first_and_me_too_counts_instead_of_a_duplicate(
    client, auth, people
):
    existing = log(people["member"], "Freight tolerance on invoices")
    auth.login("jill@example.com")
    response = client.post(
        "/gaps/new", data={"title": "Tolerance for freight", "process": "p2p/invoices"}
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Is it one of these?" in html and "Freight tolerance on invoices" in html
    assert 'value="Tolerance for freight"' in html and "Log it anyway" in html
    assert len(db.session.scalars(select(Gap)).all()) == 1
    client.post(f"/gaps/{existing.id}/me-too")
    client.post(f"/gaps/{existing.id}/me-too")  # once is enough
    db.session.expire_all()
    assert existing.affected_ids() == {people["member"].id, people["newcomer"].id}
    # Logging anyway makes a new gap.
    client.post(
        "/gaps/new",
        data={"title": "Tolerance for freight", "process": "p2p/invoices", "confirm": "yes"},
    )
    assert len(db.session.scalars(select(Gap)).all()) == 2


def test_the_lifecycle_refuses_what_it_does_not_allow_and_keeps_the_history(people):
    trainer = people["trainer"]
    gap = log(people["newcomer"], "Freight tolerance")
    page = make_page("p2p/invoices", "Freight", "Two percent.")
    with pytest.raises(services.ValidationError) as refused:
        services.change_status(trainer, gap, services.Change("closed"))
    assert refused.value.errors["status"] == (
        "A gap that is open can become: planned, documented, rejected."
    )
    with pytest.raises(services.ValidationError) as refused:
        services.change_status(trainer, gap, services.Change("rejected"))
    assert refused.value.errors["reason"] == "Say why the gap is rejected."
    with pytest.raises(services.ValidationError) as refused:
        services.change_status(trainer, gap, services.Change("planned", owner_id=None))
    assert set(refused.value.errors) == {"owner", "due_on"}
    services.change_status(
        trainer, gap, services.Change("planned", owner_id=people["member"].id, due_on="2026-12-15")
    )
    told = db.session.scalars(
        select(Notification).where(Notification.user_id == people["member"].id)
    ).one()
    assert told.title == "Yours to document by 2026-12-15: Freight tolerance"
    # The address bar's whole URL works as well as a path.
    url = f"https://wiki.example.com/p/{page.path}?from=search#tolerances"
    services.change_status(trainer, gap, services.Change("documented", page_path=url))
    assert (gap.documented_page, gap.documented_revision) == (page, 1)
    services.change_status(trainer, gap, services.Change("closed", reason="Checked with Jill"))
    with pytest.raises(services.ValidationError) as refused:
        services.change_status(trainer, gap, services.Change("open"))
    assert (
        refused.value.errors["status"] == "A gap that is closed can become: nothing: it is closed."
    )
    assert [event.what for event in gap.events] == [
        "logged",
        "Open → Planned",
        "Planned → Documented",
        "Documented → Closed",
    ]
    assert gap.events[-1].note == "Checked with Jill" and gap.resolved_at is not None


def test_members_log_and_read_gaps_and_only_trainers_and_admins_move_them(client, auth, people):
    gap = log(people["newcomer"], "Freight tolerance")
    auth.login("priya@example.com")
    page = client.get(f"/gaps/{gap.id}").get_data(as_text=True)
    assert "Freight tolerance" in page and "Move it on" not in page
    refused = client.post(f"/gaps/{gap.id}/status", data={"status": "rejected", "reason": "No"})
    assert refused.status_code == 403
    auth.logout()
    auth.login("carrie@example.com")
    response = client.post(f"/gaps/{gap.id}/status", data={"status": "rejected"})
    assert response.status_code == 422
    assert "Say why the gap is rejected." in response.get_data(as_text=True)
    client.post(f"/gaps/{gap.id}/status", data={"status": "rejected", "reason": "Covered by SOP"})
    db.session.expire_all()
    assert (gap.status, gap.reject_reason) == ("rejected", "Covered by SOP")
    listing = text_of(client.get("/gaps/?status=rejected").get_data(as_text=True))
    assert "Freight tolerance Rejected" in listing


def test_an_escalated_question_becomes_one_gap_and_a_private_one_keeps_its_words(
    app, client, auth, people
):
    expert = make_user(email="noor@example.com", name="Noor")
    assign_buddy(people["newcomer"], people["member"])
    open_question = make_question(people["newcomer"], "p2p", [expert], title="Dunning letters?")
    private = make_question(
        people["newcomer"], "p2p", [expert], title="My payslip", body="Secret words", private=True
    )
    services.subscriptions.subscribe(people["trainer"], "p2p")
    later = datetime.now() + timedelta(days=6)
    remind_and_escalate(later)
    assert dict(run_jobs(later))["gaps"] == "2 gap(s) logged from unanswered questions"
    assert dict(run_jobs(later))["gaps"] == "0 gap(s) logged from unanswered questions"
    gaps = {gap.question_id: gap for gap in db.session.scalars(select(Gap))}
    assert gaps[open_question.id].title == "Dunning letters?"
    assert gaps[open_question.id].source == "escalated_question"
    assert "Secret words" not in gaps[private.id].description
    assert "My payslip" not in gaps[private.id].title
    records = db.session.scalars(select(QuestionEscalation)).all()
    assert {record.gap_id for record in records} == {gap.id for gap in gaps.values()}

    # ...and its asker: only those who may read the question know who asked it.
    assert gaps[private.id].reporter is None and len(gaps[private.id].affected) == 1
    told = db.session.scalars(
        select(Notification.kind).where(Notification.user_id == people["trainer"].id)
    ).all()
    assert told == ["gap_logged", "gap_logged"]  # of both: an unnamed reporter leaves nobody out
    auth.login("carrie@example.com")
    listed = {gap["id"]: gap for gap in client.get("/api/v1/gaps").json["items"]}
    assert listed[gaps[private.id].id]["reporter"] is None
    assert listed[gaps[open_question.id].id]["reporter"]["name"] == "Jill Newcomer"
    rows = list(csv.DictReader(io.StringIO(client.get("/gaps/report.csv").text)))
    reporters = {int(row["id"]): row["reporter"] for row in rows}
    assert reporters[gaps[open_question.id].id] == "Jill Newcomer"
    assert reporters[gaps[private.id].id] == ""


def test_hostile_text_in_gaps_renders_inert(client, auth, people, xss_payloads):
    for payload in xss_payloads[:40]:
        log(people["newcomer"], payload[:200] or "x", description=payload)
    auth.login("carrie@example.com")
    assert problems_in(client.get("/gaps/").get_data(as_text=True)) == []
    for gap in db.session.scalars(select(Gap)).all()[:40]:
        assert problems_in(client.get(f"/gaps/{gap.id}").get_data(as_text=True)) == []


def test_a_newcomers_gaps_show_on_her_home_and_her_buddys_dashboard(client, auth, people):
    assign_buddy(people["newcomer"], people["member"])
    log(people["newcomer"], "Freight tolerance")
    auth.login("jill@example.com")
    assert "Your gaps Freight tolerance · open" in text_of(client.get("/").get_data(as_text=True))
    auth.logout()
    auth.login("priya@example.com")
    board = text_of(client.get("/buddies/").get_data(as_text=True))
    assert "Gaps logged: Freight tolerance" in board


def test_merging_keeps_everyone_affected_and_the_whole_history(client, auth, people):
    keep = log(people["newcomer"], "Freight tolerance")
    duplicate = log(people["member"], "Tolerance for freight costs")
    services.me_too(people["manager"], duplicate)
    auth.login("priya@example.com")
    assert client.post(f"/gaps/{keep.id}/merge", data={"other": duplicate.id}).status_code == 403
    auth.logout()
    auth.login("carrie@example.com")
    refused = client.post(f"/gaps/{keep.id}/merge", data={"other": keep.id})
    assert refused.status_code == 422
    assert "A gap cannot be merged into itself." in refused.get_data(as_text=True)
    client.post(f"/gaps/{keep.id}/merge", data={"other": duplicate.id})
    db.session.expire_all()
    assert keep.affected_ids() == {
        p.id for p in (people["newcomer"], people["member"], people["manager"])
    }
    # The report counts them from the gap's own copy of their ids: three people, one gap.
    report = build_report(ReportFilters(), datetime(2026, 12, 2))
    assert (report.total, report.people) == (1, 3)
    assert [event.what for event in keep.events] == [
        "logged",
        "logged",
        "me too",
        f"merged gap {duplicate.id}: Tolerance for freight costs",
    ]
    response = client.get(f"/gaps/{duplicate.id}")
    assert response.status_code == 302 and response.location == f"/gaps/{keep.id}"
    listing = client.get("/gaps/").get_data(as_text=True)
    assert "Tolerance for freight costs" not in listing and "Freight tolerance" in listing


def test_a_gap_folded_into_a_course_module_shows_on_the_course_page(client, auth, people):
    gap = log(people["newcomer"], "Freight tolerance")
    make_page("p2p/invoices", "Three-way match", "Match them.")
    make_page("p2p/invoices/exceptions", "Price variances", "Handle them.")
    make_page("o2c", "Billing basics", "Bill them.")
    auth.login("priya@example.com")
    assert client.post("/courses/", data={"title": "AP basics"}).status_code == 403
    auth.logout()
    auth.login("carrie@example.com")
    response = client.post("/courses/", data={"title": "AP basics", "description": "Week one"})
    course_url = response.location
    response = client.post(f"{course_url}/modules", data={"module_title": "Invoices"})
    assert response.status_code == 422
    assert "Map the module to at least one process." in response.get_data(as_text=True)
    # Refused for its title, the module's form keeps every process that was chosen.
    response = client.post(
        f"{course_url}/modules",
        data={"module_title": "", "processes": ["p2p/invoices", "o2c"]},
    )
    assert response.status_code == 422
    chosen = re.findall(r'<option value="([^"]+)" selected>', response.get_data(as_text=True))
    assert sorted(chosen) == ["o2c", "p2p/invoices"]
    client.post(
        f"{course_url}/modules", data={"module_title": "Invoices", "processes": ["p2p/invoices"]}
    )
    module = db.session.scalars(select(CourseModule)).one()
    refused = client.post(f"/gaps/{gap.id}/status", data={"status": "folded"})
    assert "A gap that is open can become: planned, documented, rejected." in refused.get_data(
        as_text=True
    )
    client.post(
        f"/gaps/{gap.id}/status",
        data={"status": "planned", "owner": people["trainer"].id, "due_on": "2026-12-20"},
    )
    refused = client.post(f"/gaps/{gap.id}/status", data={"status": "folded"})
    assert "Choose the course module that will cover it." in refused.get_data(as_text=True)
    client.post(f"/gaps/{gap.id}/status", data={"status": "folded", "module": module.id})
    db.session.expire_all()
    assert (gap.status, gap.course_module) == ("folded", module)
    course = text_of(client.get(course_url).get_data(as_text=True))
    assert "What to revise: gaps folded in Freight tolerance · 1 affected" in course
    assert "Three-way match" in course and "Price variances" in course
    assert "Billing basics" not in course


def test_a_malformed_page_number_is_ignored(client, auth, people):
    make_process("p2p")
    auth.login("jill@example.com")
    response = client.get("/gaps/new?page=abc&source=page&process=p2p")
    assert response.status_code == 200
    assert "which did not answer your question" not in response.get_data(as_text=True)


def test_a_search_that_did_not_help_starts_ask_and_gap_at_the_best_hits_process(
    client, auth, people
):
    """Nothing found → ask or log a gap carries the closest process (the best hit's), and the
    process field is marked required."""
    make_process("finance/payables", "Payables")
    make_page("finance/payables", "Matching invoices", "Every supplier invoice is matched.")
    auth.login("jill@example.com")
    html = client.get("/search?q=supplier+invoice&missed=1").get_data(as_text=True)
    offers = html[html.index('id="miss-offers-title"') :]
    assert (
        "/questions/ask?title=supplier+invoice&amp;source=search-miss&amp;process=finance/payables"
        in offers
    )
    gap_url = re.search(r'href="(/gaps/new\?[^"]+)"', offers).group(1).replace("&amp;", "&")
    assert "process=finance/payables" in gap_url
    form = client.get(gap_url).get_data(as_text=True)
    assert '<option value="finance/payables" selected>' in form
    assert 'Process <span aria-hidden="true">*</span></label>' in form
