"""The audit trail: each security-relevant action writes its entry (who, when, from where, the
object), admins read and export it, nobody changes it, and old entries are removed by the tick."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from tests import factories
from tests.conftest import REPO, wiki_command_environment
from wiki.audit import services as audit_services
from wiki.audit.models import KINDS, AuditEntry
from wiki.audit.services import record
from wiki.auth import services as accounts
from wiki.extensions import db
from wiki.gaps import services as gaps
from wiki.people import declarations
from wiki.timeutil import utcnow

NEW_PASSWORD = "a much longer passphrase"


def entries(kind: str) -> list[AuditEntry]:
    return db.session.scalars(
        select(AuditEntry).where(AuditEntry.kind == kind).order_by(AuditEntry.id)
    ).all()


def only(kind: str) -> AuditEntry:
    found = entries(kind)
    assert len(found) == 1, [(e.kind, e.actor_email, e.detail) for e in found]
    return found[0]


@pytest.fixture
def page(people):
    return factories.make_page("p2p/invoices", "Three-way match", "Match them.", people["member"])


def test_logging_in_and_failing_to_record_who_tried_from_where_but_never_the_password(
    client, auth, people
):
    auth.login("jill@example.com", "not the password at all")
    auth.login("nobody@example.com", "guess-word-123")
    auth.login("jill@example.com")
    failed = entries("login_failed")
    assert [(e.actor_email, e.detail) for e in failed] == [
        ("jill@example.com", "wrong password"),
        ("nobody@example.com", "no account with a password"),
    ]
    assert failed[0].actor_id == people["newcomer"].id and failed[1].actor_id is None
    for entry in db.session.scalars(select(AuditEntry)):
        assert "not the password" not in " ".join((entry.detail, entry.subject_label))
        assert "guess-word" not in " ".join((entry.detail, entry.subject_label))
    success = only("login")
    assert (success.actor_id, success.address) == (people["newcomer"].id, "127.0.0.1")
    accounts.set_active(people["admin"], people["newcomer"], False)
    auth.login("jill@example.com")
    assert entries("login_failed")[-1].detail == "account deactivated"


def test_a_password_typed_into_the_email_field_is_kept_only_as_a_hash(client, auth, people):
    auth.login("Tr0ub4dor&3 horse", "tab pressed too late")
    auth.login("Tr0ub4dor&3 horse", "again")
    first, second = (entry.actor_email for entry in entries("login_failed"))
    assert first.startswith("typed, hashed: ") and "Tr0ub4dor" not in first
    assert first == second  # the same text twice is seen as the same
    csv_text = audit_services.entries_csv(audit_services.AuditFilters())
    assert "Tr0ub4dor" not in csv_text


def test_password_change_and_logging_out_everywhere(client, auth, people):
    auth.login("priya@example.com")
    client.post(
        "/account/password",
        data={
            "current_password": factories.PASSWORD,
            "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD,
        },
    )
    assert only("password_changed").actor_id == people["member"].id
    client.post("/account/sessions")
    assert only("logout_everywhere").actor_id == people["member"].id


def test_invitations_roles_and_deactivation_name_the_admin_and_the_person(client, auth, people):
    auth.login("ada@example.com")
    client.post("/admin/users/new", data={"name": "Ned New", "email": "ned@example.com"})
    ned = accounts.find_user_by_email("ned@example.com")
    sent = only("invitation_sent")
    assert (sent.actor_id, sent.subject, sent.subject_label) == (
        people["admin"].id,
        f"person:{ned.id}",
        "ned@example.com",
    )
    client.post(
        f"/admin/users/{people['member'].id}",
        data={"name": "Priya Member", "email": "priya@example.com", "roles": ["trainer"]},
    )
    assert only("role_changed").detail == "member → member, trainer"
    client.post(f"/admin/users/{people['member'].id}/active", data={"active": "0"})
    client.post(f"/admin/users/{people['member'].id}/active", data={"active": "1"})
    assert (
        only("deactivated").subject
        == only("reactivated").subject
        == f"person:{people['member'].id}"
    )

    token = accounts.invite(ned, people["admin"])
    auth.logout()
    client.post(
        f"/invitation/{token}", data={"password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    )
    assert only("invitation_used").actor_id == ned.id
    assert entries("password_changed") == []  # accepting an invitation is its own kind


def test_page_revert_move_and_delete(client, auth, people, page):
    auth.login("marty@example.com")
    client.post(
        f"/p/{page.path}/+edit",
        data={"title": page.title, "body": "Changed.", "base_revision": "1"},
    )
    client.post(f"/p/{page.path}/+revert/1")
    assert only("page_reverted").detail == "to revision 1"
    client.post(f"/p/{page.path}/+revert/3")  # the same text again: nothing happens
    assert len(entries("page_reverted")) == 1
    factories.make_process("o2c")
    client.post(f"/p/{page.path}/+move", data={"process": "o2c"})
    assert only("page_moved").detail == "p2p/invoices/three-way-match → o2c/three-way-match"
    client.post("/p/o2c/three-way-match/+delete")
    deleted = only("page_deleted")
    assert (deleted.actor_id, deleted.subject_label) == (
        people["manager"].id,
        "o2c/three-way-match",
    )


def test_process_move_and_delete(client, auth, people):
    factories.make_process("finance")
    factories.make_process("p2p/invoices")
    auth.login("marty@example.com")
    client.post("/p/p2p/invoices/+move-process", data={"parent": "finance"})
    assert only("process_moved").detail == "p2p/invoices → finance/invoices"
    client.post("/p/finance/invoices/+delete-process")
    assert only("process_deleted").subject_label == "finance/invoices"


def test_gap_merge_and_expertise_changed_by_someone_else(client, auth, people):
    factories.make_process("p2p")
    keep = gaps.log_gap(people["newcomer"], gaps.GapDraft(title="Hold codes", process_path="p2p"))
    other = gaps.log_gap(people["member"], gaps.GapDraft(title="Hold code", process_path="p2p"))
    auth.login("carrie@example.com")
    client.post(f"/gaps/{keep.id}/merge", data={"other": str(other.id)})
    assert only("gap_merged").detail == f"gap {other.id} (Hold code) merged into it"

    draft = declarations.ExpertiseDraft(process_path="p2p", level="expert")
    declared = declarations.save_expertise(people["member"], people["member"], draft)
    assert entries("expertise_changed") == []  # one's own declaration is not audited
    declarations.save_expertise(people["manager"], people["member"], draft, declared)
    changed = only("expertise_changed")
    assert (changed.actor_id, changed.subject) == (
        people["manager"].id,
        f"person:{people['member'].id}",
    )


def test_content_export_from_the_shell(app, people, page, tmp_path: Path):
    # A real shell command: the tests' own request context would stand in for a request here.
    folder = tmp_path / "out"
    environment = wiki_command_environment(app)
    exported = subprocess.run(
        [sys.executable, "-m", "wiki.cli", "content", "export", str(folder)],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert exported.returncode == 0, exported.stderr
    entry = only("content_exported")
    assert entry.address == "shell" and str(folder) in entry.detail


def test_only_admins_read_and_export_it_and_the_export_is_formula_safe(client, auth, people):
    record("login_failed", detail="x", email='=HYPERLINK("http://evil")@example.com')
    record("login", people["member"])
    db.session.commit()
    auth.login("priya@example.com")
    assert client.get("/admin/audit").status_code == 403
    assert client.get("/admin/audit/audit.csv").status_code == 403
    auth.logout()
    auth.login("ada@example.com")
    html = client.get("/admin/audit?kind=login_failed").get_data(as_text=True)
    assert "=HYPERLINK" in html and "Priya Member" not in html
    assert "Priya Member" in client.get("/admin/audit?person=PRIYA").get_data(as_text=True)
    download = client.get("/admin/audit/audit.csv?kind=login_failed")
    assert download.headers["Content-Disposition"] == "attachment; filename=audit.csv"
    rows = list(csv.DictReader(io.StringIO(download.get_data(as_text=True))))
    assert [row["email"] for row in rows] == ['\'=HYPERLINK("http://evil")@example.com']
    tomorrow = (utcnow() + timedelta(days=1)).date().isoformat()
    assert "0</strong> entries" in client.get(f"/admin/audit?since={tomorrow}").get_data(
        as_text=True
    )


def test_entries_cannot_be_changed_or_deleted_and_the_tick_removes_expired_ones(app, people):
    old = record("login", people["member"])
    old.at = utcnow() - timedelta(days=400)
    recent = record("login", people["admin"])
    db.session.commit()
    recent.detail = "rewritten"
    with pytest.raises(ValueError, match="append-only"):
        db.session.commit()
    db.session.rollback()
    db.session.delete(recent)
    with pytest.raises(ValueError, match="append-only"):
        db.session.commit()
    db.session.rollback()
    result = app.test_cli_runner().invoke(args=["tick"])
    assert "audit: 1 audit entries older than 365 days removed" in result.output
    assert [e.actor_id for e in entries("login")] == [people["admin"].id]


def test_every_kind_has_a_label_and_an_unknown_kind_is_refused(app):
    assert all(label and label[0].isupper() for label in KINDS.values())
    with pytest.raises(ValueError, match="unknown audit kind"):
        record("page_renamed")


def test_tokens_webhooks_and_rate_limits_are_audited(app, client, auth, people):
    from wiki.auth import tokens
    from wiki.webhooks import services as webhooks

    made = tokens.create_token(people["member"], "report script", write=True)
    tokens.revoke_token(people["admin"], made.token.id)
    created, revoked = only("token_created"), only("token_revoked")
    assert (created.actor_id, created.subject_label, created.detail) == (
        people["member"].id,
        "report script",
        "read-write",
    )
    assert (revoked.actor_id, revoked.detail) == (
        people["admin"].id,
        "a token of priya@example.com",
    )
    assert made.secret not in " ".join((created.detail, created.subject_label))

    app.config["WEBHOOK_ALLOW_PRIVATE"] = True
    draft = webhooks.EndpointDraft("http://127.0.0.1:9/hook", ["gap.logged"], "")
    endpoint, secret = webhooks.add_endpoint(people["admin"], draft)
    webhooks.remove_endpoint(people["admin"], endpoint)
    assert only("webhook_added").detail == "gap.logged"
    assert only("webhook_removed").subject_label == "http://127.0.0.1:9/hook"

    app.config["RATELIMIT_LOGIN"] = "2 per 15 minutes"
    for _ in range(3):
        auth.login("carrie@example.com", "not it")
    hit = only("rate_limit_hit")
    assert hit.actor_email == "carrie@example.com" and hit.detail.startswith("POST /login")
