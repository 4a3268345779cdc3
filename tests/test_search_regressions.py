"""Defects a review of search found, each kept from coming back: odd markup, costly wildcards,
stop words, corrections that leak, tags dropped by a load, large renames, savepoints and
misses counted twice."""

from __future__ import annotations

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
from wiki.search import index_query, indexing, services
from wiki.search.index_schema import Document
from wiki.search.indexing import indexer
from wiki.search.models import SearchMiss

pytestmark = pytest.mark.search_backends("whoosh", "postgresql")


def found(user, text: str, **filters) -> list[str]:
    outcome = services.search(user, text, record=False, **filters)
    return ["".join(piece for piece, _ in hit.title) for hit in outcome.results.hits]


def misses() -> int:
    return db.session.scalar(select(func.count()).select_from(SearchMiss))


def test_markup_the_html_parser_gives_up_on_is_still_indexed(app, people):
    factories.make_page(
        "odd", "Bogus markup", "<div>\n<![bogus[ x\n</div>\n\nquetzal", people["member"]
    )
    factories.make_page("odd", "Plain page", "ocelot", people["member"])
    assert found(people["member"], "quetzal") == ["Bogus markup"]
    assert found(people["member"], "ocelot") == ["Plain page"]
    assert not indexer().check()


def test_only_a_trailing_star_is_a_prefix_and_it_expands_to_few_words(app, people, monkeypatch):
    for word in ("contract", "control", "convert", "constant"):
        factories.make_page("words", f"About {word}", f"{word} matters", people["member"])
    member = people["member"]
    assert len(found(member, "con*")) == 4
    assert found(member, "*act") == [] and found(member, "?*") == []
    assert found(member, "c*") == []  # one letter is too short to be a prefix
    monkeypatch.setattr(index_query, "MAX_EXPANSIONS", 2)
    assert len(found(member, "con*")) == 2


def test_stop_words_in_a_query_are_ignored_like_everywhere_else(app, people):
    loader.load_content(read_content(REPO / "content"), None)
    newcomer = people["newcomer"]
    for text in ("of dunning procedure", "the dunning procedure", "when dunning"):
        assert found(newcomer, text)[0] == "Dunning procedure", text


@pytest.fixture
def private_word(app, people):
    secret = Document(
        key="page:999999",
        type="page",
        title="Confidential",
        url="/p/x",
        updated=datetime(2026, 1, 1),
        stamp="x",
        body="zanzibarian layoffs",
        readers=["role:admin"],
    )
    indexer().index.write({secret.key: secret})
    factories.make_page("open", "Invoices", "invoice handling", people["member"])
    return people


@pytest.mark.parametrize(
    "text", ["invoice OR zanzibarion", "invoice -layofs", "invoice NOT layofs"]
)
def test_did_you_mean_never_offers_a_word_the_reader_cannot_see(private_word, text):
    assert services.search(private_word["newcomer"], text).did_you_mean is None


def test_did_you_mean_never_offers_a_word_of_a_deleted_page(app, people):
    page = factories.make_page("open", "Redundancies", "redundancies explained", people["member"])
    factories.make_page("open", "Invoices", "invoice handling", people["member"])
    pages.delete_page(people["admin"], page)
    outcome = services.search(people["member"], "invoice OR redundancys")
    assert outcome.did_you_mean is None


def test_did_you_mean_leaves_other_forms_of_known_words_alone(app, people):
    factories.make_page("open", "Procedure", "the procedure", people["member"])
    assert services.search(people["member"], "procedures").did_you_mean is None


def test_clearing_a_page_s_tags_by_content_load_reaches_the_index(app, people, tmp_path):
    factories.make_page("labels", "Labels", "print labels", people["member"], tags="zebra-tag")
    loader.export_content(tmp_path)
    page_file = next(tmp_path.rglob("labels.md"))
    page_file.write_text(page_file.read_text().replace("tags: [zebra-tag]\n", ""))
    assert "zebra-tag" not in page_file.read_text()
    loader.load_content(read_content(tmp_path), None)
    assert found(people["member"], "labels", tag="zebra-tag") == []
    assert not indexer().check()


def test_a_large_subtree_is_reindexed_in_the_background(app, people, monkeypatch):
    monkeypatch.setattr(indexing, "INLINE_LIMIT", 2)
    for number in range(3):
        factories.make_page("area/team", f"Note {number}", "walrus", people["member"])
    area = tree.get_process("area")
    tree.update_process(people["admin"], area, name="Region", slug="region", description="")
    assert indexer().has_pending()  # the request did not wait for three pages
    assert indexer().flush_pending()
    outcome = services.search(people["member"], "walrus", process_path="region/team")
    assert outcome.results.total == 3
    assert not indexer().check()


def test_a_savepoint_rolled_back_keeps_what_was_changed_before_it(app, people):
    process = factories.make_process("ops", name="Operations")
    process.description = "capybara handling"
    db.session.flush()
    savepoint = db.session.begin_nested()
    process.name = "Something else"
    db.session.flush()
    savepoint.rollback()
    db.session.commit()
    assert found(people["member"], "capybara") == ["Operations"]


def test_odd_digits_in_numbers_are_refused_not_a_crash(client, auth, people):
    auth.login("carrie@example.com")
    assert client.get("/search?q=x&page=²").status_code == 200
    assert client.get("/search/misses?days=²").status_code == 200


def test_a_miss_is_counted_once(client, auth, people):
    auth.login("jill@example.com")
    client.post("/search/not-helpful", data={"q": "parking"}, follow_redirects=True)
    assert misses() == 1  # the "not helpful", not also two "no results"
    auth.logout()
    auth.login("carrie@example.com")
    client.get("/search/misses")
    client.get("/search?q=parking&counted=1")  # a trainer following up from the misses page
    assert misses() == 1
    result = app_cli(client.application, "query", "parking")
    assert result.exit_code == 0 and misses() == 1


def test_a_miss_does_not_empty_the_page_caches(client, auth, people):
    from wiki.versioning import current_version

    auth.login("jill@example.com")
    before = current_version()
    client.get("/search?q=parking")
    assert misses() == 1 and current_version() == before


def test_an_unknown_process_in_the_cli_is_a_message_not_a_traceback(app, people):
    result = app_cli(app, "query", "x", "--process", "no/such")
    assert result.exit_code == 1 and "There is no process" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def app_cli(app, *args):
    return app.test_cli_runner().invoke(args=["search", *args])


def test_a_page_moved_into_a_renamed_process_keeps_one_document(app, people):
    page = factories.make_page("a", "Mover", "narwhal", people["member"])
    pages.move_page(people["admin"], page, factories.make_process("b"))
    assert db.session.scalar(select(func.count()).select_from(Page)) == 1
    assert len(found(people["member"], "narwhal")) == 1
