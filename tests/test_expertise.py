"""Expertise: declaring it (for oneself, or as a manager for others), the experts shown on a
process and its children, the profile, the map with its coverage and answer times, hostile text."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from tests.factories import make_page, make_process, make_question, make_user
from tests.pagetext import text_of
from tests.test_markup_xss import problems_in
from wiki.extensions import db
from wiki.notifications.models import Notification
from wiki.people.expertise import Evidence, evidence_for
from wiki.people.models import Expertise
from wiki.processes import pages
from wiki.questions import services as questions


def declare(person, path, level, **extra):
    process = make_process(path)
    db.session.add(Expertise(person=person, process=process, level=level, **extra))
    db.session.commit()


def test_a_person_declares_expertise_and_it_shows_on_the_process_and_below(client, auth, people):
    make_process("p2p/invoices", "Invoice processing")
    auth.login("priya@example.com")
    me = people["member"].id
    response = client.post(
        f"/people/{me}/expertise/new",
        data={
            "process": "p2p",
            "level": "owner",
            "ask_me_about": "Tolerances and who signs off",
            "availability": "available",
        },
    )
    assert response.status_code == 302
    profile = text_of(client.get(f"/people/{me}").get_data(as_text=True))
    expected = "Processes Priya Member knows Add expertise P2p Owner (can train others) Available"
    assert expected in profile
    assert "Ask me about: Tolerances and who signs off" in profile

    own = text_of(client.get("/p/p2p").get_data(as_text=True))
    assert "Who knows P2p Priya Member Owner (can train others) Available" in own
    below = text_of(client.get("/p/p2p/invoices").get_data(as_text=True))
    assert "Priya Member Owner (can train others) of P2p" in below


def test_experts_are_ranked_by_level_evidence_and_availability(client, auth, people):
    busy = make_user(email="bo@example.com", name="Bo Busy")
    away = make_user(email="al@example.com", name="Al Away")
    writer = make_user(email="wu@example.com", name="Wu Writer")
    learner = make_user(email="lu@example.com", name="Lu Learner")
    declare(busy, "p2p", "expert", availability="busy")
    declare(away, "p2p", "expert", availability="away", away_until=datetime(2099, 1, 1).date())
    declare(writer, "p2p", "expert")
    declare(learner, "p2p", "learning")
    page = make_page("p2p", "Three-way match", author=writer)
    declare(people["manager"], "p2p", "practitioner")
    pages.mark_reviewed(people["manager"], page)
    auth.login("jill@example.com")
    html = client.get("/p/p2p").get_data(as_text=True)
    names = ("Wu Writer", "Bo Busy", "Al Away", "Marty Manager", "Lu Learner")
    order = [html.index(name) for name in names]
    assert order == sorted(order)
    assert "1 page written" in html and "Away until 2099-01-01" in html
    panel = text_of(html)
    assert "Marty Manager Practitioner Available · 1 page reviewed" in panel


def test_only_admins_and_managers_change_someone_elses_expertise_and_the_person_hears(
    client, auth, people
):
    make_process("p2p")
    target = people["member"].id
    auth.login("jill@example.com")
    assert client.get(f"/people/{target}/expertise/new").status_code == 403
    refused = client.post(
        f"/people/{target}/expertise/new", data={"process": "p2p", "level": "expert"}
    )
    assert refused.status_code == 403
    assert db.session.scalars(select(Expertise)).all() == []
    assert "Add expertise" not in client.get(f"/people/{target}").get_data(as_text=True)
    auth.logout()

    auth.login("marty@example.com")
    client.post(f"/people/{target}/expertise/new", data={"process": "p2p", "level": "expert"})
    [expertise] = db.session.scalars(select(Expertise)).all()
    assert (expertise.person, expertise.declared_by) == (people["member"], people["manager"])
    note = db.session.scalars(select(Notification)).one()
    assert (note.user_id, note.kind) == (people["member"].id, "expertise_changed")
    assert note.title == "Marty Manager set your expertise in P2p"

    client.post(f"/people/{target}/expertise/{expertise.id}/delete")
    assert db.session.scalars(select(Expertise)).all() == []
    assert (
        "removed your expertise in P2p"
        in db.session.scalars(select(Notification.title).order_by(Notification.id.desc())).first()
    )


def test_a_refused_declaration_says_why_and_keeps_the_text(client, auth, people):
    make_process("p2p")
    auth.login("priya@example.com")
    me = people["member"].id
    response = client.post(
        f"/people/{me}/expertise/new",
        data={
            "process": "no/such",
            "level": "guru",
            "ask_me_about": "My careful words",
            "availability": "away",
            "away_until": "",
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Choose a process." in html
    assert "Choose a level: Learning, Practitioner, Expert, Owner (can train others)" in html
    assert "Give the date you are back, as YYYY-MM-DD." in html
    assert "My careful words" in html
    yesterday = (datetime.now() - timedelta(days=1)).date().isoformat()
    response = client.post(
        f"/people/{me}/expertise/new",
        data={"process": "p2p", "level": "expert", "availability": "away", "away_until": yesterday},
    )
    assert "The date you are back must be after today." in response.get_data(as_text=True)
    response = client.post(
        f"/people/{me}/expertise/new",
        data={"process": "p2p", "level": "expert", "ask_me_about": "x" * 501},
    )
    assert "Keep it to 500 characters; this is 501." in response.get_data(as_text=True)
    assert db.session.scalars(select(Expertise)).all() == []


def test_editing_keeps_one_expertise_per_process(client, auth, people):
    person = people["member"]
    declare(person, "p2p", "expert")
    declare(person, "o2c", "learning")
    first, second = db.session.scalars(select(Expertise).order_by(Expertise.id)).all()
    auth.login("priya@example.com")
    response = client.post(
        f"/people/{person.id}/expertise/{second.id}", data={"process": "p2p", "level": "owner"}
    )
    assert response.status_code == 422
    assert "You already have expertise in P2p; edit that one." in response.get_data(as_text=True)
    client.post(
        f"/people/{person.id}/expertise/{second.id}",
        data={"process": "o2c", "level": "practitioner", "availability": "busy"},
    )
    db.session.expire_all()
    assert (second.level, second.availability) == ("practitioner", "busy")
    # Someone else's expertise is not reachable through this person's address.
    other = make_user(email="omar@example.com", name="Omar")
    declare(other, "r2r", "expert")
    theirs = db.session.scalars(select(Expertise).where(Expertise.user_id == other.id)).one()
    assert client.get(f"/people/{person.id}/expertise/{theirs.id}").status_code == 404


def test_adding_expertise_never_overwrites_what_was_declared(client, auth, people):
    """Regression: "Add your expertise" for a process already declared replaced its level and
    its "ask me about" note without a word."""
    person = people["member"]
    declare(person, "p2p", "owner", ask_me_about="Tolerances and who signs off")
    declare(person, "o2c", "learning")
    auth.login("priya@example.com")
    refused = client.post(
        f"/people/{person.id}/expertise/new", data={"process": "p2p", "level": "learning"}
    )
    assert refused.status_code == 422
    assert "You already have expertise in P2p" in text_of(refused.get_data(as_text=True))
    db.session.expire_all()
    p2p, o2c = db.session.scalars(select(Expertise).order_by(Expertise.id)).all()
    assert (p2p.level, p2p.ask_me_about) == ("owner", "Tolerances and who signs off")

    # Asked from a process already declared, the form is the edit form with the current values.
    response = client.get(f"/people/{person.id}/expertise/new?process=p2p")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/people/{person.id}/expertise/{p2p.id}")
    form = client.get(f"/people/{person.id}/expertise/{p2p.id}").get_data(as_text=True)
    assert "Tolerances and who signs off" in form
    assert 'value="owner" checked' in form

    # Editing one process changes that one only.
    client.post(
        f"/people/{person.id}/expertise/{p2p.id}",
        data={"process": "p2p", "level": "expert", "ask_me_about": "Tolerances"},
    )
    db.session.expire_all()
    assert (p2p.level, p2p.ask_me_about) == ("expert", "Tolerances")
    assert (o2c.level, o2c.ask_me_about) == ("learning", "")


def test_the_profile_lists_recent_answers_the_viewer_may_read(client, auth, people):
    expert = people["member"]
    open_question = make_question(people["newcomer"], "p2p", [expert], title="Open one")
    private = make_question(
        people["manager"], "p2p", [expert], title="Private about my team", private=True
    )
    questions.add_post(expert, open_question, "Answer one.")
    questions.add_post(expert, private, "Answer two.")
    auth.login("jill@example.com")
    html = client.get(f"/people/{expert.id}").get_data(as_text=True)
    assert "Open one" in html and "Private about my team" not in html
    auth.logout()
    auth.login("marty@example.com")
    html = client.get(f"/people/{expert.id}").get_data(as_text=True)
    assert "Open one" in html and "Private about my team" in html


def test_the_map_draws_levels_names_coverage_and_answer_times(client, auth, people):
    owner = make_user(email="olga@example.com", name="Olga Owner")
    declare(owner, "p2p", "owner")
    declare(people["member"], "p2p/invoices", "expert")
    declare(people["trainer"], "o2c", "practitioner")
    make_process("r2r")
    question = make_question(people["newcomer"], "p2p", [owner])
    answer = questions.add_post(owner, question, "Here.")
    question.created_at = answer.created_at - timedelta(hours=2)
    db.session.commit()

    auth.login("jill@example.com")
    html = client.get("/people/map").get_data(as_text=True)
    assert html.count("<svg") == 1
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert "<title>Olga Owner, P2p: Owner (can train others)</title>" in svg
    assert 'fill="#163f61"><title>Olga Owner, P2p' in svg  # the darkest cell
    assert "<title>Olga Owner, O2c: nothing declared</title>" in svg
    coverage = text_of(html[html.index('id="coverage-title"') : html.index("<details")])
    no_expert = coverage[coverage.index("No expert") : coverage.index("Only one expert")]
    assert "O2c" in no_expert and "R2r" in no_expert and "P2p" not in no_expert
    only_one = coverage[coverage.index("Only one expert") :]
    assert "P2p : Olga Owner" in only_one and "Invoices" not in only_one
    table = text_of(html[html.index("<details") :])
    assert "p2p Olga Owner (Owner (can train others)) 2 h 100 %" in table
    assert "Who knows what" in html  # in the header


def test_hostile_names_and_notes_render_inert_on_every_expertise_view(
    client, auth, people, xss_payloads
):
    for number, payload in enumerate(xss_payloads[:40]):
        person = make_user(email=f"x{number}@example.com", name=payload[:120] or "x")
        process = make_process(f"hostile-{number}", name=payload[:120] or "x")
        db.session.add(
            Expertise(person=person, process=process, level="expert", ask_me_about=payload)
        )
    db.session.commit()
    auth.login("ada@example.com")
    html = client.get("/people/map").get_data(as_text=True)
    assert html.count("<svg") == 1 and html.count("</svg>") == 1
    assert problems_in(html.replace("<svg", "<div", 1).replace("</svg>", "</div>")) == []
    first = db.session.scalars(select(Expertise).order_by(Expertise.id)).first()
    for url in (f"/people/{first.user_id}", f"/p/{first.process.path}"):
        assert problems_in(client.get(url).get_data(as_text=True)) == []


def test_evidence_counts_each_kind_once_per_page_or_question(people):
    expert, other = people["member"], people["trainer"]
    process = make_process("p2p")
    elsewhere = make_process("o2c")
    page = make_page(process, "Three-way match", author=expert)
    pages.save_page(expert, page, pages.PageDraft(page.title, "Second version."), 1)
    page.owner = expert
    make_page(elsewhere, "Dunning", author=expert)
    pages.mark_reviewed(expert, page)
    pages.mark_reviewed(expert, page)
    answered = make_question(people["newcomer"], process, [expert])
    questions.add_post(expert, answered, "One.")
    questions.add_post(expert, answered, "Two.")
    own = make_question(expert, process, [other])
    questions.add_post(expert, own, "Following up on my own question.")

    found = evidence_for([(expert.id, process.id), (other.id, process.id)])
    assert found[(expert.id, process.id)] == Evidence(
        pages_written=1, pages_reviewed=1, pages_owned=1, questions_answered=1
    )
    assert found[(other.id, process.id)] == Evidence()
    assert found[(expert.id, process.id)].summary() == (
        "1 page written, 1 page reviewed, 1 page owned, 1 question answered"
    )


def test_someone_who_knows_a_process_and_its_parent_is_listed_once(client, auth, people):
    declare(people["member"], "p2p", "owner")
    declare(people["member"], "p2p/invoices", "practitioner")
    auth.login("jill@example.com")
    html = client.get("/p/p2p/invoices").get_data(as_text=True)
    panel = text_of(html[html.index('id="experts-heading"') : html.index('id="questions-heading"')])
    assert panel.count("Priya Member") == 1
    assert "Priya Member Owner (can train others) of P2p" in panel
    form = client.get("/questions/ask?process=p2p/invoices").get_data(as_text=True)
    assert form.count(f'name="experts" value="{people["member"].id}"') == 1


def test_the_name_in_the_header_leads_to_ones_profile_with_the_account_settings(
    client, auth, people
):
    me = people["member"]
    auth.login("priya@example.com")
    home = client.get("/").get_data(as_text=True)
    assert f'<a class="user-name" href="/people/{me.id}"' in home
    profile = client.get(f"/people/{me.id}").get_data(as_text=True)
    start = profile.index('id="account-title"')
    account = text_of(profile[start : profile.index("</nav>", start)])
    for link in (
        "Your expertise",
        "Notification settings",
        "API tokens",
        "Change your password",
    ):
        assert link in account
    # Someone else's profile has no account settings.
    assert 'id="account-title"' not in client.get(f"/people/{people['admin'].id}").get_data(
        as_text=True
    )


def test_the_map_names_lead_to_the_process_and_the_person(client, auth, people):
    owner = make_user(email="olga@example.com", name="Olga Owner")
    declare(owner, "p2p", "owner")
    auth.login("jill@example.com")
    html = client.get("/people/map").get_data(as_text=True)
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert f'<a href="/people/{owner.id}" class="map-link">' in svg
    assert '<a href="/p/p2p" class="map-link">' in svg
    assert '<a href="/p/p2p" tabindex="-1" class="map-cell"><rect' in svg


def test_a_process_without_experts_invites_each_reader_to_their_own_form(client, auth, people):
    make_page("p2p", "Matching")
    for email, person in (("priya@example.com", "member"), ("marty@example.com", "manager")):
        auth.login(email)
        body = client.get("/p/p2p/matching").get_data(as_text=True)
        assert "Nobody has declared expertise here yet." in body
        invitation = client.get("/people/me/expertise/new?process=p2p")
        own = people[person].id
        assert invitation.headers["Location"] == f"/people/{own}/expertise/new?process=p2p"
        form = client.get(invitation.headers["Location"])
        assert form.status_code == 200 and 'value="p2p"' in form.get_data(as_text=True)
        auth.logout()
