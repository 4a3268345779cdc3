"""Finding by asking, on the demo content and both backends: questions whose words are not all
on one page, the quality floor of the evaluation set, ERP codes, the glossary's words in
search, misses counted once a day, and hostile questions that must never fail."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.conftest import REPO
from wiki.content import loader
from wiki.content.files import read_content
from wiki.extensions import db
from wiki.glossary import services as glossary
from wiki.glossary.forms import TermDraft
from wiki.search import evaluation, services
from wiki.search.models import SearchMiss

pytestmark = pytest.mark.search_backends("whoosh", "postgresql")

# Measured 91 % on both backends when this was written (bench/README.md); a change that
# loses more than a couple of questions fails here.
TOP_3_FLOOR = 0.88


@pytest.fixture
def demo(app, people):
    """The demo organisation from content/, its glossary included, through the real loader."""
    loader.load_content(read_content(REPO / "content"), None)
    return people


def titles(outcome: services.SearchOutcome) -> list[str]:
    return [hit.plain_title for hit in outcome.results.hits]


def misses() -> int:
    return db.session.scalar(select(func.count()).select_from(SearchMiss))


def test_a_question_finds_the_page_that_answers_it_and_is_no_miss(demo):
    outcome = services.search(demo["newcomer"], "how to book an invoice without a purchase order")
    assert titles(outcome)[0] == "Non-PO invoices"  # "how", "to", "an", "a" need not match
    asked = "how do I stop chasing a small amount the customer will never pay"
    outcome = services.search(demo["newcomer"], asked)
    assert titles(outcome)[0] == "Dispute write-offs"
    assert outcome.partial  # no page has every word: said above the results
    assert misses() == 0


def test_a_question_quotes_the_passage_that_answers_it(client, auth, demo):
    auth.login("jill@example.com")
    page = client.get("/search", query_string={"q": "supplier wants to change bank account"}).text
    assert "the single most common way companies lose money to fraud" in page
    assert "owned by Priya Raman, last reviewed 2026-02-02" in page
    outcome = services.search(demo["newcomer"], "what do I do with bank statement lines")
    assert outcome.passage is not None and "#" in outcome.passage.url  # its section's anchor
    assert services.search(demo["newcomer"], "ZFI_3WM").passage is None  # keywords: no quote


def test_pages_holding_every_word_come_first_then_those_holding_most(demo):
    outcome = services.search(demo["newcomer"], "invoice blocked price too high")
    # The one page with every word, then the page that answers it.
    assert titles(outcome)[0] == "Credit and debit memos"
    assert "Price and quantity variances" in titles(outcome)[:3]
    assert not outcome.partial


def test_a_question_is_not_corrected_into_words_it_did_not_mean(demo):
    outcome = services.search(demo["newcomer"], "supplier wants to change bank account")
    assert titles(outcome)[0] == "Vendor bank detail changes"  # supplier = vendor
    assert outcome.did_you_mean is None  # not "supplier waits"


def test_keyword_queries_still_require_every_word(demo):
    assert titles(services.search(demo["newcomer"], "Three-way match"))[0] == "Three-way match"
    assert titles(services.search(demo["newcomer"], "ZAP_HOLD"))[0] == "Working the ZAP_HOLD queue"
    outcome = services.search(demo["newcomer"], "zanzibar invoice")
    assert outcome.partial and outcome.results.total > 0  # said so, not passed off as exact


def test_an_erp_code_puts_its_own_page_first(demo):
    for code, title in [("ZFI_3WM", "Three-way match"), ("ZAR_DISP", "Logging a customer dispute")]:
        assert titles(services.search(demo["newcomer"], code))[0] == title


def test_word_forms_and_the_glossary_find_the_same_pages(demo):
    newcomer = demo["newcomer"]
    assert titles(services.search(newcomer, "payment runs"))[0] == "Weekly payment run"
    # Neither "supplier" nor "creditor" is in the title; the glossary says both mean vendor.
    assert "Creating a new vendor" in titles(services.search(newcomer, "new creditor"))[:3]
    spelled_out = services.search(newcomer, "goods received not invoiced")
    assert [term.term for term in spelled_out.terms] == ["GR/IR"]


def test_a_glossary_term_shows_its_definition_beside_the_results(demo):
    outcome = services.search(demo["newcomer"], "what is R2R")
    assert [term.term for term in outcome.terms] == ["R2R"]
    assert titles(outcome)[0] == "Record-to-report overview"
    assert services.search(demo["newcomer"], "R2R month end deadlines").terms == []


def test_the_evaluation_set_keeps_its_quality(demo):
    """The questions of tests/data/find/: a page that answers in the top 3 for most of them."""
    questions = evaluation.load_questions()
    assert len(questions) >= 80

    def ask(text: str) -> list[str]:
        outcome = services.search(demo["newcomer"], text, record=False, page_size=10)
        return [hit.url for hit in outcome.results.hits]

    scores = evaluation.score(questions, ask)
    assert scores.share_at(3) >= TOP_3_FLOOR, evaluation.misses(questions, ask)
    assert scores.empty_share <= 0.03
    assert misses() == 0


def test_a_miss_counts_once_per_person_query_and_day(client, auth, demo):
    auth.login("jill@example.com")
    for _ in range(3):
        page = client.get("/search?q=quokka+wombats").get_data(as_text=True)
        assert "Nothing found" in page
    assert misses() == 1
    auth.logout()
    auth.login("priya@example.com")
    client.get("/search?q=Quokka  wombats")
    assert misses() == 2
    summary = services.top_misses(demo["trainer"], days=30)
    assert [(s.count, s.people) for s in summary] == [(2, 2)]


def test_the_results_page_says_when_no_page_has_every_word(client, auth, demo):
    auth.login("jill@example.com")
    asked = "how do I stop chasing a small amount the customer will never pay"
    page = client.get("/search", query_string={"q": asked}).text
    assert "No page has all your words; these match most of them." in page
    assert page.index("Dispute write-offs") < page.index("None of these helped")
    definition = client.get("/search?q=GR/IR").text
    assert "419000 between the goods receipt and the invoice" in definition


HOSTILE = [
    "how " * 2000,  # a pasted wall of text, cut to the first 500 characters
    " ".join(f"word{n} invoice approval" for n in range(700)),
    "how do I do it and what is this",  # stop words only
    "the of and",
    "ZFI_3WM*)",
    'ZFI__3WM ((( ZAP_HOLD")',
    "Z_ _Z __ _",
    "'; DROP TABLE search_documents; --",
    "a & b | !c <-> d:* e",
    "foo OR",
    "\u202e\u0000\ufeffinvoice",
]


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_questions_never_fail(client, auth, demo, text):
    auth.login("jill@example.com")
    response = client.get("/search", query_string={"q": text})
    assert response.status_code == 200
    assert "Search is being rebuilt" not in response.text


def test_glossary_loops_and_syntax_in_synonyms_never_fail(client, auth, demo):
    trainer = demo["trainer"]
    glossary.save_term(trainer, TermDraft("alpha", ["beta"], "A."))
    glossary.save_term(trainer, TermDraft("beta", ["alpha", "gamma"], "B."))  # a loop
    glossary.save_term(trainer, TermDraft('odd"', ['x" OR (y', "a:* & !b | c <-> d"], "Syntax."))
    auth.login("jill@example.com")
    for text in ["alpha", "beta invoice", 'odd"', "x OR y", "a b c d", "what is gamma"]:
        assert client.get("/search", query_string={"q": text}).status_code == 200
    assert glossary.glossary_terms()[("alpha",)] == [("beta",), ("gamma",)]
