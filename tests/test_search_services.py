"""Search as people use it: ranking on the demo content, query syntax, typo tolerance, filters,
misses, permissions, and an index that follows every change after its commit."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.conftest import REPO
from wiki.content import loader
from wiki.content.files import read_content
from wiki.extensions import db
from wiki.processes import pages, tree
from wiki.processes.models import Page
from wiki.search import services
from wiki.search.index_schema import Document, Filters
from wiki.search.indexing import indexer
from wiki.search.models import SearchMiss

pytestmark = pytest.mark.search_backends("whoosh", "postgresql")


def titles(outcome: services.SearchOutcome) -> list[str]:
    return ["".join(text for text, _ in hit.title) for hit in outcome.results.hits]


def found(user, text: str, **filters) -> list[str]:
    return titles(services.search(user, text, **filters))


@pytest.fixture
def demo(app, people):
    """The demo organisation from content/, loaded through the real loader."""
    loader.load_content(read_content(REPO / "content"), None)
    return people


@pytest.mark.parametrize(
    "title",
    ["Three-way match", "Dunning procedure", "Vendor bank detail changes", "Purchase accruals"],
)
def test_an_exact_page_title_ranks_that_page_first(demo, title):
    assert found(demo["newcomer"], title)[0] == title


def test_a_process_key_term_puts_that_process_pages_on_top(demo):
    outcome = services.search(demo["newcomer"], "cash application")
    # The process and both of its pages, before anything else.
    assert set(titles(outcome)[:3]) == {
        "Cash application",
        "Unapplied cash",
        "Applying incoming payments",
    }


def test_every_hit_in_a_process_carries_its_breadcrumb(demo):
    outcome = services.search(demo["newcomer"], "three-way match")
    first = outcome.results.hits[0]
    assert [c.name for c in outcome.breadcrumbs[first.key]] == [
        "Procure-to-pay",
        "Invoice processing",
    ]
    assert outcome.breadcrumbs[first.key][-1].url == "/p/procure-to-pay/invoice-processing"


@pytest.fixture
def corpus(app, people):
    author = people["member"]
    factories.make_process("finance/payables", name="Payables")
    factories.make_process("finance/receivables", name="Receivables")
    made = {
        "match": factories.make_page(
            "finance/payables",
            "Matching invoices",
            "# Steps\n\nEvery supplier invoice is matched against the goods receipt.",
            author,
            tags="invoices, matching",
        ),
        "vendor": factories.make_page(
            "finance/payables",
            "Vendor onboarding",
            "New vendors need bank details checked by a second person.",
            author,
        ),
        "cash": factories.make_page(
            "finance/receivables",
            "Applying customer payments",
            "Incoming payments are applied to open customer invoices daily.",
            author,
            tags="cash",
        ),
    }
    return made


def test_plain_words_must_all_match(corpus, people):
    assert found(people["member"], "invoice goods") == ["Matching invoices"]
    assert found(people["member"], "invoice") == ["Matching invoices", "Applying customer payments"]


def test_phrase_or_exclusion_prefix_and_stemming(corpus, people):
    member = people["member"]
    assert found(member, '"goods receipt"') == ["Matching invoices"]
    assert found(member, '"receipt goods"') == []
    assert set(found(member, "vendor OR customer")) == {
        "Vendor onboarding",
        "Applying customer payments",
    }
    assert found(member, "invoice -customer") == ["Matching invoices"]
    assert found(member, 'payments -"open customer"') == []
    assert set(found(member, "onboard*")) == {"Vendor onboarding"}
    # Stemming: "applied" and "applying" meet at one stem.
    assert found(member, "apply") == ["Applying customer payments"]


def test_typos_fall_back_to_similar_words_and_suggest_a_correction(corpus, people):
    outcome = services.search(people["member"], "vendr onbording")
    assert outcome.fuzzy
    assert titles(outcome) == ["Vendor onboarding"]
    assert outcome.did_you_mean == "vendor onboarding"


def test_a_word_the_wiki_holds_is_not_widened_to_its_near_spellings(app, people):
    author = people["member"]
    factories.make_process("finance/assets", name="Assets")
    factories.make_page("finance/assets", "Car fleet", "Every car is on a lease.", author)
    factories.make_page("finance/assets", "Depreciation", "Review it at least yearly.", author)
    outcome = services.search(people["member"], "lease")
    assert titles(outcome) == ["Car fleet"]
    assert not outcome.fuzzy
    # A typo is still matched by its near spellings.
    outcome = services.search(people["member"], "leese")
    assert outcome.fuzzy
    assert titles(outcome) == ["Car fleet"]


def test_no_correction_is_offered_for_words_the_index_knows(corpus, people):
    assert services.search(people["member"], "vendor").did_you_mean is None


def test_a_misspelt_alternative_is_corrected_though_the_other_one_finds_pages(corpus, people):
    outcome = services.search(people["member"], "vendor OR onbording")
    assert titles(outcome) == ["Vendor onboarding"]
    assert outcome.did_you_mean == "vendor OR onboarding"


def test_filters_by_process_subtree_type_and_tag(corpus, people):
    member = people["member"]
    assert found(member, "invoice", process_path="finance/payables") == ["Matching invoices"]
    assert found(member, "payables", type_name="process") == ["Payables"]
    assert found(member, "invoice", tag="cash") == ["Applying customer payments"]
    with_facets = services.search(member, "invoice").results.facets
    assert with_facets["tag"] == {"invoices": 1, "matching": 1, "cash": 1}
    narrower = services.search(member, "invoice", process_path="finance").narrower
    assert [(crumb.name, count) for crumb, count in narrower] == [
        ("Payables", 1),
        ("Receivables", 1),
    ]


def test_ties_in_relevance_go_to_the_most_recent(app, people):
    for name in ("Older note", "Newer note"):
        factories.make_page("notes", name, "identical words here", people["member"])
    older = db.session.scalar(select(Page).where(Page.title == "Older note"))
    older.updated_at = datetime(2020, 1, 1)
    db.session.commit()
    assert found(people["member"], "identical")[0] == "Newer note"


def test_results_are_paginated(app, people):
    for number in range(25):
        factories.make_page("bulk", f"Report {number}", "quarterly figures", people["member"])
    first = services.search(people["member"], "quarterly")
    second = services.search(people["member"], "quarterly", page=2)
    assert first.results.total == 25 and first.results.page_count == 2
    assert len(first.results.hits) == 20 and len(second.results.hits) == 5
    assert not set(titles(first)) & set(titles(second))


def test_snippets_mark_the_matching_words(corpus, people):
    hit = services.search(people["member"], "goods").results.hits[0]
    marked = [text for fragment in hit.snippet for text, matched in fragment if matched]
    assert marked == ["goods"]


def test_snippets_mark_the_words_whoosh_itself_would_mark():
    """Hits are marked by a quicker reading of the text than whoosh's analyzer and
    highlighter: on every page of the demo, and on long texts of four pages each, with some of
    its words, words of other pages and stop words asked for, the same words are marked ("ar",
    accounts receivable, is not "are"), and each fragment of a snippet is a piece of the text
    of at most SNIPPET_CHARS around marked words, in the text's order."""
    from wiki.search.index_marking import MAX_MARKED, SNIPPET_CHARS, marked_words, snippet
    from wiki.search.index_schema import STEMMED

    pages = [path.read_text() for path in sorted((REPO / "content").rglob("*.md"))]
    texts = pages + ["\n\n".join(pages[number : number + 4]) for number in range(0, 60, 4)]
    words = sorted({word.lower() for text in pages for word in re.findall(r"\w+", text)})
    compared = 0
    for number, text in enumerate(texts):
        own = re.findall(r"\w{5,}", text)
        question = [*own[7:9], *own[-3:-2], *words[number::97][:3], "will", "as", "ar", "ing"]
        terms = frozenset(token.text for word in question for token in STEMMED(word))
        whooshs = [
            (token.startchar, token.endchar, token.text)
            for token in STEMMED(text, chars=True, mode="query", removestops=False)
            if token.text in terms
        ]
        assert marked_words(text, terms) == whooshs[:MAX_MARKED]
        fragments = snippet(text, terms)
        assert 1 <= len(fragments) <= 2
        position = 0
        for fragment in fragments:
            piece = "".join(part for part, _ in fragment)
            assert any(matched for _, matched in fragment)
            assert len(piece) <= SNIPPET_CHARS
            found = text.find(piece, position)
            assert found >= position
            position = found + len(piece)
        compared += 1
    assert compared == len(texts)


