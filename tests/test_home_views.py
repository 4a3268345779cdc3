"""Home page: each person's work first, one block per role (newcomer, expert, buddy, trainer,
manager), each with an empty state saying what to do; the process map and changes below."""

from __future__ import annotations

from datetime import date, timedelta

from tests import factories
from tests.factories import assign_buddy, make_process, make_question, make_user
from tests.pagetext import text_of
from wiki.buddies.models import PlanItem
from wiki.coaching import services as coaching
from wiki.extensions import db
from wiki.gaps import courses
from wiki.gaps import services as gaps
from wiki.people.models import Expertise
from wiki.questions import services as questions
from wiki.search.models import SearchMiss
from wiki.timeutil import utcnow


def home_text(client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return text_of(response.get_data(as_text=True))


def between(text: str, start: str, end: str) -> str:
    return text[text.index(start) : text.index(end, text.index(start))]


def test_home_shows_process_map_and_changes(client, auth, people):
    factories.make_page(
        "procure-to-pay/invoice-processing", "Three-way match", "Match PO, GR and invoice."
    )
    auth.login("jill@example.com")
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Invoice processing" in html
    assert "Three-way match" in html


def test_a_member_with_no_role_is_invited_to_declare_expertise(client, auth, people):
    auth.login("priya@example.com")
    home = home_text(client)
    assert "Questions waiting for you Nobody has asked you anything yet." in home
    assert "Declare the processes you know" in home
    for other in ("Your newcomers", "This week's gaps", "The team's ramp-up", "Your first weeks"):
        assert other not in home
    # The map and the changes stay below the blocks.
    assert home.index("Questions waiting for you") < home.index("Process map")


def test_the_expert_sees_the_questions_waiting_for_them_oldest_first_with_age(client, auth, people):
    expert = people["member"]
    make_process("p2p")
    db.session.add(Expertise(person=expert, process=make_process("p2p"), level="expert"))
    db.session.commit()
    auth.login("priya@example.com")
    assert "No question is waiting for you." in home_text(client)
    auth.logout()

    old = make_question(people["newcomer"], "p2p", [expert], title="Which tolerance?")
    old.created_at = utcnow() - timedelta(days=3)
    make_question(people["newcomer"], "p2p", [expert], title="Who signs off?")
    answered = make_question(people["newcomer"], "p2p", [expert], title="Already answered")
    questions.add_post(expert, answered, "Here.")
    make_question(people["newcomer"], "p2p", [people["trainer"]], title="Not mine")
    db.session.commit()
    auth.login("priya@example.com")
    block = between(home_text(client), "Questions waiting for you", "All questions asked of you")
    assert "Which tolerance? Jill Newcomer asked in P2p · waiting 3 days" in block
    assert block.index("Which tolerance?") < block.index("Who signs off?")
    assert "Already answered" not in block and "Not mine" not in block


def test_the_buddy_sees_newcomers_behind_first_and_overdue_coaching_actions(client, auth, people):
    buddy = people["member"]
    jill = people["newcomer"]
    olly = make_user(email="olly@example.com", name="Olly Newcomer", start_date="2026-11-16")
    assign_buddy(olly, buddy)
    assign_buddy(jill, buddy)
    today = utcnow().date()
    db.session.add_all(
        [
            PlanItem(newcomer=olly, kind="custom", title="Read on", due_on=today + timedelta(9)),
            PlanItem(newcomer=jill, kind="custom", title="Meet AP", due_on=today - timedelta(2)),
        ]
    )
    db.session.commit()
    session = coaching.record_session(
        buddy,
        coaching.SessionDraft(
            partner_id=jill.id,
            my_role="coach",
            held_on=(today - timedelta(days=10)).isoformat(),
            outcome_wanted="Settle in.",
            actions=[
                coaching.ActionDraft("Book the AP walk-through", "partner", "2020-01-01"),
                coaching.ActionDraft("Later one", "me", (today + timedelta(30)).isoformat()),
            ],
        ),
        today=today,
    )
    coaching.answer_session(jill, session, accept=True)

    auth.login("priya@example.com")
    block = between(home_text(client), "Your newcomers", "Your buddy dashboard")
    assert block.index("Jill Newcomer") < block.index("Olly Newcomer")  # behind first
    assert "Jill Newcomer behind" in block and "Olly Newcomer on track" in block
    assert "Plan: Meet AP · due" in block
    overdue = "1 coaching action overdue since 2020-01-01: review them in the session of"
    assert overdue in block
    # Like the last session, a dashboard shows when, never what was agreed.
    assert "Book the AP walk-through" not in block
    # The buddy dashboard shows the overdue coaching actions too (journey 5).
    board = text_of(client.get("/buddies/").get_data(as_text=True))
    assert overdue in board and "Book the AP walk-through" not in board


def test_a_buddy_between_newcomers_sees_the_empty_state(client, auth, people):
    from wiki.buddies.models import BuddyAssignment

    db.session.add(
        BuddyAssignment(
            newcomer=people["newcomer"],
            buddy=people["member"],
            starts_on=date(2025, 1, 1),
            ends_on=date(2025, 3, 1),
        )
    )
    db.session.commit()
    auth.login("priya@example.com")
    assert "Your newcomers None of your newcomers is with you right now." in home_text(client)


def test_the_trainer_sees_this_weeks_gaps_misses_and_courses_to_update(client, auth, people):
    auth.login("carrie@example.com")
    home = home_text(client)
    assert "No gap logged this week." in home
    assert "Every search found something this week." in home
    assert "No course waits for an update." in home
    auth.logout()

    make_process("p2p")
    gap = gaps.log_gap(people["newcomer"], gaps.GapDraft("Freight on credit notes", "", "p2p"))
    old = gaps.log_gap(people["newcomer"], gaps.GapDraft("An old gap", "", "p2p"))
    old.created_at = utcnow() - timedelta(days=30)
    for words in ("zfi_3wm", "zfi_3wm", "gr/ir aging"):
        db.session.add(SearchMiss(query=words, normalized=words, kind="search"))
    db.session.add(
        SearchMiss(
            query="last month", normalized="last month", kind="search",
            created_at=utcnow() - timedelta(days=20),
        )
    )  # fmt: skip
    course = courses.create_course(people["trainer"], "AP basics", "")
    module = courses.add_module(people["trainer"], course, "Credit notes", ["p2p"])
    gap.status, gap.course_module_id = "folded", module.id
    db.session.commit()

    auth.login("carrie@example.com")
    block = between(home_text(client), "This week's gaps and misses", "Process map")
    assert "Freight on credit notes P2p" in block and "An old gap" not in block
    assert "“zfi_3wm” · 2 times “gr/ir aging” · 1 time" in block
    assert "last month" not in block
    assert "AP basics : Credit notes · 1 gap folded in" in block


def test_the_manager_sees_the_teams_ramp_up_and_who_is_behind(client, auth, people):
    auth.login("marty@example.com")
    assert "The team's ramp-up No newcomer has a buddy right now." in home_text(client)
    auth.logout()

    jill = people["newcomer"]
    assign_buddy(jill, people["member"])
    item = PlanItem(
        newcomer=jill, kind="custom", title="Late", due_on=utcnow().date() - timedelta(1)
    )
    db.session.add(item)
    db.session.commit()
    auth.login("marty@example.com")
    block = between(home_text(client), "The team's ramp-up", "The team's newcomers")
    assert "0 on track 1 behind 0 done of 1 newcomer with a buddy" in block
    assert "Behind their plan Jill Newcomer · 1 overdue · buddy Priya Member" in block


def test_blocks_follow_the_order_of_the_roles(client, auth, people):
    """A trainer who is also a buddy and an expert: expert, then buddy, then trainer."""
    trainer = people["trainer"]
    db.session.add(Expertise(person=trainer, process=make_process("p2p"), level="owner"))
    db.session.commit()
    assign_buddy(people["newcomer"], trainer)
    auth.login("carrie@example.com")
    home = home_text(client)
    order = [
        home.index(heading)
        for heading in ("Questions waiting for you", "Your newcomers", "This week's gaps")
    ]
    assert order == sorted(order)
    assert "The team's ramp-up" not in home
