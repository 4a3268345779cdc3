"""The API beyond pages: search as data, people and expertise, questions (private ones kept
private), gaps with the trainer's report, notifications, and a buddy's newcomers."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.factories import assign_buddy, bearer, make_page, make_process, make_question, make_token
from wiki.extensions import db
from wiki.gaps import services as gaps


@pytest.fixture
def as_role(client, people):
    """call(role, method, path, **kwargs): an API call with that person's read-write token."""
    secrets = {}

    def call(role: str, method: str, path: str, **kwargs):
        if role not in secrets:
            secrets[role] = make_token(people[role], write=True)
        return client.open(f"/api/v1{path}", method=method, headers=bearer(secrets[role]), **kwargs)

    return call


def test_search_answers_totals_facets_and_snippets_as_data(app, as_role):
    make_page("p2p/invoices", "Three-way match", "Match the purchase order, receipt and invoice.")
    make_page("p2p/invoices", "Price variance", "When the invoice price differs from the order.")
    make_page("r2r", "Month-end close", "Accruals and the trial balance.")
    everything = as_role("member", "GET", "/search?q=invoice").json
    assert everything["facets"]["type"] == {"page": 2, "process": 1}
    found = as_role("member", "GET", "/search?q=invoice&type=page").json
    assert found["total"] == 2 and {hit["title"] for hit in found["hits"]} == {
        "Three-way match", "Price variance"
    }  # fmt: skip
    hit = found["hits"][0]
    assert any(piece["match"] for snippet in hit["snippets"] for piece in snippet)
    assert hit["process"].endswith("Invoices") and hit["url"].startswith("/p/p2p/invoices/")
    scoped = as_role("member", "GET", "/search?q=invoice&process=r2r").json
    assert scoped["total"] == 0
    assert as_role("member", "GET", "/search?q=x&process=nowhere").status_code == 404
    assert as_role("member", "GET", "/search?q=x&type=spaceship").status_code == 422


def test_search_hits_come_a_limit_at_a_time_with_a_cursor(app, as_role):
    for number in range(5):
        make_page("p2p", f"Accrual {number}", "Accruals at month end.")
    seen, cursor = [], None
    for _ in range(3):
        more = f"&cursor={cursor}" if cursor else ""
        answer = as_role("member", "GET", f"/search?q=accrual&type=page&limit=2{more}").json
        assert answer["total"] == 5 and len(answer["hits"]) <= 2
        seen += [hit["title"] for hit in answer["hits"]]
        cursor = answer["next_cursor"]
    assert cursor is None and sorted(seen) == [f"Accrual {number}" for number in range(5)]
    first = as_role("member", "GET", "/search?q=accrual&limit=2").json["next_cursor"]
    other_size = as_role("member", "GET", f"/search?q=accrual&limit=3&cursor={first}")
    assert other_size.status_code == 400 and "cursor" in other_size.json["fields"]
    elsewhere = as_role("member", "GET", f"/gaps?cursor={first}")
    assert elsewhere.status_code == 400
    whole = as_role("member", "GET", "/search?q=accrual").json  # 20 hits unless limit says
    assert len(whole["hits"]) == 5 and whole["next_cursor"] is None


def test_profiles_experts_and_declaring_expertise(app, as_role, people):
    process = make_process("p2p/invoices")
    mine = as_role(
        "member", "PUT", f"/people/{people['member'].id}/expertise",
        json={"process_id": process.id, "level": "expert", "ask_me_about": "Tolerances"},
    )  # fmt: skip
    assert mine.status_code == 200 and mine.json["level"] == "expert"
    changed = as_role("member", "PUT", f"/people/{people['member'].id}/expertise",
                      json={"process_id": process.id, "level": "practitioner"})  # fmt: skip
    assert changed.json["id"] == mine.json["id"] and changed.json["level"] == "practitioner"
    others = as_role("member", "PUT", f"/people/{people['newcomer'].id}/expertise",
                     json={"process_id": process.id, "level": "expert"})  # fmt: skip
    assert others.status_code == 403
    away_without_date = {"process_id": process.id, "level": "expert", "availability": "away"}
    away = as_role("member", "PUT", f"/people/{people['member'].id}/expertise",
                   json=away_without_date)  # fmt: skip
    assert away.status_code == 422 and "away_until" in away.json["fields"]
    as_role("manager", "PUT", f"/people/{people['trainer'].id}/expertise",
            json={"process_id": process.id, "level": "owner"})  # fmt: skip
    ranked = as_role("newcomer", "GET", f"/processes/{process.id}/experts").json["items"]
    assert [entry["person"]["name"] for entry in ranked] == ["Carrie Trainer", "Priya Member"]
    profile = as_role("newcomer", "GET", f"/people/{people['member'].id}").json
    assert profile["expertise"][0]["level"] == "practitioner"  # PUT replaces the whole
    removed = as_role("member", "DELETE",
                      f"/people/{people['member'].id}/expertise/{mine.json['id']}")  # fmt: skip
    assert removed.status_code == 204
    assert as_role("newcomer", "GET", f"/people/{people['member'].id}").json["expertise"] == []


