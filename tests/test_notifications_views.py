"""The bell, the list of notifications, marking them read, and the mail settings."""

from __future__ import annotations

import re

from tests.factories import make_question, make_user
from tests.pagetext import text_of
from tests.test_markup_xss import problems_in
from wiki.extensions import db
from wiki.notifications import services
from wiki.notifications.models import Notification, NotificationPreference
from wiki.questions import services as questions


def bell_text(html: str) -> str:
    match = re.search(r'<a class="bell".*?</a>', html, re.S)
    assert match, "no bell in the header"
    return text_of(match.group(0))


def test_the_bell_counts_unread_notifications_and_opening_one_reads_it(client, auth, people):
    question = make_question(people["newcomer"], "p2p", [people["member"]], title="Which form?")
    make_question(people["newcomer"], "p2p", [people["member"]], title="Which ledger?")
    auth.login("priya@example.com")
    assert bell_text(client.get("/").get_data(as_text=True)) == "Notifications, 2 unread 2"

    listing = client.get("/notifications/").get_data(as_text=True)
    assert "Jill Newcomer asked you: Which form?" in listing
    assert listing.count("notification-unread") == 2
    mine = db.session.scalars(
        db.select(Notification).where(Notification.title.contains("Which form?"))
    ).one()
    response = client.post(f"/notifications/{mine.id}/open")
    assert response.status_code == 302
    assert response.location == f"/questions/{question.id}"
    assert bell_text(client.get("/").get_data(as_text=True)) == "Notifications, 1 unread 1"

    client.post("/notifications/read-all")
    assert bell_text(client.get("/").get_data(as_text=True)) == "Notifications"
    assert "notification-unread" not in client.get("/notifications/").get_data(as_text=True)
    assert "Nothing unread." in client.get("/notifications/?show=unread").get_data(as_text=True)


def test_someone_elses_notification_cannot_be_opened_or_read(client, auth, people):
    make_question(people["newcomer"], "p2p", [people["member"]])
    theirs = db.session.scalars(db.select(Notification)).one()
    auth.login("jill@example.com")
    assert client.post(f"/notifications/{theirs.id}/open").status_code == 404
    assert client.post(f"/notifications/{theirs.id}/read").status_code == 404
    client.post("/notifications/read-all")
    db.session.expire_all()
    assert db.session.get(Notification, theirs.id).read_at is None
    assert "asked you" not in client.get("/notifications/").get_data(as_text=True)


def test_a_notification_never_sends_its_reader_to_another_site(client, auth, people):
    services.notify([people["member"]], "review_due", "Look", "", "//evil.example/p")
    db.session.commit()
    note = db.session.scalars(db.select(Notification)).one()
    auth.login("priya@example.com")
    response = client.post(f"/notifications/{note.id}/open")
    assert response.location == "/notifications/"


def test_delivery_choices_are_saved_and_a_bad_one_is_refused_keeping_the_others(
    client, auth, people
):
    auth.login("priya@example.com")
    form = client.get("/notifications/preferences").get_data(as_text=True)
    assert 'id="question_asked-immediate" name="question_asked" value="immediate" checked' in form

    response = client.post(
        "/notifications/preferences",
        data={"question_asked": "digest", "review_due": "weekly", "question_answered": "off"},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Choose one of: immediate, digest, off." in html
    assert 'id="question_asked-digest" name="question_asked" value="digest" checked' in html
    assert 'value="off" checked' in html
    assert db.session.scalars(db.select(NotificationPreference)).all() == []

    response = client.post(
        "/notifications/preferences", data={"question_asked": "digest", "review_due": "off"}
    )
    assert response.status_code == 302
    chosen = services.deliveries_of(people["member"])
    assert (chosen["question_asked"], chosen["review_due"], chosen["question_answered"]) == (
        "digest",
        "off",
        "immediate",
    )


def test_hostile_text_in_notifications_renders_inert(client, auth, people, xss_payloads):
    asker = make_user(email="mallory@example.com", name='<img src=x onerror="alert(1)">')
    for payload in xss_payloads[:60]:
        make_question(asker, "p2p", [people["member"]], title=payload[:200], body=payload)
    auth.login("priya@example.com")
    for page in (1, 2):
        html = client.get(f"/notifications/?page={page}").get_data(as_text=True)
        assert problems_in(html) == []
    assert problems_in(client.get("/").get_data(as_text=True)) == []


def test_reading_a_question_reads_what_the_bell_said_about_it_and_nothing_else(
    client, auth, people
):
    first = make_question(people["newcomer"], "p2p", [people["member"]], title="First")
    for number in range(10):  # ids that start with the first one's digits, e.g. 1 and 10
        make_question(people["newcomer"], "p2p", [people["member"]], title=f"Other {number}")
    questions.add_post(people["member"], first, "An answer.")
    questions.add_post(people["newcomer"], first, "Thanks, and a follow-up.")
    auth.login("priya@example.com")
    assert bell_text(client.get("/").get_data(as_text=True)) == "Notifications, 12 unread 12"
    # The question's own page already counts them read.
    read_there = client.get(f"/questions/{first.id}").get_data(as_text=True)
    assert bell_text(read_there) == "Notifications, 10 unread 10"
    assert bell_text(client.get("/").get_data(as_text=True)) == "Notifications, 10 unread 10"


def test_defaults_send_what_one_waits_for_at_once_and_the_rest_in_the_digest(client, auth, people):
    chosen = services.deliveries_of(people["member"])
    for kind in ("question_asked", "question_answered", "question_follow_up", "sign_in_help"):
        assert chosen[kind] == "immediate", kind
    for kind in ("watched_change", "review_due", "gap_logged"):
        assert chosen[kind] == "digest", kind
    services.notify([people["member"]], "watched_change", "Edited", "", "/p/x")
    services.notify([people["member"]], "question_asked", "Asked", "", "/questions/1")
    db.session.commit()
    deliveries = dict(db.session.execute(db.select(Notification.kind, Notification.delivery)).all())
    assert deliveries == {"watched_change": "digest", "question_asked": "immediate"}


def test_the_settings_are_one_table_and_admin_only_kinds_show_to_admins_only(client, auth, people):
    auth.login("priya@example.com")
    form = client.get("/notifications/preferences").get_data(as_text=True)
    assert form.count("<table") == 1 and "<fieldset" not in form
    assert "A webhook you added was paused" not in form
    assert 'id="watched_change-digest" name="watched_change" value="digest" checked' in form
    # Saving the defaults stores nothing: a better default later still reaches this person.
    client.post("/notifications/preferences", data={"watched_change": "digest"})
    assert db.session.scalars(db.select(NotificationPreference)).all() == []
    auth.logout()
    auth.login("ada@example.com")
    form = client.get("/notifications/preferences").get_data(as_text=True)
    assert "A webhook you added was paused" in form
