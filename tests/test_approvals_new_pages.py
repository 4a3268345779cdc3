"""Four eyes on new pages: a new page in a controlled process waits as a change request,
unseen (no page, no listing, no search hit) until someone other than its author approves it;
approval creates it by the normal path, a rejection creates nothing, a title taken meanwhile
refuses the approval clearly, the API answers 409 as for a held edit, a newcomer's new page
is a suggestion for the process's experts, and the auditor's rows list it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests import factories
from tests.test_approvals import the_request
from wiki.approvals import rules
from wiki.approvals import services as approvals
from wiki.approvals.models import ChangeRequest
from wiki.audit.models import AuditEntry
from wiki.auth.models import User
from wiki.errors import NotAllowed
from wiki.extensions import db
from wiki.people.models import Expertise
from wiki.processes import pages
from wiki.processes.models import Process
from wiki.questions import to_page
from wiki.timeutil import utcnow

NEW_TEXT = "# Vendor onboarding\n\nCheck the quokka register first.\n"


@pytest.fixture
def app_config() -> dict:
    return {"WTF_CSRF_ENABLED": False}


@pytest.fixture
def payments(people) -> Process:
    """Finance and Payments below it, with no page yet."""
    factories.make_process("finance", name="Finance")
    return factories.make_process("finance/payments", name="Payments")


@pytest.fixture
def controlled(payments, people) -> Process:
    """Finance is controlled, Marty approves; Payments inherits it."""
    rules.set_control(people["manager"], payments.parent, [people["manager"]], None)
    return payments


def ask_new_page(author, process, title: str, body: str = NEW_TEXT) -> ChangeRequest:
    draft = pages.PageDraft(title, body)
    return approvals.open_new_page_request(author, process, draft, "controlled")


def new_page(client, process_path: str = "finance/payments", title: str = "Vendor onboarding"):
    return client.post(
        f"/p/{process_path}/+new",
        data={"title": title, "body": NEW_TEXT, "summary": "", "tags": ""},
    )


def test_a_new_page_in_a_controlled_process_waits_unseen_until_approved(
    client, auth, controlled, people
):
    auth.login("priya@example.com")
    editor = client.get("/p/finance/payments/+new").get_data(as_text=True)
    assert "a new page needs a second person" in editor
    response = new_page(client)
    change = the_request(people["member"])
    assert change.page_id is None and change.is_new_page and change.state == "open"
    assert response.location.endswith(f"/change-requests/{change.id}")
    notice = client.get(response.location).get_data(as_text=True)
    assert "Your new page waits for approval by Marty Manager" in notice
    assert "Vendor onboarding" in client.get("/change-requests/").get_data(as_text=True)
    assert client.get("/p/finance/payments/vendor-onboarding").status_code == 404
    assert "Vendor onboarding" not in client.get("/p/finance/payments").get_data(as_text=True)
    assert "Vendor onboarding" not in client.get("/search?q=quokka").get_data(as_text=True)
    assert pages.slug_taken(change.process, "vendor-onboarding") is None
    auth.logout()
    auth.login("marty@example.com")
    assert "Approve" in client.get(f"/change-requests/{change.id}").get_data(as_text=True)
    decided = client.post(f"/change-requests/{change.id}/decide", data={"decision": "approve"})
    assert decided.location.endswith("/p/finance/payments/vendor-onboarding")
    created = pages.get_page("finance/payments/vendor-onboarding")
    first = pages.latest_revision(created)
    assert first.number == 1 and "quokka" in first.body
    assert first.author_id == created.owner_id == people["member"].id
    assert first.approved_by_id == people["manager"].id
    db.session.refresh(change)
    assert change.page_id == created.id and change.revision_number == 1
    kinds = [entry.kind for entry in db.session.scalars(select(AuditEntry))]
    assert "change_request_opened" in kinds and "change_request_approved" in kinds
    assert "Vendor onboarding" in client.get("/p/finance/payments").get_data(as_text=True)


def test_a_new_page_is_never_approved_by_its_author_and_a_rejection_leaves_nothing(
    client, auth, controlled, people
):
    auth.login("marty@example.com")  # the only approver writes the page himself
    new_page(client)
    change = the_request(people["manager"])
    refused = client.post(f"/change-requests/{change.id}/decide", data={"decision": "approve"})
    assert refused.status_code == 403
    with pytest.raises(NotAllowed, match="Someone else"):
        approvals.approve(people["manager"], change)
    auth.logout()
    auth.login("priya@example.com")
    new_page(client, title="Second thoughts")
    mine = the_request(people["member"])
    approvals.ask_for_changes(people["manager"], mine, "A clearer title, please.")
    again = client.get(f"/p/finance/payments/+new?request={mine.id}").get_data(as_text=True)
    assert "Second thoughts" in again and "quokka" in again
    client.post(
        f"/p/finance/payments/+new?request={mine.id}",
        data={"title": "Vendor checks", "body": NEW_TEXT, "summary": "", "tags": ""},
    )
    db.session.refresh(mine)
    assert mine.state == "open" and mine.title == "Vendor checks"
    assert the_request(people["member"]).id == mine.id  # brought up to date, not a second one
    approvals.reject(people["manager"], mine, "We keep it on the old page.")
    assert mine.page_id is None
    assert client.get("/p/finance/payments/vendor-checks").status_code == 404
    assert "Rejected" in client.get(f"/change-requests/{mine.id}").get_data(as_text=True)


def test_two_new_pages_of_one_title_the_second_approval_is_refused_clearly(
    client, auth, controlled, people
):
    first = ask_new_page(people["member"], controlled, "Vendor onboarding")
    second = ask_new_page(people["trainer"], controlled, "Vendor Onboarding", "Mine.\n")
    approvals.approve(people["manager"], first)
    auth.login("marty@example.com")
    response = client.post(f"/change-requests/{second.id}/decide", data={"decision": "approve"})
    assert response.status_code == 409
    assert "cannot be created in Payments" in response.get_data(as_text=True)
    db.session.refresh(second)
    assert second.state == "open" and second.page_id is None
    assert pages.latest_revision(pages.get_page(controlled.path + "/vendor-onboarding"))


def test_the_api_cannot_create_a_page_in_a_controlled_process_directly(client, controlled, people):
    token = factories.make_token(people["member"], write=True)
    response = client.post(
        f"/api/v1/processes/{controlled.id}/pages",
        json={"title": "Vendor onboarding", "body": NEW_TEXT},
        headers=factories.bearer(token),
    )
    assert response.status_code == 409
    assert "controlled" in response.get_json()["message"]
    assert client.get("/api/v1/pages/999", headers=factories.bearer(token)).status_code == 404
    assert db.session.scalar(select(ChangeRequest)) is None


def test_a_newcomers_new_page_is_a_suggestion_for_the_process_experts(
    app, client, auth, payments, people
):
    app.config["SUGGEST_EDITS_DAYS"] = 10_000
    db.session.add(Expertise(user_id=people["trainer"].id, process_id=payments.id, level="expert"))
    db.session.commit()
    auth.login("jill@example.com")
    new_page(client)
    change = the_request(people["newcomer"])
    assert change.kind == "suggestion" and change.page_id is None
    assert rules.approver_ids(change) == {people["trainer"].id}  # no owner yet: the experts
    approvals.approve(people["trainer"], change)
    assert pages.get_page("finance/payments/vendor-onboarding").owner_id == people["newcomer"].id


def test_a_suggestion_nobody_the_rules_name_can_decide_goes_to_managers_and_admins(
    app, client, auth, payments, people
):
    app.config["SUGGEST_EDITS_DAYS"] = 10_000  # Payments has no expert, the page no owner
    auth.login("jill@example.com")
    new_page(client)
    change = the_request(people["newcomer"])
    deciders = {user.id for user in rules.approvers(change)}
    assert people["manager"].id in deciders and people["newcomer"].id not in deciders
    assert deciders <= {
        user.id for user in db.session.scalars(select(User)) if user.has_role("manager", "admin")
    }
    approvals.approve(people["manager"], change)
    assert pages.get_page("finance/payments/vendor-onboarding").owner_id == people["newcomer"].id


def test_the_auditors_csv_lists_new_page_requests(client, auth, controlled, people):
    approved = ask_new_page(people["member"], controlled, "Vendor onboarding")
    waiting = ask_new_page(people["trainer"], controlled, "Audit trail", "Keep it.\n")
    approvals.approve(people["manager"], approved)
    today = utcnow().date()
    rows = approvals.audit_rows(people["manager"], today, today)
    assert [(row.page, row.request, row.revision, row.outcome) for row in rows] == [
        ("finance/payments/audit-trail", waiting.id, None, "open"),
        ("finance/payments/vendor-onboarding", approved.id, 1, "approved"),
    ]


def test_a_page_made_from_a_questions_answer_waits_too_and_credits_it_once_approved(
    client, auth, controlled, people
):
    question = factories.make_answered_question(
        people["newcomer"], "finance/payments", "Blocked vendors", "Call vendor master data."
    )
    editor = f"/questions/{question.id}/new-page"
    auth.login("noor@example.com")
    assert "a new page needs a second person" in client.get(editor).get_data(as_text=True)
    response = client.post(
        editor, data={"title": "Blocked vendors", "body": "Release the block.", "summary": ""}
    )
    noor = db.session.scalar(select(User).where(User.email == "noor@example.com"))
    change = the_request(noor)
    assert response.location.endswith(f"/change-requests/{change.id}")
    assert change.page_id is None and change.process_id == controlled.id
    assert client.get("/p/finance/payments/blocked-vendors").status_code == 404
    # Approved, the page credits the question as a page made at once does.
    approvals.approve(people["manager"], change)
    page = pages.get_page("finance/payments/blocked-vendors")
    assert [(d.page_id, d.author_id) for d in to_page.documented_in(question)] == [
        (page.id, noor.id)
    ]


def test_files_pasted_into_a_held_new_page_are_its_files_once_approved(controlled, people):
    from wiki.attachments import pending
    from wiki.attachments import services as attachments

    kept = pending.upload_pending(
        people["member"], controlled, "till-slip.png", factories.image_bytes()
    )
    body = NEW_TEXT + "\n" + pending.reference_for(kept) + "\n"
    change = ask_new_page(people["member"], controlled, "Vendor onboarding", body)
    approvals.approve(people["manager"], change)
    page = pages.get_page("finance/payments/vendor-onboarding")
    assert list(attachments.current_attachments(page.id)) == ["till-slip.png"]