def test_questions_are_asked_answered_and_private_ones_stay_private(app, as_role, people):
    process = make_process("p2p")
    as_role("manager", "PUT", f"/people/{people['trainer'].id}/expertise",
            json={"process_id": process.id, "level": "expert"})  # fmt: skip
    suggested = as_role("newcomer", "GET", f"/processes/{process.id}/suggested-experts").json
    assert [s["person"]["id"] for s in suggested["items"]] == [people["trainer"].id]
    asked = as_role(
        "newcomer", "POST", "/questions",
        json={"process_id": process.id, "title": "Which tolerance?", "body": "For *price*.",
              "expert_ids": [people["trainer"].id], "private": True},
    )  # fmt: skip
    assert asked.status_code == 201 and "<em>price</em>" in asked.json["html"]
    number = asked.json["id"]
    assert as_role("member", "GET", f"/questions/{number}").status_code == 404
    assert (
        as_role("member", "POST", f"/questions/{number}/posts", json={"body": "x"}).status_code
        == 404
    )
    to_me = as_role("trainer", "GET", "/questions?scope=to-me").json["items"]
    assert [q["id"] for q in to_me] == [number]
    assert as_role("member", "GET", "/questions").json["items"] == []
    early = as_role("newcomer", "POST", f"/questions/{number}/answered", json={"answered": True})
    assert early.status_code == 422
    answered = as_role("trainer", "POST", f"/questions/{number}/posts", json={"body": "Two %."})
    assert answered.status_code == 201 and answered.json["posts"][0]["is_answer"] is True
    follow = as_role("newcomer", "POST", f"/questions/{number}/posts", json={"body": "Thanks!"})
    assert follow.json["posts"][1]["is_answer"] is False
    assert as_role("trainer", "POST", f"/questions/{number}/answered", json={}).status_code == 403
    done = as_role("newcomer", "POST", f"/questions/{number}/answered", json={"answered": True})
    assert done.json["answered_at"] is not None
    mine = as_role("newcomer", "GET", "/questions?scope=mine&state=answered").json["items"]
    assert [q["id"] for q in mine] == [number]
    unread = as_role("newcomer", "GET", "/notifications?unread=true").json["items"]
    assert unread and unread[0]["kind"] == "question_answered"
    read = as_role("newcomer", "POST", f"/notifications/{unread[0]['id']}/read")
    assert read.json["read_at"] is not None
    assert as_role("trainer", "POST", f"/notifications/{unread[0]['id']}/read").status_code == 404
    assert as_role("newcomer", "POST", "/notifications/read").json["marked"] == len(unread) - 1


def test_gaps_are_logged_shared_moved_on_and_reported(app, as_role, people):
    process = make_process("p2p/invoices")
    logged = as_role("newcomer", "POST", "/gaps",
                     json={"title": "Freight tolerance", "process_id": process.id})  # fmt: skip
    assert logged.status_code == 201 and logged.json["status"] == "open"
    number = logged.json["id"]
    assert as_role("member", "POST", f"/gaps/{number}/me-too").json["added"] is True
    again = as_role("member", "POST", f"/gaps/{number}/me-too").json
    assert again["added"] is False and again["gap"]["people_affected"] == 2
    refused = as_role("member", "POST", f"/gaps/{number}/status", json={"status": "rejected"})
    assert refused.status_code == 403
    closed = as_role("trainer", "POST", f"/gaps/{number}/status", json={"status": "closed"})
    assert closed.status_code == 422 and "can become" in closed.json["fields"]["status"]
    planned = as_role(
        "trainer", "POST", f"/gaps/{number}/status",
        json={"status": "planned", "owner_id": people["member"].id, "due_on": "2030-01-31"},
    )  # fmt: skip
    assert planned.json["status"] == "planned" and planned.json["owner"]["name"] == "Priya Member"
    listed = as_role("member", "GET", "/gaps?status=planned&process=p2p").json["items"]
    assert [gap["id"] for gap in listed] == [number]
    assert as_role("member", "GET", "/gaps/report").status_code == 403
    report = as_role("trainer", "GET", "/gaps/report?process=p2p").json
    assert report["total"] == 1 and report["people"] == 2
    assert [row["path"] for row in report["processes"]] == ["p2p", "p2p/invoices"]


def test_the_gap_list_takes_the_reports_filters_and_lists_what_it_counts(app, as_role, people):
    make_process("p2p/invoices")
    make_process("r2r")
    logged = {
        title: gaps.log_gap(people["member"], gaps.GapDraft(title, process_path=path, source=src))
        for title, path, src in [
            ("Freight", "p2p/invoices", "manual"),
            ("Tolerance", "p2p", "search_miss"),
            ("Accruals", "r2r", "page_feedback"),
        ]
    }
    logged["Freight"].created_at = datetime(2026, 10, 5, 9, 0)
    db.session.commit()
    filters = [
        "", "process=p2p", "since=2026-11-01", "until=2026-10-31", "source=search_miss",
        "status=open&process=p2p/invoices", "process=p2p&since=2026-11-01&source=manual",
    ]  # fmt: skip
    for query in filters:
        listed = as_role("trainer", "GET", f"/gaps?{query}").json["items"]
        report = as_role("trainer", "GET", f"/gaps/report?{query}").json
        assert len(listed) == report["total"], query
    assert [
        g["title"] for g in as_role("member", "GET", "/gaps?until=2026-10-31").json["items"]
    ] == ["Freight"]
    assert [g["title"] for g in as_role("member", "GET", "/gaps?process=p2p").json["items"]] == [
        "Tolerance", "Freight"
    ]  # fmt: skip
    assert as_role("member", "GET", "/gaps?since=31.10.2026").status_code == 422
    assert as_role("member", "GET", "/gaps?process=nowhere").status_code == 404


def test_a_buddy_reads_their_newcomers_and_their_plan_status(app, as_role, people):
    assign_buddy(people["newcomer"], people["member"])
    make_question(people["newcomer"], "p2p", [people["trainer"]])
    found = as_role("member", "GET", "/buddies/newcomers").json["items"]
    assert [entry["newcomer"]["name"] for entry in found] == ["Jill Newcomer"]
    assert found[0]["plan"]["status"] in {"on track", "behind", "done"}
    assert found[0]["open_questions"] == 1
    assert as_role("trainer", "GET", "/buddies/newcomers").json["items"] == []
