"""User-group forums: opening one per process area, members, monthly meetings with attendees
and minutes, the gaps raised in a meeting (each planned with an owner), and trainers following
a process subtree."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from tests.factories import make_process
from tests.pagetext import text_of
from tests.test_markup_xss import problems_in
from wiki.extensions import db
from wiki.forums import services
from wiki.forums.models import Forum, ForumMeeting
from wiki.gaps import services as gap_services
from wiki.gaps.models import Gap
from wiki.notifications.models import Notification


def open_forum(people, path="p2p", members=("member", "newcomer")) -> Forum:
    make_process(path)
    make_process(f"{path}/invoices")
    forum = services.create_forum(people["trainer"], path, "")
    for key in members:
        services.join(people[key], forum)
    return forum


def hold_meeting(people, forum, held_on="2026-11-20", minutes="") -> ForumMeeting:
    return services.record_meeting(
        people["member"],
        forum,
        services.MeetingDraft(
            held_on, (people["member"].id, people["newcomer"].id), minutes=minutes
        ),
        today=date(2026, 12, 2),
    )


def sign_in(auth, email: str) -> None:
    auth.logout()
    auth.login(email)


def notifications_of(person, kind) -> list[Notification]:
    return db.session.scalars(
        select(Notification).where(Notification.user_id == person.id, Notification.kind == kind)
    ).all()


def test_trainers_open_one_forum_per_process_area_and_people_join(client, auth, people):
    make_process("p2p", "Procure to pay")
    sign_in(auth, "priya@example.com")
    assert client.post("/forums/", data={"process": "p2p"}).status_code == 403
    sign_in(auth, "carrie@example.com")
    response = client.post("/forums/", data={"process": "p2p", "name": ""})
    assert response.status_code == 302
    forum = db.session.scalars(select(Forum)).one()
    assert forum.name == "Procure to pay user group"
    again = client.post("/forums/", data={"process": "p2p", "name": "Second <b>forum</b>"})
    assert again.status_code == 422
    assert "Procure to pay already has its forum." in text_of(again.get_data(as_text=True))
    assert 'value="Second &lt;b&gt;forum&lt;/b&gt;"' in again.get_data(as_text=True)

    sign_in(auth, "jill@example.com")
    client.post(f"/forums/{forum.id}/join")
    assert people["newcomer"].id in forum.member_ids()
    listing = text_of(client.get("/forums/").get_data(as_text=True))
    assert "Procure to pay user group" in listing and "member" in listing
    client.post(f"/forums/{forum.id}/leave")
    assert forum.member_ids() == set()
    # A member cannot remove someone else; a trainer can add and remove.
    sign_in(auth, "carrie@example.com")
    client.post(f"/forums/{forum.id}/members", data={"person": people["member"].id})
    sign_in(auth, "jill@example.com")
    assert (
        client.post(f"/forums/{forum.id}/members/{people['member'].id}/remove").status_code == 403
    )
    assert forum.member_ids() == {people["member"].id}


def test_a_meeting_keeps_date_attendees_and_minutes_and_refuses_what_is_wrong(client, auth, people):
    forum = open_forum(people)
    sign_in(auth, "ada@example.com")  # not a member, but an admin may record
    bad = client.post(
        f"/forums/{forum.id}/meetings",
        data={"held_on": "2099-01-01", "minutes": "We talked about *freight*."},
    )
    assert bad.status_code == 422
    page = text_of(bad.get_data(as_text=True))
    assert "Record a meeting once it has been held." in page
    assert "Tick the members who came." in page
    assert "We talked about *freight*." in bad.get_data(as_text=True)
    assert db.session.scalars(select(ForumMeeting)).all() == []

    sign_in(auth, "marty@example.com")  # neither member nor trainer
    assert (
        client.post(
            f"/forums/{forum.id}/meetings",
            data={"held_on": "2026-11-20", "attendees": people["member"].id},
        ).status_code
        == 403
    )
    sign_in(auth, "priya@example.com")
    response = client.post(
        f"/forums/{forum.id}/meetings",
        data={
            "held_on": "2026-11-20",
            "attendees": [people["member"].id, people["trainer"].id],  # Carrie is no member
            "minutes": "We talked about *freight*.",
        },
    )
    assert response.status_code == 302
    meeting = db.session.scalars(select(ForumMeeting)).one()
    assert meeting.attendees == [people["member"]]
    shown = client.get(response.location).get_data(as_text=True)
    assert "<em>freight</em>" in shown and "Priya Member" in shown
    twice = client.post(
        f"/forums/{forum.id}/meetings",
        data={"held_on": "2026-11-20", "attendees": people["member"].id},
    )
    assert "The forum already has a meeting on 2026-11-20." in text_of(twice.get_data(as_text=True))
    forum_page = text_of(client.get(f"/forums/{forum.id}").get_data(as_text=True))
    assert "2026-12-21" in forum_page  # the next meeting, a month on


def test_a_gap_raised_in_a_meeting_is_planned_with_its_owner_who_hears_of_it(client, auth, people):
    forum = open_forum(people)
    meeting = hold_meeting(people, forum)
    sign_in(auth, "jill@example.com")
    url = f"/forums/{forum.id}/meetings/{meeting.id}/gaps"
    missing = client.post(url, data={"title": "Freight tolerance", "process": "p2p/invoices"})
    assert missing.status_code == 422
    text = text_of(missing.get_data(as_text=True))
    assert "Choose who will update the wiki." in text
    assert "Give the date it will be done, as YYYY-MM-DD." in text
    assert 'value="Freight tolerance"' in missing.get_data(as_text=True)
    elsewhere = client.post(
        url,
        data={
            "title": "Freight tolerance",
            "process": "hr",
            "owner": people["member"].id,
            "due_on": "2026-12-31",
        },
    )
    assert "Choose a process within" in text_of(elsewhere.get_data(as_text=True))
    assert db.session.scalars(select(Gap)).all() == []

    response = client.post(
        url,
        data={
            "title": "Freight tolerance",
            "process": "p2p/invoices",
            "owner": people["member"].id,
            "due_on": "2026-12-31",
        },
    )
    assert response.status_code == 302
    gap = db.session.scalars(select(Gap)).one()
    assert (gap.source, gap.status, gap.owner, gap.due_on, gap.forum_meeting) == (
        "forum_meeting",
        "planned",
        people["member"],
        date(2026, 12, 31),
        meeting,
    )
    assert [event.what for event in gap.events] == ["logged", "Open → Planned"]
    assert [n.url for n in notifications_of(people["member"], "gap_assigned")] == [
        f"/gaps/{gap.id}"
    ]
    plan = text_of(client.get(response.location).get_data(as_text=True))
    assert "Freight tolerance" in plan and "Priya Member" in plan and "2026-12-31" in plan
    source = text_of(client.get(f"/gaps/{gap.id}").get_data(as_text=True))
    assert "Forum meeting: P2p user group, 2026-11-20" in source

    sign_in(auth, "marty@example.com")  # not a member: reads the meeting, records nothing
    assert client.get(f"/forums/{forum.id}/meetings/{meeting.id}").status_code == 200
    assert client.post(url, data={"title": "x"}).status_code == 403


def test_a_meeting_of_another_forum_is_not_found_through_this_one(client, auth, people):
    forum = open_forum(people)
    other = open_forum(people, "hr", members=())
    meeting = hold_meeting(people, forum)
    sign_in(auth, "carrie@example.com")
    assert client.get(f"/forums/{other.id}/meetings/{meeting.id}").status_code == 404


def test_hostile_minutes_and_forum_text_render_inert(client, auth, people, xss_payloads):
    forum = open_forum(people)
    forum.description = "\n".join(xss_payloads[:60])
    for number, payload in enumerate(xss_payloads[:30], start=1):
        meeting = hold_meeting(people, forum, f"2026-10-{number:02d}", minutes=payload)
        gap_services.log_gap(
            people["member"],
            gap_services.GapDraft(
                title=payload[:200] or "x",
                process_path="p2p",
                source="forum_meeting",
                forum_meeting_id=meeting.id,
                owner_id=people["newcomer"].id,
                due_on="2026-12-31",
            ),
        )
    sign_in(auth, "priya@example.com")
    assert problems_in(client.get("/forums/").get_data(as_text=True)) == []
    assert problems_in(client.get(f"/forums/{forum.id}").get_data(as_text=True)) == []
    for meeting in forum.meetings:
        html = client.get(f"/forums/{forum.id}/meetings/{meeting.id}").get_data(as_text=True)
        assert problems_in(html) == []


def test_trainers_following_a_subtree_hear_of_each_gap_logged_under_it(client, auth, people):
    make_process("p2p")
    make_process("p2p/invoices")
    make_process("hr")
    sign_in(auth, "jill@example.com")
    assert client.get("/gaps/following").status_code == 403
    sign_in(auth, "carrie@example.com")
    client.post("/gaps/following", data={"process": "p2p"})
    assert "p2p and everything under it" in text_of(
        client.get("/gaps/following").get_data(as_text=True)
    )
    bad = client.post("/gaps/following", data={"process": "nowhere"})
    assert bad.status_code == 422
    assert "Choose the process whose gaps you want to hear of." in text_of(
        bad.get_data(as_text=True)
    )

    for path in ("p2p/invoices", "hr"):
        gap_services.log_gap(
            people["newcomer"], gap_services.GapDraft(title=f"Lost in {path}", process_path=path)
        )
    # The trainer's own gap is not announced to her.
    gap_services.log_gap(people["trainer"], gap_services.GapDraft(title="Mine", process_path="p2p"))
    heard = notifications_of(people["trainer"], "gap_logged")
    assert [n.title for n in heard] == ["New gap in Invoices: Lost in p2p/invoices"]

    subscription = gap_services.subscriptions.subscriptions_of(people["trainer"])[0]
    sign_in(auth, "ada@example.com")
    assert client.post(f"/gaps/following/{subscription.id}/remove").status_code == 404
    sign_in(auth, "carrie@example.com")
    client.post(f"/gaps/following/{subscription.id}/remove")
    assert gap_services.subscriptions.subscriptions_of(people["trainer"]) == []
