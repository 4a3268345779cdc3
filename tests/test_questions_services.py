"""Questions: asking and routing, the thread, who may see what (page, list, search), marking
answered, and turning the exchange into a page."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.factories import make_page, make_process, make_question, make_user
from wiki.errors import NotAllowed, NotFound, ValidationError
from wiki.extensions import db
from wiki.notifications.models import Notification
from wiki.people.models import Expertise
from wiki.processes import pages
from wiki.questions import listing, routing, services, to_page
from wiki.questions.models import QuestionDocumented
from wiki.search import services as search
from wiki.search.indexing import indexer


def notifications_of(user, kind=None):
    query = select(Notification).where(Notification.user_id == user.id)
    if kind:
        query = query.where(Notification.kind == kind)
    return db.session.scalars(query.order_by(Notification.id)).all()


def declare(person, process, level="expert", availability="available", away_until=None):
    db.session.add(
        Expertise(
            person=person,
            process=process,
            level=level,
            availability=availability,
            away_until=away_until,
        )
    )
    db.session.commit()


def test_asking_routes_the_question_and_notifies_only_the_chosen_experts(people):
    process = make_process("p2p/invoices")
    expert = make_user(email="noor@example.com", name="Noor")
    bystander = make_user(email="bo@example.com", name="Bo")
    question = make_question(people["newcomer"], process, [expert])
    assert question.experts == [expert]
    [note] = notifications_of(expert, "question_asked")
    assert "Jill Newcomer asked you" in note.title
    assert note.url == f"/questions/{question.id}"
    assert "three-way match" in note.body
    assert notifications_of(bystander) == []


@pytest.mark.parametrize(
    ("title", "experts", "field", "message"),
    [
        ("", "expert", "title", "Say in a line"),
        ("x" * 201, "expert", "title", "at most 200"),
        ("A question", None, "experts", "at least one"),
        ("A question", "self", "experts", "other than yourself"),
    ],
)
def test_a_question_without_title_or_experts_is_refused_and_nothing_is_saved(
    people, title, experts, field, message
):
    process = make_process("p2p")
    expert = make_user(email="noor@example.com", name="Noor")
    chosen = {"expert": [expert.id], "self": [people["newcomer"].id], None: []}[experts]
    with pytest.raises(ValidationError) as refused:
        services.ask_question(
            people["newcomer"], process, services.QuestionDraft(title, "body", chosen)
        )
    assert field in refused.value.errors
    assert message in refused.value.errors[field]
    assert listing.list_questions(people["admin"], listing.Filters(), 1, 10).questions == []


def test_answers_and_follow_ups_notify_the_other_side(people):
    expert = make_user(email="noor@example.com", name="Noor")
    question = make_question(people["newcomer"], "p2p", [expert])
    answer = services.add_post(expert, question, "Use transaction **MR11**.")
    assert answer.is_answer and question.first_answered_at is not None
    [note] = notifications_of(people["newcomer"], "question_answered")
    assert note.url.endswith(f"#post-{answer.id}")
    services.add_post(people["newcomer"], question, "And for credit memos?")
    assert len(notifications_of(expert, "question_follow_up")) == 1
    # A member's answer to a public question counts too, and hears of follow-ups afterwards.
    services.add_post(people["member"], question, "Same for credit memos.")
    services.add_post(people["newcomer"], question, "Thanks both.")
    assert len(notifications_of(people["member"], "question_follow_up")) == 1
    assert len(notifications_of(expert, "question_follow_up")) == 2


def test_only_the_asker_marks_answered_and_only_once_there_is_an_answer(people):
    expert = make_user(email="noor@example.com", name="Noor")
    question = make_question(people["newcomer"], "p2p", [expert])
    with pytest.raises(ValidationError):
        services.mark_answered(people["newcomer"], question)
    services.add_post(expert, question, "Here is how.")
    with pytest.raises(NotAllowed):
        services.mark_answered(expert, question)
    services.mark_answered(people["newcomer"], question)
    assert question.is_answered
    services.mark_answered(people["newcomer"], question, answered=False)
    assert not question.is_answered


def test_a_private_question_is_hidden_from_everyone_but_asker_experts_and_admins(people):
    expert = make_user(email="noor@example.com", name="Noor")
    question = make_question(
        people["newcomer"], "p2p", [expert], title="My salary coding", private=True
    )
    for allowed in (people["newcomer"], expert, people["admin"]):
        assert services.get_question(allowed, question.id) is question
        found = listing.list_questions(allowed, listing.Filters(), 1, 10).questions
        assert found == [question]
    for outsider in (people["member"], people["manager"], people["trainer"]):
        with pytest.raises(NotFound):
            services.get_question(outsider, question.id)
        assert listing.list_questions(outsider, listing.Filters(), 1, 10).questions == []
        with pytest.raises(NotFound):
            services.add_post(outsider, question, "Let me in")


def test_answered_questions_are_searchable_by_those_who_may_see_them(app, people):
    expert = make_user(email="noor@example.com", name="Noor")
    public = make_question(people["newcomer"], "p2p", [expert], title="Quarantined invoices")
    secret = make_question(
        people["newcomer"], "p2p", [expert], title="Quarantined bonus", private=True
    )
    for question in (public, secret):
        services.add_post(expert, question, "Release them with the zebracode report.")
    indexer(app).flush_pending()

    def titles(user):
        return {hit.plain_title for hit in search.search(user, "zebracode").results.hits}

    # Not answered yet: not in the index.
    assert titles(people["member"]) == set()
    for question in (public, secret):
        services.mark_answered(people["newcomer"], question)
    indexer(app).flush_pending()
    assert titles(people["member"]) == {"Quarantined invoices"}
    assert titles(expert) == {"Quarantined invoices", "Quarantined bonus"}
    assert titles(people["admin"]) == {"Quarantined invoices", "Quarantined bonus"}


def test_appending_an_exchange_makes_an_attributed_revision_that_links_back(people):
    expert = make_user(email="noor@example.com", name="Noor Expert")
    page = make_page("p2p", "Three-way match", "Match PO, receipt and invoice.")
    question = make_question(people["newcomer"], page.process, [expert], title="Price variance")
    services.add_post(expert, question, "Post it to account 5100.")
    with pytest.raises(NotAllowed):
        to_page.append_to_page(people["member"], question, page)
    to_page.append_to_page(expert, question, page)
    latest = pages.latest_revision(page)
    assert latest.number == 2 and latest.author == expert
    assert latest.body.startswith("Match PO, receipt and invoice.\n\n## Price variance")
    assert f"(/questions/{question.id})" in latest.body
    assert "asked by Jill Newcomer, answered by Noor Expert" in latest.body
    assert "Post it to account 5100." in latest.body
    [record] = db.session.scalars(select(QuestionDocumented)).all()
    assert (record.page_id, record.revision_number) == (page.id, 2)
    assert len(notifications_of(people["newcomer"], "question_documented")) == 1


def test_appending_keeps_a_save_that_landed_meanwhile(people, monkeypatch):
    expert = make_user(email="noor@example.com", name="Noor")
    page = make_page("p2p", "Three-way match", "Original.")
    question = make_question(people["newcomer"], page.process, [expert])
    services.add_post(expert, question, "The answer.")
    real_save = pages.save_page
    calls = []

    def someone_saves_first(actor, page_, draft, base):
        if not calls:
            calls.append(1)
            real_save(people["member"], page_, pages.PageDraft(page_.title, "Theirs."), base)
        return real_save(actor, page_, draft, base)

    monkeypatch.setattr(pages, "save_page", someone_saves_first)
    to_page.append_to_page(expert, question, page)
    latest = pages.latest_revision(page)
    assert latest.number == 3
    assert latest.body.startswith("Theirs.\n\n## ")


def test_a_new_page_from_a_question_is_created_through_the_pages_service(people):
    expert = make_user(email="noor@example.com", name="Noor")
    question = make_question(people["newcomer"], "p2p", [expert], title="Blocked vendors")
    services.add_post(expert, question, "Ask the vendor master team.")
    values = to_page.start_page_values(question)
    page = to_page.create_page_from(
        expert, question, pages.PageDraft(values["title"], values["body"], values["summary"])
    )
    assert page.title == "Blocked vendors" and page.owner == expert
    assert "Ask the vendor master team." in pages.latest_revision(page).body
    assert [record.page for record in to_page.documented_in(question)] == [page]


def test_suggestions_rank_by_level_availability_load_and_leave_out_the_asker(people):
    parent = make_process("p2p")
    child = make_process("p2p/invoices")
    today = date(2026, 12, 2)
    owner_away = make_user(email="a@example.com", name="Away Owner")
    expert_busy = make_user(email="b@example.com", name="Busy Expert")
    expert_free = make_user(email="c@example.com", name="Free Expert")
    expert_loaded = make_user(email="d@example.com", name="Loaded Expert")
    parent_owner = make_user(email="e@example.com", name="Parent Owner")
    practitioner = make_user(email="f@example.com", name="Practitioner")
    declare(owner_away, child, "owner", "away", today + timedelta(days=3))
    declare(expert_busy, child, "expert", "busy")
    declare(expert_free, child, "expert")
    declare(expert_loaded, child, "expert")
    declare(parent_owner, parent, "owner")
    declare(practitioner, child, "practitioner")
    declare(people["newcomer"], child, "learning")
    make_question(people["member"], child, [expert_loaded])
    names = [
        suggestion.person.name
        for suggestion in routing.suggest_experts(child, people["newcomer"], today)
    ]
    assert names == [
        "Parent Owner",
        "Free Expert",
        "Loaded Expert",
        "Busy Expert",
        "Practitioner",
        "Away Owner",
    ]
    [inherited] = [
        s for s in routing.suggest_experts(child, people["newcomer"], today) if s.inherited_from
    ]
    assert inherited.inherited_from == parent
