"""Coaching sessions: recording one, the next session reviewing the last plan, roles that swap,
refused input, and confidentiality on every view: pages, lists, search, feeds, exports, mail,
admin screens."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.pagetext import text_of
from tests.test_markup_xss import problems_in
from wiki.coaching import services
from wiki.coaching.models import CoachingAction, CoachingSession
from wiki.extensions import db
from wiki.notifications.models import Notification

SECRET = "Zanzibarquartz"  # a word that appears nowhere but in the session


def form(partner, **extra) -> dict:
    data = {
        "with": partner.id,
        "my_role": "coach",
        "held_on": "2026-11-20",
        "outcome_wanted": f"Know how to raise the {SECRET} conflict with my manager.",
        "situation": f"The {SECRET} reconciliation keeps failing.",
        "option-1-description": "Ask for a one-to-one",
        "option-1-pros": "Direct",
        "option-1-cons": "Awkward",
        "action-1-description": f"Book the {SECRET} one-to-one",
        "action-1-owner": "partner",
        "action-1-due": "2026-11-27",
        "action-2-description": "Send the notes",
        "action-2-owner": "me",
        "action-2-due": "2026-11-21",
    }
    return data | extra


def record(actor, partner, accepted: bool = True, **extra) -> CoachingSession:
    """A session recorded by `actor`; the partner accepts it unless told not to."""
    draft = services.SessionDraft(
        partner_id=partner.id,
        my_role=extra.pop("my_role", "coach"),
        held_on=extra.pop("held_on", "2026-11-20"),
        outcome_wanted=f"Settle the {SECRET} question.",
        actions=[services.ActionDraft(f"Try the {SECRET} fix", "partner", "2026-11-27")],
        **extra,
    )
    session = services.record_session(actor, draft)
    if accepted and not session.is_accepted:
        services.answer_session(partner, session, accept=True)
    return session


def test_a_session_is_recorded_and_the_partner_hears_only_that_it_was(client, auth, people):
    auth.login("priya@example.com")
    response = client.post("/coaching/new", data=form(people["newcomer"]))
    assert response.status_code == 302
    session = db.session.scalars(select(CoachingSession)).one()
    assert (session.coach, session.client) == (people["member"], people["newcomer"])
    page = text_of(client.get(response.location).get_data(as_text=True))
    assert f"Know how to raise the {SECRET} conflict" in page
    assert "Ask for a one-to-one Direct Awkward" in page
    assert f"Book the {SECRET} one-to-one · Jill Newcomer, by 2026-11-27" in page
    note = db.session.scalars(select(Notification)).one()
    assert note.user_id == people["newcomer"].id
    assert SECRET not in note.title + note.body
    assert note.url == f"/coaching/{session.id}"


def test_nothing_counts_against_a_partner_until_they_accept_the_first_session(client, auth, people):
    """Anyone could otherwise record a session with anyone, who would then be asked to review
    actions they never agreed to."""
    from tests.factories import assign_buddy

    assign_buddy(people["newcomer"], people["member"])
    session = record(people["member"], people["newcomer"], accepted=False)
    assert not session.is_accepted
    [note] = db.session.scalars(select(Notification)).all()
    assert note.title == "Priya Member asks to record a coaching session with you"
    auth.login("priya@example.com")
    assert "waiting for Jill Newcomer to accept" in text_of(client.get("/coaching/").text)
    assert f'href="/coaching/{session.id}"' not in client.get("/buddies/").text
    auth.logout()

    auth.login("jill@example.com")
    page = client.get(f"/coaching/{session.id}").get_data(as_text=True)
    assert "Did you have this session with Priya Member?" in page
    review = client.get(f"/coaching/new?with={people['member'].id}").get_data(as_text=True)
    assert f"Try the {SECRET} fix" not in review  # no plan of theirs to review yet
    answer = f"/coaching/{session.id}/answer"
    assert client.post(answer, data={"answer": "decline"}).status_code == 302
    assert db.session.scalars(select(CoachingSession)).all() == []
    assert db.session.scalars(select(CoachingAction)).all() == []
    auth.logout()

    again = record(people["member"], people["newcomer"], accepted=False)
    auth.login("jill@example.com")
    assert client.post(f"/coaching/{again.id}/answer", data={"answer": "accept"}).status_code == 302
    db.session.expire_all()
    assert again.is_accepted
    review = client.get(f"/coaching/new?with={people['member'].id}").get_data(as_text=True)
    assert f"Try the {SECRET} fix" in review
    auth.logout()
    auth.login("priya@example.com")  # the recorder cannot accept for the partner
    done = [services.ReviewDraft(action.id, "done") for action in again.actions]
    third = record(
        people["member"], people["newcomer"], accepted=False, held_on="2026-11-27", reviews=done
    )
    assert third.is_accepted  # the pair has worked together: recorded at once
    told = [
        note.title for note in db.session.scalars(select(Notification).order_by(Notification.id))
    ]
    assert "Jill Newcomer declined the coaching session of 2026-11-20" in told
    assert "Jill Newcomer accepted your coaching session" in told


def test_only_the_two_participants_can_read_it_on_every_view(client, auth, people, tmp_path, app):
    session = record(people["member"], people["newcomer"])
    for outsider in ("ada@example.com", "marty@example.com", "carrie@example.com"):
        auth.login(outsider)
        assert client.get(f"/coaching/{session.id}").status_code == 404
        assert 'class="search-hit"' not in client.get(f"/search?q={SECRET}").get_data(as_text=True)
        assert client.get(f"/search/quick?q={SECRET}").get_json() == {"results": []}
        for url in (
            "/coaching/",
            "/changes.atom",
            "/questions/feed.atom",
            "/admin/users",
            f"/people/{people['member'].id}",
            f"/people/{people['newcomer'].id}",
            "/buddies/team",
            "/notifications/",
        ):
            body = client.get(url).get_data(as_text=True)
            assert SECRET not in body, (outsider, url)
        auth.logout()
    for participant in ("priya@example.com", "jill@example.com"):
        auth.login(participant)
        assert SECRET in client.get(f"/coaching/{session.id}").get_data(as_text=True)
        assert "2026-11-20 with" in text_of(client.get("/coaching/").get_data(as_text=True))
        auth.logout()
    # Not in the search index, nor in a content export.
    runner = app.test_cli_runner()
    assert SECRET not in runner.invoke(args=["search", "query", SECRET, "--json"]).output
    exported = tmp_path / "export"
    assert runner.invoke(args=["content", "export", str(exported)]).exit_code == 0
    assert not any(SECRET in path.read_text() for path in exported.rglob("*") if path.is_file())


def test_the_next_session_reviews_the_last_plan_and_the_roles_swap(client, auth, people):
    first = record(people["member"], people["newcomer"], my_role="coach")
    [open_action] = first.actions
    auth.login("jill@example.com")
    page = client.get(f"/coaching/new?with={people['member'].id}").get_data(as_text=True)
    assert "First, the last plan" in page and f"Try the {SECRET} fix" in page
    assert 'id="role-coach" name="my_role" value="coach" checked' in page  # Jill coaches now

    data = form(people["member"], **{f"review-{open_action.id}-status": "changed"})
    response = client.post("/coaching/new", data=data)
    assert response.status_code == 422
    assert f"Say how and why “Try the {SECRET} fix” changed." in response.get_data(as_text=True)
    data[f"review-{open_action.id}-note"] = "The controller fixed it first."
    response = client.post("/coaching/new", data=data)
    assert response.status_code == 302
    db.session.expire_all()
    second = db.session.scalars(select(CoachingSession).order_by(CoachingSession.id.desc())).first()
    assert (second.coach, second.client) == (people["newcomer"], people["member"])
    action = db.session.get(CoachingAction, open_action.id)
    assert (action.status, action.review_note, action.reviewed_in_id) == (
        "changed",
        "The controller fixed it first.",
        second.id,
    )
    view = text_of(client.get(f"/coaching/{second.id}").get_data(as_text=True))
    assert f"Changed: Try the {SECRET} fix · The controller fixed it first." in view
    # The reviewed action is not asked about again; the new ones are.
    third = client.get(f"/coaching/new?with={people['member'].id}").get_data(as_text=True)
    assert f"Try the {SECRET} fix" not in third and f"Book the {SECRET} one-to-one" in third


def test_an_unreviewed_plan_refuses_the_session_and_keeps_the_text(client, auth, people):
    record(people["member"], people["newcomer"])
    auth.login("jill@example.com")
    response = client.post("/coaching/new", data=form(people["member"]))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f"Say what became of “Try the {SECRET} fix”: done, changed or dropped." in html
    assert f"The {SECRET} reconciliation keeps failing." in html
    assert db.session.scalar(select(db.func.count(CoachingSession.id))) == 1


@pytest.mark.parametrize(
    "change, message",
    [
        ({"outcome_wanted": "  "}, "Say what a good outcome of today would be."),
        (
            {
                "action-1-description": "",
                "action-1-due": "",
                "action-2-description": "",
                "action-2-due": "",
            },
            "Agree on at least one action, with its owner and date.",
        ),
        ({"action-1-due": ""}, "Give a date as YYYY-MM-DD."),
        ({"option-1-description": ""}, "Option 1 has pros or cons but no description."),
        ({"my_role": "referee"}, "Say whether you were the coach or the client."),
    ],
)
def test_refused_sessions_say_why(client, auth, people, change, message):
    auth.login("priya@example.com")
    response = client.post("/coaching/new", data=form(people["newcomer"], **change))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalars(select(CoachingSession)).all() == []


def test_the_buddy_sees_the_date_of_their_last_session_only(client, auth, people):
    from tests.factories import assign_buddy

    assign_buddy(people["newcomer"], people["member"])
    session = record(people["member"], people["newcomer"])
    auth.login("priya@example.com")
    board = client.get("/buddies/").get_data(as_text=True)
    assert f'href="/coaching/{session.id}">2026-11-20</a>' in board and SECRET not in board


def test_hostile_text_in_a_session_renders_inert(client, auth, people, xss_payloads):
    auth.login("priya@example.com")
    for start in range(0, len(xss_payloads), 50):
        chunk = "\n".join(xss_payloads[start : start + 50])
        data = form(
            people["newcomer"],
            outcome_wanted=chunk,
            situation=chunk,
            **{"option-1-pros": chunk, "option-1-cons": chunk, "action-1-description": chunk},
        )
        response = client.post("/coaching/new", data=data)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        assert problems_in(client.get(response.location).get_data(as_text=True)) == []
        # The next session's review lists those actions again.
        form_page = client.get(f"/coaching/new?with={people['newcomer'].id}")
        assert problems_in(form_page.get_data(as_text=True)) == []
        for action in db.session.scalars(
            select(CoachingAction).where(CoachingAction.status == "open")
        ):
            action.status = "done"
        db.session.commit()
