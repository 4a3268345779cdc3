"""Peer coaching groups: size rules, equal time slots, actions carried over for review, the
closing meeting, evaluations aggregated, content for members alone, and hostile text."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.factories import make_user
from tests.pagetext import text_of
from tests.test_markup_xss import problems_in
from wiki.errors import ValidationError
from wiki.extensions import db
from wiki.notifications.models import Notification
from wiki.peergroups import services
from wiki.peergroups.models import MeetingAttendance, PeerGroup

SECRET = "Quokkavelvet"  # said in a meeting, and nowhere else


@pytest.fixture
def members(people):
    extra = [make_user(email=f"m{n}@example.com", name=f"Member {n}") for n in range(1, 5)]
    return [people["member"], people["newcomer"], *extra]  # six people


@pytest.fixture
def group(people, members):
    draft = services.GroupDraft(
        name="Finance peers",
        primary_outcome="problem_solving",
        facilitation="rotating",
        ground_rules="1. Confidentiality.",
        member_ids=tuple(person.id for person in members),
    )
    return services.create_group(people["trainer"], draft)


def meeting_draft(members, held_on="2026-11-02", absent=(), reviews=None, **extra):
    entries = [
        services.MemberEntry(
            person.id,
            present=person not in absent,
            priority=f"{SECRET} priority of {person.name}",
            action=f"Action of {person.name}",
            rating=str(3 + number % 3),
            comment="Useful",
        )
        for number, person in enumerate(members)
    ]
    return services.MeetingDraft(
        held_on=held_on,
        length_minutes=extra.pop("length", "120"),
        facilitator_id=extra.pop("facilitator_id", members[0].id),
        entries=entries,
        reviews=reviews or {},
        **extra,
    )


@pytest.mark.parametrize("size, accepted", [(4, False), (5, True), (7, True), (8, False)])
def test_a_group_has_five_to_seven_members(client, auth, people, size, accepted):
    chosen = [make_user(email=f"p{n}@example.com", name=f"Person {n}") for n in range(size)]
    auth.login("carrie@example.com")
    response = client.post(
        "/groups/new",
        data={
            "name": "Peers",
            "primary_outcome": "support",
            "facilitation": "rotating",
            "ground_rules": "Confidentiality first.",
            "members": [str(person.id) for person in chosen],
        },
    )
    if accepted:
        assert response.status_code == 302
        assert len(db.session.scalars(select(PeerGroup)).one().members) == size
        assert len(db.session.scalars(select(Notification)).all()) == size
    else:
        assert response.status_code == 422
        message = f"A peer coaching group has 5 to 7 members; you chose {size}."
        assert message in response.get_data(as_text=True)
        assert db.session.scalars(select(PeerGroup)).all() == []


def test_each_member_present_gets_an_equal_slot_and_absence_is_fine(people, members, group):
    meeting = services.record_meeting(
        members[0], group, meeting_draft(members, absent=[members[5]], length="110")
    )
    assert len(meeting.present) == 5
    assert meeting.slot_minutes == 22
    with pytest.raises(ValidationError) as refused:
        services.record_meeting(members[0], group, meeting_draft(members, length="121"))
    assert refused.value.errors["length_minutes"] == "A meeting lasts at most 120 minutes."


def test_actions_are_reviewed_at_the_next_meeting_when_their_owner_is_there(people, members, group):
    first = services.record_meeting(members[0], group, meeting_draft(members))
    actions = {row.user_id: row for row in first.attendance}
    absent = members[5]
    with pytest.raises(ValidationError) as refused:
        services.record_meeting(members[1], group, meeting_draft(members, absent=[absent]))
    assert (
        f"Say whether {members[0].name}'s action was done"
        in refused.value.errors[f"review-{actions[members[0].id].id}"]
    )
    reviews = {
        actions[person.id].id: ("done" if number % 2 == 0 else "not_done")
        for number, person in enumerate(members[:5])
    }
    second = services.record_meeting(
        members[1],
        group,
        meeting_draft(members, held_on="2026-11-25", absent=[absent], reviews=reviews),
    )
    db.session.expire_all()
    statuses = {row.user_id: row.action_status for row in first.attendance}
    assert [statuses[person.id] for person in members] == [
        "done",
        "not_done",
        "done",
        "not_done",
        "done",
        "open",  # absent: reviewed when back
    ]
    assert second.id
    still_open = {row.user_id for row in services.actions_to_review(group)}
    assert members[5].id in still_open


def test_the_figures_aggregate_attendance_ratings_and_actions(people, members, group):
    first = services.record_meeting(members[0], group, meeting_draft(members, absent=members[4:]))
    reviews = {row.id: "done" for row in first.attendance if row.present}
    reviews[first.attendance[0].id] = "not_done"
    services.record_meeting(
        members[1], group, meeting_draft(members, held_on="2026-11-25", reviews=reviews)
    )
    [figures] = services.program_figures()
    # 4 of 6 at the first meeting, 6 of 6 at the second.
    assert figures.attendance_rate == pytest.approx(10 / 12)
    # Ratings cycle 3, 4, 5 by member order: first meeting 3+4+5+3, second 3+4+5+3+4+5.
    assert figures.average_rating == pytest.approx((15 + 24) / 10)
    assert (figures.actions_done, figures.actions_reviewed) == (3, 4)
    assert (figures.members, figures.meetings) == (6, 2)


def test_the_closing_meeting_ends_the_series(people, members, group):
    services.record_meeting(members[0], group, meeting_draft(members, closing=True))
    assert group.closed_on.isoformat() == "2026-11-02"
    with pytest.raises(ValidationError):
        services.record_meeting(members[0], group, meeting_draft(members, held_on="2026-11-30"))


def test_the_rotating_facilitator_is_whoever_facilitated_longest_ago(people, members, group):
    first = services.next_facilitator(group)
    services.record_meeting(members[0], group, meeting_draft(members, facilitator_id=first.id))
    assert services.next_facilitator(group) != first


def test_content_is_for_members_and_the_program_sees_figures_only(
    client, auth, people, members, group
):
    meeting = services.record_meeting(members[0], group, meeting_draft(members))
    auth.login("priya@example.com")  # a member
    page = client.get(f"/groups/{group.id}/meetings/{meeting.id}").get_data(as_text=True)
    assert f"{SECRET} priority of Priya Member" in page
    assert "Each member's time 20 minutes" in text_of(page)
    auth.logout()
    for outsider in ("carrie@example.com", "ada@example.com"):
        auth.login(outsider)
        assert client.get(f"/groups/{group.id}").status_code == 404
        assert client.get(f"/groups/{group.id}/meetings/{meeting.id}").status_code == 404
        program = client.get("/groups/").get_data(as_text=True)
        assert "Finance peers" in program and SECRET not in program
        assert "100 %" in text_of(program)  # attendance
        search = client.get(f"/search?q={SECRET}").get_data(as_text=True)
        assert 'class="search-hit"' not in search
        for url in ("/notifications/", "/changes.atom", "/admin/users"):
            assert SECRET not in client.get(url).get_data(as_text=True), (outsider, url)
        auth.logout()
    auth.login("marty@example.com")  # a manager sees no program figures
    assert "The program" not in client.get("/groups/").get_data(as_text=True)


def test_the_meeting_form_refuses_a_present_member_without_an_action(
    client, auth, people, members, group
):
    auth.login("priya@example.com")
    data = {"held_on": "2026-11-02", "length_minutes": "90", "facilitator": members[0].id}
    for person in members:
        data |= {
            f"member-{person.id}-present": "yes",
            f"member-{person.id}-priority": "Closing faster",
            f"member-{person.id}-action": "Write the checklist",
            f"member-{person.id}-rating": "4",
        }
    data[f"member-{members[2].id}-action"] = ""
    response = client.post(f"/groups/{group.id}/meetings/new", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f"{members[2].name} was there: note the one action they chose." in html
    assert html.count('value="Closing faster"') == 6
    assert db.session.scalars(select(MeetingAttendance)).all() == []
    data[f"member-{members[2].id}-action"] = "Ask for help"
    assert client.post(f"/groups/{group.id}/meetings/new", data=data).status_code == 302


def test_hostile_text_in_a_group_renders_inert(client, auth, people, members, xss_payloads):
    draft = services.GroupDraft(
        name=xss_payloads[1][:120] or "x",
        primary_outcome="support",
        facilitation="external",
        external_facilitator=xss_payloads[2][:120] or "x",
        ground_rules="\n".join(xss_payloads[:50]),
        member_ids=tuple(person.id for person in members),
    )
    hostile = services.create_group(people["trainer"], draft)
    payloads = iter(xss_payloads * 2)
    entries = [
        services.MemberEntry(person.id, True, next(payloads), next(payloads), "4", next(payloads))
        for person in members
    ]
    meeting = services.record_meeting(
        members[0], hostile, services.MeetingDraft("2026-11-02", "120", None, False, entries)
    )
    auth.login("priya@example.com")
    for url in (
        "/groups/",
        f"/groups/{hostile.id}",
        f"/groups/{hostile.id}/meetings/{meeting.id}",
        f"/groups/{hostile.id}/meetings/new",
    ):
        assert problems_in(client.get(url).get_data(as_text=True)) == [], url


def test_members_see_their_groups_figures(client, auth, people, members, group):
    services.record_meeting(members[0], group, meeting_draft(members, absent=members[5:]))
    auth.login("priya@example.com")
    page = text_of(client.get(f"/groups/{group.id}").get_data(as_text=True))
    assert "Attendance 83 % · average rating 3.8 of 5 · actions done: 0 of the 0 reviewed" in page


def test_group_content_stays_out_of_exports(app, people, members, group, tmp_path):
    services.record_meeting(members[0], group, meeting_draft(members))
    exported = tmp_path / "export"
    assert app.test_cli_runner().invoke(args=["content", "export", str(exported)]).exit_code == 0
    assert not any(SECRET in path.read_text() for path in exported.rglob("*") if path.is_file())