def test_a_snippet_shows_where_the_words_asked_for_are_together():
    from wiki.search.index_marking import marks
    from wiki.search.index_schema import STEMMED

    text = (
        "Invoices arrive every day. " + "Filler words about nothing. " * 20
        + "Blocked invoices wait for the buyer to confirm the price. "
        + "More filler words here. " * 20 + "The buyer signs off."
    )  # fmt: skip
    terms = frozenset(
        token.text for word in ("blocked", "invoice", "buyer") for token in STEMMED(word)
    )
    title, fragments = marks("Blocked invoices", text, terms)
    assert title == [("Blocked", True), (" ", False), ("invoices", True)]
    shown = ["".join(part for part, _ in fragment) for fragment in fragments]
    together = [piece for piece in shown if "Blocked invoices wait for the buyer" in piece]
    assert len(together) == 1
    assert [part for part, matched in fragments[shown.index(together[0])] if matched] == [
        "Blocked",
        "invoices",
        "buyer",
    ]
    assert not any("signs off" in piece for piece in shown)  # one word, later: not shown


def test_people_are_searchable_by_name(app, people):
    outcome = services.search(people["member"], "Carrie")
    assert titles(outcome) == ["Carrie Trainer"]
    assert outcome.results.hits[0].url == f"/people/{people['trainer'].id}"


