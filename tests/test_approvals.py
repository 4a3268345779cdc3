"""Four eyes: on a controlled process an edit waits as a change request until someone else
approves it (never its author), the page shows the approved text meanwhile, a rejected text
never shows, requests on one page meet the conflict handling of any edit, newcomers' edits are
suggestions when the setting is on, and an auditor's CSV lists each change of a period."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from sqlalchemy import select

from tests import factories
from wiki.approvals import rules
from wiki.approvals import services as approvals
from wiki.approvals.models import ChangeRequest
from wiki.audit.models import AuditEntry
from wiki.errors import NotAllowed
from wiki.extensions import db
from wiki.notifications.models import Notification
from wiki.people.models import Expertise
from wiki.processes import pages
from wiki.processes.models import Process
from wiki.timeutil import utcnow
from wiki.webhooks import services as webhooks
from wiki.webhooks.models import WebhookDelivery

TEXT = "# Bank details\n\nCall the supplier back.\n\nCheck the IBAN.\n\nFile the form.\n"


@pytest.fixture
def app_config() -> dict:
    return {"WTF_CSRF_ENABLED": False, "WEBHOOK_ALLOW_PRIVATE": True}


@pytest.fixture
def page(people):
    factories.make_process("finance", name="Finance")
    factories.make_process("finance/payments", name="Payments")
    return factories.make_page("finance/payments", "Bank detail changes", TEXT, people["manager"])


@pytest.fixture
def controlled(page, people):
    """Finance is controlled, Marty names himself approver; Payments inherits it."""
    finance = db.session.scalar(select(Process).where(Process.path == "finance"))
    rules.set_control(people["manager"], finance, [people["manager"]], None)
    return page


def edit(client, page, body: str, base: int | None = None, title: str | None = None):
    return client.post(
        f"/p/{page.path}/+edit",
        data={
            "title": title or page.title,
            "body": body,
            "summary": "",
            "tags": "",
            "base_revision": base or page.latest_revision,
        },
    )


def the_request(author) -> ChangeRequest:
    return db.session.scalar(
        select(ChangeRequest)
        .where(ChangeRequest.author_id == author.id)
        .order_by(ChangeRequest.id.desc())
    )


def page_html(client, page) -> str:
    return client.get(f"/p/{page.path}").get_data(as_text=True)


def test_an_edit_of_a_controlled_page_waits_and_the_page_keeps_its_approved_text(
    client, auth, controlled, people
):
    auth.login("priya@example.com")
    assert "a second person" in client.get(f"/p/{controlled.path}/+edit").get_data(as_text=True)
    response = edit(client, controlled, TEXT.replace("Check the IBAN.", "Check the IBAN twice."))
    change = the_request(people["member"])
    assert response.status_code == 302 and response.location.endswith(
        f"/change-requests/{change.id}"
    )
    db.session.refresh(controlled)
    assert controlled.latest_revision == 1
    html = page_html(client, controlled)
    assert "Check the IBAN." in html and "twice" not in html
    assert "1 change to this page is waiting for approval" in html
    shown = client.get(f"/change-requests/{change.id}").get_data(as_text=True)
    assert "twice" in shown and "<ins" in shown and "Approve" not in shown  # not hers to approve
    notified = db.session.scalars(
        select(Notification).where(Notification.kind == "change_request")
    ).all()
    assert [n.user_id for n in notified] == [people["manager"].id]


def test_the_approver_approves_and_the_revision_names_both(client, auth, controlled, people):
    auth.login("priya@example.com")
    edit(client, controlled, TEXT + "\nKeep the call note.\n")
    change = the_request(people["member"])
    auth.logout()
    auth.login("marty@example.com")
    assert "Approve" in client.get(f"/change-requests/{change.id}").get_data(as_text=True)
    response = client.post(f"/change-requests/{change.id}/decide", data={"decision": "approve"})
    assert response.status_code == 302
    revision = pages.latest_revision(controlled)
    assert revision.number == 2 and "call note" in revision.body
    assert revision.author_id == people["member"].id
    assert revision.approved_by_id == people["manager"].id
    history = client.get(f"/p/{controlled.path}/+history").get_data(as_text=True)
    assert "Priya Member, approved by Marty Manager" in history
    assert f"Request {change.id}" in history and "Approved by Marty Manager" in history
    kinds = [entry.kind for entry in db.session.scalars(select(AuditEntry))]
    assert "change_request_opened" in kinds and "change_request_approved" in kinds
    told = db.session.scalar(
        select(Notification).where(Notification.kind == "change_request_decided")
    )
    assert told.user_id == people["member"].id


def test_self_approval_is_refused(client, auth, controlled, people):
    auth.login("marty@example.com")  # the only approver edits himself
    edit(client, controlled, TEXT + "\nMine.\n")
    change = the_request(people["manager"])
    response = client.post(f"/change-requests/{change.id}/decide", data={"decision": "approve"})
    assert response.status_code == 403
    with pytest.raises(NotAllowed, match="Someone else"):
        approvals.approve(people["manager"], change)
    assert pages.latest_revision(controlled).number == 1


def test_who_may_approve_named_people_and_experts_at_a_level(client, auth, page, people):
    payments = page.process
    finance = payments.parent
    rules.set_control(people["admin"], finance, [people["trainer"]], "expert")
    db.session.add(Expertise(person=people["admin"], process=payments, level="owner"))
    db.session.add(Expertise(person=people["newcomer"], process=payments, level="practitioner"))
    db.session.commit()
    auth.login("priya@example.com")
    edit(client, page, TEXT + "\nMore.\n")
    change = the_request(people["member"])
    assert rules.approver_ids(change) == {people["trainer"].id, people["admin"].id}
    auth.logout()
    auth.login("jill@example.com")  # a practitioner only: below the level
    response = client.post(f"/change-requests/{change.id}/decide", data={"decision": "approve"})
    assert response.status_code == 403
    auth.logout()
    auth.login("ada@example.com")  # an owner of the process: an expert and more
    client.post(f"/change-requests/{change.id}/decide", data={"decision": "approve"})
    assert pages.latest_revision(page).approved_by_id == people["admin"].id


def test_asking_for_changes_needs_a_comment_and_the_author_brings_the_request_up_to_date(
    client, auth, controlled, people
):
    auth.login("priya@example.com")
    edit(client, controlled, TEXT + "\nFirst try.\n")
    change = the_request(people["member"])
    auth.logout()
    auth.login("marty@example.com")
    refused = client.post(f"/change-requests/{change.id}/decide", data={"decision": "ask"})
    assert refused.status_code == 422 and "Say what should change" in refused.get_data(as_text=True)
    client.post(
        f"/change-requests/{change.id}/decide",
        data={"decision": "ask", "comment": "Name the form."},
    )
    db.session.refresh(change)
    assert change.state == "changes_asked" and change.comment == "Name the form."
    auth.logout()
    auth.login("priya@example.com")
    # She goes on from her request's text, not the page's.
    assert "First try." in client.get(f"/p/{controlled.path}/+edit").get_data(as_text=True)
    edit(client, controlled, TEXT + "\nFile form F-12.\n")
    db.session.refresh(change)
    assert change.state == "open" and "F-12" in change.body
    assert db.session.query(ChangeRequest).count() == 1


def test_a_rejected_request_never_shows_as_the_page(client, auth, controlled, people):
    auth.login("priya@example.com")
    edit(client, controlled, TEXT.replace("IBAN", "phone number"))
    change = the_request(people["member"])
    auth.logout()
    auth.login("marty@example.com")
    client.post(f"/change-requests/{change.id}/decide", data={"decision": "reject"})
    db.session.refresh(change)
    assert change.state == "rejected"
    assert "phone number" not in page_html(client, controlled)
    assert all("phone number" not in r.body for r in controlled.revisions)
    again = client.post(f"/change-requests/{change.id}/decide", data={"decision": "approve"})
    assert again.status_code == 400
    assert pages.latest_revision(controlled).number == 1


def test_two_requests_on_one_page_are_merged_like_edits_or_refused_when_they_overlap(
    client, auth, controlled, people
):
    auth.login("priya@example.com")
    edit(
        client,
        controlled,
        TEXT.replace("Call the supplier back.", "Call the supplier back on a known number."),
    )
    first = the_request(people["member"])
    auth.logout()
    auth.login("carrie@example.com")
    edit(client, controlled, TEXT.replace("File the form.", "File the signed form."))
    second = the_request(people["trainer"])
    auth.logout()
    auth.login("jill@example.com")
    edit(client, controlled, TEXT.replace("Call the supplier back.", "Email the supplier."))
    overlapping = the_request(people["newcomer"])
    manager = people["manager"]
    approvals.approve(manager, first)
    approvals.approve(manager, second)  # written on revision 1 too: merged, not lost
    latest = pages.latest_revision(controlled)
    assert latest.number == 3
    assert "known number" in latest.body and "signed form" in latest.body
    with pytest.raises(approvals.RequestConflict, match="same lines"):
        approvals.approve(manager, overlapping)
    db.session.refresh(overlapping)
    assert overlapping.state == "open" and pages.latest_revision(controlled).number == 3


def test_an_approval_racing_a_save_loses_neither(app, controlled, people):
    change = approvals.open_request(
        people["member"], controlled,
        pages.PageDraft(controlled.title, TEXT.replace("File the form.", "File the form today.")),
        1, "controlled",
    )  # fmt: skip
    # A save lands from revision 1 just before the approval claims the page (a direct edit
    # made as the page became controlled, or another approval).
    pages.save_page(
        people["trainer"], controlled,
        pages.PageDraft(controlled.title, TEXT.replace("Call", "Phone")), 1,
        approved_by=people["admin"],
    )  # fmt: skip
    approvals.approve(people["manager"], change)
    latest = pages.latest_revision(controlled)
    assert latest.number == 3 and "Phone the supplier" in latest.body and "today" in latest.body
    db.session.refresh(change)
    assert change.revision_number == 3


def test_the_api_cannot_save_a_controlled_page_directly(client, controlled, people):
    token = factories.make_token(people["member"], write=True)
    response = client.put(
        f"/api/v1/pages/{controlled.id}",
        json={"title": controlled.title, "body": "Gone.", "base_revision": 1},
        headers=factories.bearer(token),
    )
    assert response.status_code == 409
    assert "controlled" in response.get_json()["message"]
    assert pages.latest_revision(controlled).number == 1


def test_a_newcomer_suggests_edits_and_the_page_owner_approves(app, client, auth, page, people):
    app.config["SUGGEST_EDITS_DAYS"] = 10_000
    auth.login("jill@example.com")
    assert "suggestions" in client.get(f"/p/{page.path}/+edit").get_data(as_text=True)
    edit(client, page, TEXT + "\nA newcomer's tip.\n")
    change = the_request(people["newcomer"])
    assert change.kind == "suggestion" and pages.latest_revision(page).number == 1
    assert rules.approver_ids(change) == {people["manager"].id}  # the page's owner
    auth.logout()
    auth.login("priya@example.com")  # neither owner nor expert
    refused = client.post(f"/change-requests/{change.id}/decide", data={"decision": "approve"})
    assert refused.status_code == 403
    edit(client, page, TEXT.replace("Call", "Priya edits directly: call"))  # saved at once
    assert pages.latest_revision(page).number == 2
    auth.logout()
    auth.login("marty@example.com")
    client.post(f"/change-requests/{change.id}/decide", data={"decision": "approve"})
    latest = pages.latest_revision(page)
    assert "newcomer's tip" in latest.body and "Priya edits directly" in latest.body
    assert latest.author_id == people["newcomer"].id


def test_the_api_lists_a_pages_change_requests(client, controlled, people):
    change = approvals.open_request(
        people["member"],
        controlled,
        pages.PageDraft(controlled.title, TEXT + "y\n"),
        1,
        "controlled",
    )
    approvals.reject(people["manager"], change, "Not now.")
    token = factories.make_token(people["trainer"])
    answer = client.get(
        f"/api/v1/pages/{controlled.id}/change-requests", headers=factories.bearer(token)
    )
    assert answer.status_code == 200
    [listed] = answer.get_json()["requests"]
    assert listed["state"] == "rejected" and listed["comment"] == "Not now."
    assert (
        listed["author"]["name"] == "Priya Member"
        and listed["decided_by"]["name"] == "Marty Manager"
    )


def test_the_auditors_csv_lists_each_change_of_the_period(client, auth, controlled, people):
    auth.login("priya@example.com")
    edit(client, controlled, TEXT + "\nOne.\n")
    approved = the_request(people["member"])
    auth.logout()
    auth.login("carrie@example.com")
    edit(client, controlled, TEXT + "\n=SUM(A1)\n")
    rejected = the_request(people["trainer"])
    approvals.approve(people["manager"], approved)
    approvals.reject(people["manager"], rejected, "No formulas.")
    today = utcnow().date().isoformat()
    refused = client.get(f"/change-requests/audit.csv?from={today}&to={today}")
    assert refused.status_code == 403  # a trainer
    auth.logout()
    auth.login("marty@example.com")
    response = client.get(f"/change-requests/audit.csv?from={today}&to={today}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [
        (r["request"], r["author"], r["approver"], r["outcome"], r["revision"]) for r in rows
    ] == [
        (str(approved.id), "priya@example.com", "marty@example.com", "approved", "2"),
        (str(rejected.id), "carrie@example.com", "marty@example.com", "rejected", ""),
    ]
    assert all(r["page"] == controlled.path and r["opened_at"] and r["decided_at"] for r in rows)
    earlier = client.get("/change-requests/audit.csv?from=2020-01-01&to=2020-12-31")
    assert len(earlier.get_data(as_text=True).splitlines()) == 1
    assert client.get("/change-requests/audit.csv?from=x").status_code == 400


def test_control_form_is_for_managers_and_inherited_below(client, auth, page, people):
    auth.login("priya@example.com")
    assert client.get("/p/finance/+control").status_code == 403
    auth.logout()
    auth.login("marty@example.com")
    refused = client.post("/p/finance/+control", data={"expert_level": ""})
    assert refused.status_code == 422 and "at least one approver" in refused.get_data(as_text=True)
    client.post("/p/finance/+control", data={"approvers": [str(people["admin"].id)]})
    assert rules.governing_control(page.process).process.path == "finance"
    inherited = client.get("/p/finance/payments/+control").get_data(as_text=True)
    assert "Already controlled through" in inherited
    client.post("/p/finance/+control", data={"action": "remove"})
    assert rules.governing_control(page.process) is None


def test_webhooks_hear_of_opened_and_decided_requests(app, controlled, people, receiver):
    events = ["change_request.opened", "change_request.approved", "change_request.rejected"]
    webhooks.add_endpoint(people["admin"], webhooks.EndpointDraft(receiver.url, events, "s" * 32))
    change = approvals.open_request(
        people["member"],
        controlled,
        pages.PageDraft(controlled.title, TEXT + "x\n"),
        1,
        "controlled",
    )
    approvals.approve(people["manager"], change)
    deliveries = db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)).all()
    assert [d.event for d in deliveries] == ["change_request.opened", "change_request.approved"]
    body = json.loads(deliveries[1].body)
    assert body["object"]["state"] == "approved" and body["object"]["page"]["id"] == controlled.id


def test_the_period_must_be_in_order(app, people):
    with pytest.raises(Exception, match="ends before"):
        approvals.audit_rows(people["admin"], date(2026, 2, 1), date(2026, 1, 1))


def test_a_revert_of_a_controlled_page_opens_a_request(client, auth, controlled, people):
    pages.save_page(
        people["member"], controlled, pages.PageDraft(controlled.title, TEXT + "Later.\n"), 1,
        approved_by=people["manager"],
    )  # fmt: skip
    auth.login("priya@example.com")
    response = client.post(f"/p/{controlled.path}/+revert/1")
    change = the_request(people["member"])
    assert response.location.endswith(f"/change-requests/{change.id}")
    assert change.body == TEXT and change.base_revision == 2
    assert pages.latest_revision(controlled).number == 2
