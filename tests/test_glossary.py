"""The glossary: the demo's terms on the glossary page, trainers and admins adding and changing
terms (forms keep what was typed and say what is wrong), others only reading."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.conftest import REPO
from wiki.content import loader
from wiki.content.files import read_content
from wiki.errors import NotAllowed
from wiki.extensions import db
from wiki.glossary import services
from wiki.glossary.forms import TermDraft
from wiki.glossary.models import GlossaryTerm


def test_the_demo_glossary_is_loaded_and_shown(client, auth, people):
    report = loader.load_content(read_content(REPO / "content"), None)
    assert "glossary term GR/IR" in report.created
    auth.login("jill@example.com")
    page = client.get("/glossary/").text
    assert "GR/IR" in page and "goods receipt invoice receipt" in page
    assert "Add a term" not in page  # a newcomer reads it
    again = loader.load_content(read_content(REPO / "content"), None)
    assert not [label for label in again.updated + again.created if "glossary" in label]


def test_a_trainer_adds_and_changes_a_term_that_search_then_uses(client, auth, people):
    auth.login("carrie@example.com")
    response = client.post(
        "/glossary/new",
        data={"term": "RTV", "synonyms": "return to vendor, returns", "definition": "Back."},
    )
    assert response.status_code == 302
    term = db.session.scalar(select(GlossaryTerm).where(GlossaryTerm.key == "rtv"))
    assert term.synonym_list == ["return to vendor", "returns"]
    assert services.glossary_terms()[("rtv",)] == [("return", "to", "vendor"), ("returns",)]
    response = client.post(
        f"/glossary/{term.id}/edit",
        data={"term": "RTV", "synonyms": "return to vendor", "definition": "Goods sent back."},
    )
    assert response.status_code == 302
    assert "Goods sent back." in client.get("/glossary/").text


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"term": "", "definition": "x"}, "term", "Give the term."),
        ({"term": "!!!", "definition": "x"}, "term", "at least one letter or digit"),
        ({"term": "PO", "definition": ""}, "definition", "Say in a sentence"),
        ({"term": "PO", "synonyms": "ok, ---", "definition": "x"}, "synonyms", "has no letter"),
        ({"term": "x" * 121, "definition": "x"}, "term", "at most 120 characters"),
    ],
)
def test_a_refused_term_shows_the_form_again_with_what_was_typed(
    client, auth, people, data, field, message
):
    auth.login("carrie@example.com")
    response = client.post("/glossary/new", data=data)
    assert response.status_code == 422
    assert message in response.text
    assert f'aria-describedby="{field}-error"' in response.text or message in response.text
    if data.get("synonyms"):
        assert data["synonyms"] in response.text


def test_a_term_is_unique_by_its_words(people):
    services.save_term(people["trainer"], TermDraft("GR/IR", [], "Clearing."))
    with pytest.raises(Exception) as refused:
        services.save_term(people["admin"], TermDraft("gr ir", [], "Again."))
    assert "is in the glossary already" in str(refused.value)


def test_only_trainers_and_admins_change_the_glossary(client, auth, people):
    with pytest.raises(NotAllowed):
        services.save_term(people["member"], TermDraft("PO", [], "Purchase order."))
    term = services.save_term(people["admin"], TermDraft("PO", [], "Purchase order."))
    auth.login("priya@example.com")
    assert client.post(f"/glossary/{term.id}/delete").status_code == 403
    assert client.get(f"/glossary/{term.id}/edit").status_code == 403
    auth.logout()
    auth.login("ada@example.com")
    assert client.post(f"/glossary/{term.id}/delete").status_code == 302
    assert services.list_terms() == []
    assert client.get("/glossary/999999/edit").status_code == 404