def test_searches_without_results_are_recorded_as_misses(corpus, people):
    services.search(people["newcomer"], "  Travel   EXPENSES ", process_path="finance")
    services.search(people["newcomer"], "invoice")  # found: no miss
    misses = db.session.scalars(select(SearchMiss)).all()
    assert [(m.query, m.normalized, m.user_id, m.process.path, m.result_count) for m in misses] == [
        ("Travel EXPENSES", "travel expenses", people["newcomer"].id, "finance", 0)
    ]
    services.search(people["member"], "travel expenses")
    summary = services.top_misses(people["trainer"], days=30)
    assert [(s.count, s.people) for s in summary] == [(2, 2)]


def test_only_trainers_and_admins_read_the_misses(app, people):
    from wiki.errors import NotAllowed

    with pytest.raises(NotAllowed):
        services.top_misses(people["member"], days=30)
    assert services.top_misses(people["admin"], days=30) == []


def test_documents_others_may_not_read_never_show(app, people):
    """Private documents (questions, later) carry their readers; the filter applies to hits,
    suggestions and quick-find alike."""
    private = Document(
        key="page:999999",
        type="page",
        title="Confidential reorganisation",
        url="/p/x",
        updated=datetime(2026, 1, 1),
        stamp="x",
        body="zanzibarian restructuring",
        readers=[f"u:{people['member'].id}", "role:admin"],
    )
    indexer().index.write({private.key: private})
    newcomer, member, admin = people["newcomer"], people["member"], people["admin"]
    assert found(newcomer, "zanzibarian") == []
    assert services.search(newcomer, "zanzibarion").did_you_mean is None
    assert services.quick_find(newcomer, "Confid") == []
    assert found(member, "zanzibarian") == ["Confidential reorganisation"]
    assert services.search(member, "zanzibarion").did_you_mean == "zanzibarian"
    assert [r["title"] for r in services.quick_find(admin, "Confid")] == [
        "Confidential reorganisation"
    ]


def test_quick_find_matches_title_prefixes(corpus, people):
    results = services.quick_find(people["member"], "vendor onb")
    assert results == [
        {
            "type": "page",
            "title": "Vendor onboarding",
            "url": "/p/finance/payables/vendor-onboarding",
            "process": "Finance › Payables",
        }
    ]
    assert services.quick_find(people["member"], "onboarding vend") == results  # any order
    assert services.quick_find(people["member"], "vendor bank") == []  # words of the body


# -- the index follows the database ----------------------------------------------------------


