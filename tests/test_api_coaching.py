"""The API's coaching sessions, peer group meetings and FeedForward: read-only, each read by its
own participants alone (with read-only tokens); to anyone else, a manager or an admin as well,
a record is 404 like an id that was never used, and lists leave it out."""

from __future__ import annotations

import pytest

from tests.factories import bearer, make_token, make_user, record_group_meeting
from wiki.coaching import services as coaching
from wiki.feedforward import services as feedforward
from wiki.peergroups import services as peergroups

SECRET = "Wombatcobalt"  # said in each record, and nowhere else


@pytest.fixture
def read_as(client, people):
    """read(person, path): a GET with that person's read-only token."""
    secrets = {}

    def read(person, path: str):
        if person.id not in secrets:
            secrets[person.id] = make_token(person)
        return client.get(f"/api/v1{path}", headers=bearer(secrets[person.id]))

    return read


@pytest.fixture
def records(people):
    """A session coached by Priya for Jill; a meeting of a group of Priya, Jill and three
    others formed by the trainer; Jill's FeedForward request to Priya and Carrie, answered."""
    session = coaching.record_session(
        people["member"],
        coaching.SessionDraft(
            partner_id=people["newcomer"].id,
            my_role="coach",
            held_on="2026-11-20",
            outcome_wanted=f"Settle the {SECRET} question.",
            actions=[coaching.ActionDraft(f"Try the {SECRET} fix", "partner", "2026-11-27")],
        ),
    )
    others = [make_user(email=f"peer{n}@example.com", name=f"Peer {n}") for n in range(3)]
    group = peergroups.create_group(
        people["trainer"],
        peergroups.GroupDraft(
            name="Finance peers",
            primary_outcome="problem_solving",
            facilitation="rotating",
            ground_rules="1. Confidentiality.",
            member_ids=(people["member"].id, people["newcomer"].id, *(p.id for p in others)),
        ),
    )
    meeting = record_group_meeting(group, people["member"], priority=f"{SECRET} priority")
    request = feedforward.ask(
        people["newcomer"], f"{SECRET} reconciliations", [people["member"].id, people["trainer"].id]
    )
    from_priya = feedforward.suggest(people["member"], request, "Keep a checklist.")
    feedforward.suggest(people["trainer"], request, "Pair with the controller.")
    feedforward.note(people["newcomer"], from_priya, "Trying it Monday")
    return {"session": session, "meeting": meeting, "request": request}


def test_each_participant_reads_their_own_with_a_read_only_token(app, read_as, people, records):
    priya, jill = people["member"], people["newcomer"]
    for participant in (priya, jill):
        listed = read_as(participant, "/coaching/sessions").json
        assert [item["id"] for item in listed["items"]] == [records["session"].id]
    session = read_as(jill, f"/coaching/sessions/{records['session'].id}").json
    assert (
        session["coach"]["name"] == "Priya Member" and session["client"]["name"] == "Jill Newcomer"
    )
    assert session["outcome_wanted"] == f"Settle the {SECRET} question."
    assert [(a["description"], a["owner"]["id"]) for a in session["actions"]] == [
        (f"Try the {SECRET} fix", jill.id)
    ]

    meetings = read_as(jill, "/peer-groups/meetings").json["items"]
    assert [(m["id"], m["group"]["name"]) for m in meetings] == [
        (records["meeting"].id, "Finance peers")
    ]
    meeting = read_as(priya, f"/peer-groups/meetings/{records['meeting'].id}").json
    assert meeting["slot_minutes"] == 20 and len(meeting["attendance"]) == 5
    assert {row["priority"] for row in meeting["attendance"]} == {f"{SECRET} priority"}

    requests = read_as(priya, "/feedforward/requests").json["items"]
    assert [r["goal"] for r in requests] == [f"{SECRET} reconciliations"]
    path = f"/feedforward/requests/{records['request'].id}"
    mine = read_as(jill, path).json["suggestions"]
    assert [(s["text"], s["note"]) for s in mine] == [
        ("Keep a checklist.", "Trying it Monday"), ("Pair with the controller.", "")
    ]  # fmt: skip
    as_peer = read_as(priya, path).json["suggestions"]  # their own idea, without Jill's note
    assert [(s["text"], s["note"]) for s in as_peer] == [("Keep a checklist.", None)]


def test_to_anyone_else_a_record_does_not_exist_admins_included(app, read_as, people, records):
    addresses = {
        "/coaching/sessions": f"/coaching/sessions/{records['session'].id}",
        "/peer-groups/meetings": f"/peer-groups/meetings/{records['meeting'].id}",
        "/feedforward/requests": f"/feedforward/requests/{records['request'].id}",
    }
    # The trainer formed the group (and was asked for ideas, so reads the request).
    outsiders = {
        "/coaching/sessions": ("trainer", "manager", "admin"),
        "/peer-groups/meetings": ("trainer", "manager", "admin"),
        "/feedforward/requests": ("manager", "admin"),
    }
    for listing, one in addresses.items():
        never_used = read_as(people["admin"], f"{listing}/2147483647")
        assert never_used.status_code == 404
        for role in outsiders[listing]:
            answer = read_as(people[role], one)
            assert answer.status_code == 404, (role, one)
            assert answer.json == never_used.json  # nothing tells a used id from an unused one
            assert read_as(people[role], listing).json["items"] == [], (role, listing)
            assert SECRET not in answer.text


def test_they_are_read_only(app, client, people, records):
    secret = make_token(people["member"], write=True)
    for path in (
        f"/coaching/sessions/{records['session'].id}",
        "/coaching/sessions",
        "/feedforward/requests",
    ):
        answer = client.post(f"/api/v1{path}", headers=bearer(secret), json={})
        assert answer.status_code == 405 and answer.json["error"] == "method_not_allowed"
