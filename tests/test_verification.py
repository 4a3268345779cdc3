"""Verified pages: who may verify, the four states, a material change that makes a verified
page due for review and reaches its verifier, its readers (with what changed since they read
it), a newcomer's plan, and the owners of pages built on it; a leaving verifier's pages passed
to the backup verifier; reminders and expiry from `wiki tick`, once each."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests import factories
from wiki.auth import services as accounts
from wiki.buddies.models import PageRead, PlanItem
from wiki.errors import NotAllowed, ValidationError
from wiki.extensions import db
from wiki.notifications.models import Notification
from wiki.people.declarations import ExpertiseDraft, save_expertise
from wiki.processes import pages
from wiki.timeutil import utcnow
from wiki.verification import periodic, services
from wiki.verification.models import PageTrust
from wiki.webhooks import services as webhooks
from wiki.webhooks.models import WebhookDelivery


@pytest.fixture
def app_config() -> dict:
    return {"WTF_CSRF_ENABLED": False, "WEBHOOK_ALLOW_PRIVATE": True, "VERIFY_DAYS": 90}


@pytest.fixture
def match(people):
    """Three-way match, owned by the member; the trainer is an expert of its process."""
    page = factories.make_page("p2p", "Three-way match", "Tolerance is 2 %.", people["member"])
    save_expertise(people["trainer"], people["trainer"], ExpertiseDraft("p2p", "expert"))
    return page


def notices(person, kind: str) -> list[Notification]:
    return db.session.scalars(
        select(Notification).where(Notification.user_id == person.id, Notification.kind == kind)
    ).all()


def edit(page, author, body: str, minor: bool = False) -> None:
    pages.save_page(
        author, page, pages.PageDraft(page.title, body, minor=minor), page.latest_revision
    )


def test_the_owner_or_an_expert_verifies_and_the_state_follows_the_date(people, match):
    assert services.badge(match).state == services.UNVERIFIED
    with pytest.raises(NotAllowed):
        services.verify(people["newcomer"], match)
    trust = services.verify(people["trainer"], match, "Checked against the policy.")
    now = utcnow()
    assert trust.verifier_id == people["trainer"].id
    assert timedelta(days=89) < trust.verified_until - now <= timedelta(days=90)
    assert services.state_of(trust, now) == services.VERIFIED
    assert (
        services.state_of(trust, trust.verified_until - timedelta(days=13)) == services.REVIEW_DUE
    )
    assert services.state_of(trust, trust.verified_until) == services.EXPIRED
    with pytest.raises(ValidationError):
        services.verify(people["member"], match, until=date.today() - timedelta(days=1))
    fixed = services.verify(people["member"], match, until=date.today() + timedelta(days=30))
    assert fixed.verifier_id == people["member"].id and fixed.verified_until.date() == (
        date.today() + timedelta(days=30)
    )


def test_a_material_change_makes_it_due_and_tells_the_verifier_and_the_readers(people, match):
    newcomer, member, trainer = people["newcomer"], people["member"], people["trainer"]
    db.session.add(PageRead(user_id=newcomer.id, page_id=match.id, first_read_at=utcnow()))
    item = PlanItem(
        newcomer_id=newcomer.id, kind="read_page", title="Read it", due_on=date.today(),
        page_id=match.id, done_at=utcnow(),
    )  # fmt: skip
    db.session.add(item)
    db.session.commit()
    services.verify(trainer, match)
    edit(match, member, "Tolerance is 2 %, the wording tidied.", minor=True)  # a typo's worth
    assert services.badge(match).state == services.VERIFIED
    assert notices(newcomer, "page_changed") == []
    edit(match, member, "Tolerance is 3 %.", minor=True)  # a figure is never minor
    assert services.badge(match).state == services.REVIEW_DUE
    (review,) = notices(trainer, "verification_review")
    assert review.url == f"/p/{match.path}/+diff?from=1&to=3"
    (changed,) = notices(newcomer, "page_changed")
    assert changed.title == "Three-way match changed since you read it"
    assert changed.url == f"/p/{match.path}/+diff?from=1&to=3"  # from the revision she read
    db.session.refresh(item)
    assert item.done_at is None  # her plan asks her to read it again
    assert db.session.scalar(select(PageRead).where(PageRead.user_id == newcomer.id)) is None


def test_someone_who_never_read_it_hears_nothing_and_an_unverified_page_tells_no_one(people, match):
    edit(match, people["member"], "Tolerance is 5 % from now on, for every supplier.")
    assert (
        db.session.scalars(select(Notification).where(Notification.kind == "page_changed")).all()
        == []
    )
    services.verify(people["trainer"], match)
    edit(match, people["member"], "Tolerance is 6 % from now on, for every supplier.")
    assert notices(people["newcomer"], "page_changed") == []


def test_pages_that_link_to_it_and_course_modules_on_its_process_hear_of_the_change(people, match):
    from wiki.gaps.models import Course, CourseModule

    factories.make_page("p2p", "Hold queue", "Check [[Three-way match]] first.", people["admin"])
    course = Course(title="AP basics")
    course.modules = [CourseModule(title="Matching", processes=[match.process])]
    db.session.add(course)
    db.session.commit()
    services.verify(people["trainer"], match)
    edit(match, people["member"], "Tolerance is 3 %, and quantity must match exactly.")
    (owner,) = notices(people["admin"], "dependency_changed")
    assert owner.title == "Hold queue depends on a page that changed"
    (trainer,) = notices(people["trainer"], "dependency_changed")
    assert "“Matching” cover P2p" in trainer.body


def test_a_leaving_verifier_hands_the_pages_to_the_backup_verifier(people, match):
    save_expertise(people["manager"], people["manager"], ExpertiseDraft("p2p", "practitioner"))
    services.verify(people["trainer"], match)
    accounts.set_active(people["admin"], people["trainer"], False)
    trust = db.session.get(PageTrust, match.id)
    assert trust.verifier_id == people["manager"].id
    (passed,) = notices(people["manager"], "verification_passed")
    assert passed.title == "You now verify “Three-way match”"
    assert [step.step for step in services.steps_of(match)] == ["passed", "verified"]


def test_tick_reminds_before_expiry_and_announces_an_expiry_once(people, match):
    webhooks.add_endpoint(
        people["admin"],
        webhooks.EndpointDraft("http://127.0.0.1:9/h", ["page.verification_expired"], "s" * 24),
    )
    services.verify(people["trainer"], match, until=date.today() + timedelta(days=10))
    assert periodic.remind_and_expire(utcnow()) == (1, 0)
    assert periodic.remind_and_expire(utcnow()) == (0, 0)
    later = utcnow() + timedelta(days=11)
    assert periodic.remind_and_expire(later) == (0, 1)
    assert periodic.remind_and_expire(later) == (0, 0)
    (delivery,) = db.session.scalars(select(WebhookDelivery)).all()
    sent = json.loads(delivery.body)
    assert sent["event"] == "page.verification_expired" and sent["object"]["id"] == match.id
    assert len(notices(people["trainer"], "verification_due")) == 2  # the reminder, the expiry


def test_verifying_from_the_page_shows_the_badge_and_the_history(client, auth, people, match):
    auth.login("carrie@example.com")
    page = client.get(f"/p/{match.path}").text
    assert "Not verified" in page and "Verify this page" in page
    answer = client.post(f"/p/{match.path}/+verify", data={"note": "Matches policy FIN-7."})
    assert answer.status_code == 302
    page = client.get(f"/p/{match.path}").text
    assert "Verified</span> by Carrie Trainer, until" in page
    history = client.get(f"/p/{match.path}/+history").text
    assert "verified by Carrie Trainer" in history and "Matches policy FIN-7." in history
    auth.logout()
    auth.login("jill@example.com")
    assert "Verify this page" not in client.get(f"/p/{match.path}").text
    client.post(f"/p/{match.path}/+verify")
    assert db.session.get(PageTrust, match.id).verifier_id == people["trainer"].id


def test_the_api_shows_the_verification_and_verifies_with_a_read_write_token(client, people, match):
    reader = factories.bearer(factories.make_token(people["trainer"]))
    writer = factories.bearer(factories.make_token(people["trainer"], write=True))
    shown = client.get(f"/api/v1/pages/{match.id}", headers=reader).json
    assert shown["verification"] == {"state": "unverified", "verifier": None, "until": None}
    assert (
        client.post(f"/api/v1/pages/{match.id}/verify", json={}, headers=reader).status_code == 403
    )
    done = client.post(f"/api/v1/pages/{match.id}/verify", json={"note": "ok"}, headers=writer)
    assert done.status_code == 200 and done.json["verification"]["state"] == "verified"
    assert done.json["verification"]["verifier"] == {
        "id": people["trainer"].id,
        "name": "Carrie Trainer",
    }
    stranger = factories.bearer(factories.make_token(people["newcomer"], write=True))
    refused = client.post(f"/api/v1/pages/{match.id}/verify", json={}, headers=stranger)
    assert refused.status_code == 403 and "owner or an expert" in refused.json["message"]


def test_the_editor_offers_minor_edit_and_a_minor_typo_keeps_the_page_verified(
    client, auth, people, match
):
    services.verify(people["trainer"], match)
    auth.login("priya@example.com")
    assert 'name="minor"' in client.get(f"/p/{match.path}/+edit").text
    saved = client.post(
        f"/p/{match.path}/+edit",
        data={"title": match.title, "body": "Tolerance is 2 %, checked and noted down.",
              "base_revision": "1", "minor": "1"},
    )  # fmt: skip
    assert saved.status_code == 302
    assert services.badge(match).state == services.VERIFIED


def test_content_health_counts_what_is_read_and_verified_per_process(client, auth, people, match):
    from wiki.verification import health, readership

    other = factories.make_page("o2c", "Dunning", "Three letters.", people["member"])
    old = factories.make_page("o2c", "Old fax procedure", "Fax it.", people["member"])
    old.created_at = utcnow() - timedelta(days=400)
    db.session.commit()
    services.verify(people["trainer"], match)
    auth.login("jill@example.com")
    for path in (match.path, match.path, other.path):
        assert client.get(f"/p/{path}").status_code == 200
    readership.write_counts()
    report = health.content_health(utcnow())
    assert (report.overall.viewed, report.overall.verified) == (2, 1)
    assert {area.path: area.share for area in report.areas} == {"o2c": 0.0, "p2p": 1.0}
    assert [(page.title, page.views) for page in report.most_read_unverified] == [("Dunning", 1)]
    assert report.unread == [("Old fax procedure", "o2c/old-fax-procedure")]
    assert health.snapshot_trust(utcnow()) and not health.snapshot_trust(utcnow())
    assert client.get("/verification/health").status_code == 403  # a newcomer
    auth.logout()
    auth.login("carrie@example.com")
    page = client.get("/verification/health").text
    assert "Dunning</a>: 1 views, not verified" in page and "Old fax procedure" in page
    csv_text = client.get("/verification/health?format=csv").text
    assert "All processes,2,1,0.500" in csv_text


def test_search_results_show_each_pages_verification(client, auth, people, match):
    services.verify(people["trainer"], match)
    factories.make_page("p2p", "Price variance", "When the match fails on price.", people["member"])
    auth.login("jill@example.com")
    page = client.get("/search", query_string={"q": "match"}).text
    assert "Verified</span> by Carrie Trainer, until" in page
    assert "Not verified</span>" in page


def test_a_verifier_away_when_the_reminder_is_due_hands_the_page_to_the_backup(people, match):
    save_expertise(people["manager"], people["manager"], ExpertiseDraft("p2p", "practitioner"))
    services.verify(people["trainer"], match, until=date.today() + timedelta(days=10))
    away = ExpertiseDraft("p2p", "expert", availability="away", away_until="2099-01-01")
    mine = services.experts_for(match.process, date.today())
    trainer_expertise = next(e.expertise for e in mine if e.person.id == people["trainer"].id)
    save_expertise(people["trainer"], people["trainer"], away, trainer_expertise)
    assert periodic.remind_and_expire(utcnow()) == (1, 0)
    assert db.session.get(PageTrust, match.id).verifier_id == people["manager"].id
    assert notices(people["trainer"], "verification_due") == []
    assert len(notices(people["manager"], "verification_due")) == 1
    (passed,) = notices(people["manager"], "verification_passed")
    assert "Carrie Trainer is away" in passed.body