def test_the_index_follows_create_edit_rename_move_and_delete(app, people):
    member = people["member"]
    page = factories.make_page("ops", "Pallet labels", "Print the zebra labels.", member)
    assert found(member, "zebra") == ["Pallet labels"]

    draft = pages.PageDraft("Shipping labels", "Print the thermal labels.", "", "")
    pages.save_page(member, page, draft, page.latest_revision)
    assert found(member, "zebra") == []
    assert found(member, "thermal") == ["Shipping labels"]

    target = factories.make_process("logistics", name="Logistics")
    moved = pages.move_page(people["admin"], page, target)
    assert found(member, "thermal", process_path="logistics") == ["Shipping labels"]
    assert found(member, "thermal", process_path="ops") == []
    assert services.quick_find(member, "shipping")[0]["url"] == "/p/" + moved.path

    tree.update_process(people["admin"], target, name="Warehouse", slug="warehouse", description="")
    outcome = services.search(member, "thermal", process_path="warehouse")
    assert [c.name for c in outcome.breadcrumbs[outcome.results.hits[0].key]] == ["Warehouse"]
    assert outcome.results.hits[0].url == "/p/warehouse/shipping-labels"

    pages.delete_page(people["admin"], db.session.get(Page, page.id))
    assert found(member, "thermal") == []
    assert not indexer().check()


def test_a_rare_word_with_common_ones_finds_exactly_the_pages_holding_all(app, people):
    # The common words' pages are many beside the rare word's, so the index looks the rare
    # word's pages up in the common words' postings instead of reading them all; edits put
    # some of them in newer parts of the index, and take others out.
    member = people["member"]
    made = [
        factories.make_page("ops", f"Shipment {n}", "Every shipment invoice is checked.", member)
        for n in range(40)
    ]
    factories.make_page("ops", "Quokka audit", "The quokka invoice shipment list.", member)
    for number, title in ((3, "Shipment 3"), (17, "Shipment 17")):
        draft = pages.PageDraft(title, "A quokka shipment invoice, checked.", "", "")
        pages.save_page(member, made[number], draft, made[number].latest_revision)
    draft = pages.PageDraft("Shipment 9", "A quokka shipment, no bill.", "", "")
    pages.save_page(member, made[9], draft, made[9].latest_revision)
    expected = {"Quokka audit", "Shipment 3", "Shipment 17"}
    assert set(found(member, "shipment invoice quokka")) == expected
    assert set(found(member, "quokka invoice")) == expected
    assert set(found(member, "quokka (invoice OR bill) shipment")) == expected | {"Shipment 9"}
    assert set(found(member, "quokka shipment -invoice")) == {"Shipment 9"}


@pytest.mark.search_backends("whoosh")
def test_searches_stay_right_while_the_worker_reopens_its_searcher(app, people, monkeypatch):
    # A worker reopens its searcher every so many uses (to let go of what it has read); every
    # search, correction and quick-find around those reopenings answers as before.
    from wiki.search import index

    monkeypatch.setattr(index, "USES_PER_SEARCHER", 2)
    member = people["member"]
    factories.make_page("ops", "Pallet labels", "Print the zebra labels.", member)
    factories.make_page("ops", "Dock schedule", "Book a zebra crossing slot.", member)
    for _ in range(3):
        assert sorted(found(member, "zebra")) == ["Dock schedule", "Pallet labels"]
        assert services.search(member, "zebar").did_you_mean == "zebra"
        assert [hit["title"] for hit in services.quick_find(member, "pal")] == ["Pallet labels"]
    page = db.session.scalar(select(Page).where(Page.title == "Pallet labels"))
    draft = pages.PageDraft("Pallet labels", "Print the thermal labels.", "", "")
    pages.save_page(member, page, draft, page.latest_revision)
    assert found(member, "zebra") == ["Dock schedule"]
    assert found(member, "thermal") == ["Pallet labels"]


def test_a_rolled_back_change_leaves_the_index_unchanged(app, people):
    member = people["member"]
    page = factories.make_page("ops", "Pallet labels", "Print the zebra labels.", member)
    before = indexer().index.stamps()
    page.title = "Renamed in a transaction that fails"
    pages.append_revision(page, 2, member, page.title, "quokka", "")
    db.session.flush()
    db.session.rollback()
    assert indexer().index.stamps() == before
    assert found(member, "quokka") == []
    assert found(member, "zebra") == ["Pallet labels"]


@pytest.mark.search_backends("whoosh")  # PostgreSQL writes in the transaction: no index lock
def test_saving_never_fails_when_the_index_is_locked(app, people, caplog):
    member = people["member"]
    page = factories.make_page("ops", "Pallet labels", "Print the zebra labels.", member)
    search_indexer = indexer()
    search_indexer.index.lock_timeout = 0.1
    generation = search_indexer.index.current_generation()
    from whoosh.filedb.filestore import FileStorage

    held = FileStorage(str(generation)).open_index().writer()  # another writer holds the lock
    try:
        draft = pages.PageDraft("Pallet labels", "Print the okapi labels.", "", "")
        assert pages.save_page(member, page, draft, page.latest_revision)
        assert "will retry" in caplog.text
        assert search_indexer.has_pending()
    finally:
        held.cancel()
    assert search_indexer.flush_pending()
    assert found(member, "okapi") == ["Pallet labels"]


def test_deactivated_people_leave_the_index(app, people):
    from wiki.auth import services as auth_services

    auth_services.set_active(people["admin"], people["member"], False)
    assert found(people["newcomer"], "Priya") == []
    assert db.session.scalar(select(func.count()).select_from(SearchMiss)) == 1


def test_facets_of_a_very_common_word_count_the_best_hits_and_say_so(app, people, monkeypatch):
    from wiki.search import index_query

    monkeypatch.setattr(index_query, "FACET_SAMPLE", 5)
    monkeypatch.setattr(index_query, "TIE_MARGIN", 0)
    monkeypatch.setattr(services, "PAGE_SIZE", 2)
    for number in range(8):
        factories.make_page("bulk", f"Note {number}", "common words", people["member"])
    results = services.search(people["member"], "common").results
    assert results.total == 8
    assert results.facets_sampled == 5 and results.facets["type"] == {"page": 5}
    assert services.search(people["member"], "note 3").results.facets_sampled == 0


def test_past_the_ranked_threshold_titles_come_first_then_the_newest(
    app, people, client, auth, monkeypatch, search_backend
):
    from wiki.search import index_query, postgres_query

    # Many matches (past RANKED) are ranked by title and the like, then by recency.
    monkeypatch.setattr(index_query, "RANKED", 3)
    monkeypatch.setattr(postgres_query, "RANKED", 3)
    for number in range(6):
        factories.make_page("bulk", f"Note {number}", "the walrus is here", people["member"])
    factories.make_page("bulk", "Walrus care", "feeding", people["member"])
    oldest = db.session.scalar(select(Page).where(Page.title == "Note 0"))
    oldest.updated_at = datetime(2020, 1, 1)
    db.session.commit()
    results = services.search(people["member"], "walrus").results
    titles = [hit.plain_title for hit in results.hits]
    assert titles[0] == "Walrus care"  # the title match first
    assert titles[-1] == "Note 0"  # then the newest first
    assert sorted(titles) == sorted(["Walrus care", *(f"Note {n}" for n in range(6))])
    either = [
        hit.plain_title
        for hit in services.search(people["member"], "walrus OR feeding").results.hits
    ]
    assert either[0] == "Walrus care" and sorted(either) == sorted(titles)
    excluding = services.search(people["member"], "walrus -feeding").results
    assert "Walrus care" not in [hit.plain_title for hit in excluding.hits]
    auth.login("jill@example.com")
    html = client.get("/search?q=walrus").get_data(as_text=True)
    if results.approximate:  # PostgreSQL estimates a total past RANKED ...
        assert search_backend != "whoosh" and results.total >= 4
        assert f"About {results.total:,} results" in html
    else:  # ... whoosh counts every match
        assert search_backend == "whoosh" and results.total == 7
        assert excluding.total == 6 and "7 results" in html


@pytest.mark.search_backends("whoosh")
@pytest.mark.parametrize(
    "text",
    ["invoice", "payment run", "book invoice", "vendor bank account"],
)
def test_hits_carry_whooshs_own_score_for_the_query(demo, text):
    """Ranking scores only the matching pages (not every page holding any word): each hit's
    score is still the one whoosh gives that page for the query, best first."""
    index = indexer().index
    results = index.search(text, Filters(readers=["*"]), 1, 20)
    assert results.hits
    searcher = index._searcher()
    scored = searcher.search(index.parse(text), limit=None)
    whoosh_scores = {scored[n]["key"]: scored.score(n) for n in range(scored.scored_length())}
    assert [round(hit.score, 9) for hit in results.hits] == [
        round(whoosh_scores[hit.key], 9) for hit in results.hits
    ]
    assert [hit.score for hit in results.hits] == sorted(
        (hit.score for hit in results.hits), reverse=True
    )
