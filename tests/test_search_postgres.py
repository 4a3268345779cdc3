"""The PostgreSQL search backend on its own: choosing it, its tables written in the saving
transaction, `wiki search check --fix` repairing a dropped GIN index and a missing document row,
a rebuild when the tables are empty, and nothing of it on SQLite."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, inspect, text

from tests import factories
from tests.conftest import on_postgresql
from wiki import create_app
from wiki.extensions import db
from wiki.search import services
from wiki.search.indexing import backend_name, indexer

postgresql_only = pytest.mark.skipif(not on_postgresql(), reason="PostgreSQL's own search")


def run(app, *args: str):
    return app.test_cli_runner().invoke(args=["search", *args])


@pytest.mark.parametrize(
    ("chosen", "url", "expected"),
    [
        ("auto", "sqlite:///x.db", "whoosh"),
        ("auto", "postgresql+psycopg://u@h/db", "postgresql"),
        ("whoosh", "postgresql+psycopg://u@h/db", "whoosh"),
        ("postgresql", "postgresql+psycopg://u@h/db", "postgresql"),
    ],
)
def test_the_backend_follows_the_setting_and_the_database(tmp_path, chosen, url, expected):
    app = create_app({"DATABASE_URL": "sqlite://"}, instance_path=str(tmp_path))
    app.config.update(DATABASE_URL=url, SEARCH_BACKEND=chosen)
    assert backend_name(app) == expected


@pytest.mark.parametrize(
    ("chosen", "message"),
    [
        ("postgresql", "needs a PostgreSQL WIKI_DATABASE_URL"),
        ("elastic", "choose one of auto, whoosh, postgresql"),
    ],
)
def test_a_backend_the_database_cannot_serve_is_refused_at_start(tmp_path, chosen, message):
    with pytest.raises(ValueError, match=message):
        create_app(
            {"DATABASE_URL": "sqlite://", "SEARCH_BACKEND": chosen}, instance_path=str(tmp_path)
        )


@pytest.mark.skipif(on_postgresql(), reason="what the migration leaves out on SQLite")
def test_on_sqlite_the_migration_makes_no_search_tables(app):
    tables = set(inspect(db.engine).get_table_names())
    assert "search_misses" in tables
    assert not {"search_documents", "search_words"} & tables


@pytest.fixture
def wiki(app, people):
    factories.make_process("finance/payables", name="Payables")
    page = factories.make_page(
        "finance/payables", "Matching invoices", "Match every invoice.", people["member"]
    )
    return people, page


@postgresql_only
def test_a_saved_page_is_in_the_tables_for_any_connection_once_committed(wiki):
    people, _ = wiki
    # A connection of its own, as another host would have.
    other = create_engine(db.engine.url)
    try:
        with other.connect() as connection:
            row = connection.execute(
                text("SELECT title FROM search_documents WHERE vector @@ to_tsquery('invoic')")
            ).all()
            assert row == [("Matching invoices",)]
            words = connection.scalars(text("SELECT word FROM search_words ORDER BY word"))
            assert {"match", "every", "invoice", "invoices", "matching"} <= set(words)
    finally:
        other.dispose()


@postgresql_only
def test_check_finds_a_dropped_gin_index_and_fix_creates_it_again(app, wiki):
    with db.engine.begin() as connection:
        connection.execute(text("DROP INDEX ix_search_documents_vector"))
    result = run(app, "check")
    assert result.exit_code == 1
    assert "database indexes missing or invalid: 1 (ix_search_documents_vector)" in result.output
    fixed = run(app, "check", "--fix")
    assert fixed.exit_code == 0, fixed.output
    assert "Recreated 1 database indexes." in fixed.output
    assert "ix_search_documents_vector" in {
        index["name"] for index in inspect(db.engine).get_indexes("search_documents")
    }
    assert run(app, "check").output.endswith("The index matches the database.\n")


@postgresql_only
def test_check_finds_a_missing_document_row_and_fix_writes_it(app, wiki):
    people, page = wiki
    with db.engine.begin() as connection:
        connection.execute(
            text("DELETE FROM search_documents WHERE key = :k"), {"k": f"page:{page.id}"}
        )
    assert services.search(people["member"], "invoice").results.total == 0
    result = run(app, "check")
    assert result.exit_code == 1 and f"missing: 1 (page:{page.id})" in result.output
    assert run(app, "check", "--fix").exit_code == 0
    assert services.search(people["member"], "invoice").results.total == 1


@postgresql_only
def test_reindex_rewrites_every_document_and_the_vocabulary(app, wiki):
    people, _ = wiki
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE search_documents SET body = 'zzz', stamp = 'old'"))
        connection.execute(text("DELETE FROM search_words"))
    result = run(app, "reindex")
    assert result.exit_code == 0, result.output
    assert "Indexed 9 documents." in result.output
    assert not indexer().check()
    assert services.search(people["member"], "invoise").did_you_mean == "invoice"


@postgresql_only
def test_empty_tables_beside_a_full_database_are_filled_on_the_first_request(app, wiki):
    people, _ = wiki
    with db.engine.begin() as connection:
        connection.execute(text("DELETE FROM search_documents"))
    restarted = create_app(dict(app.config), instance_path=app.instance_path)
    with restarted.test_client() as browser:
        browser.post("/login", data={"email": "jill@example.com", "password": factories.PASSWORD})
        first = browser.get("/search?q=invoice")
        assert first.status_code in (200, 503)
        indexer(restarted)._building.join(timeout=30)
        assert "/p/finance/payables/matching-invoices" in browser.get("/search?q=invoice").get_data(
            as_text=True
        )
    with restarted.app_context():
        db.engine.dispose()


@postgresql_only
def test_an_edit_through_the_editor_or_the_api_leaves_no_stale_search_document(
    app, client, auth, people
):
    """A save bumps the page's revision with a guarded UPDATE; the document written in the
    same transaction must carry the new revision's stamp, or `wiki search check` calls every
    edited page stale."""
    page = factories.make_page("p2p", "Three-way match", "Match it.")
    auth.login("priya@example.com")
    edit = {"title": page.title, "body": "Tolerance two percent.", "base_revision": "1"}
    assert client.post(f"/p/{page.path}/+edit", data=edit).status_code == 302
    assert not indexer(app).check().stale
    secret = factories.make_token(people["member"], write=True)
    body = {"title": page.title, "body": "Tolerance three percent.", "base_revision": 2}
    answer = client.put(f"/api/v1/pages/{page.id}", json=body, headers=factories.bearer(secret))
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert not indexer(app).check().stale
    assert run(app, "check").exit_code == 0


@postgresql_only
def test_hits_mark_the_words_postgresql_itself_would_mark(app, people):
    """Hits are marked in Python with PostgreSQL's lexemes instead of by ts_headline: on every
    page of the demo, with some of its words, words of other pages, a phrase and stop words
    asked for, ts_headline marks the same words in the title and in each fragment shown
    (and none in a word of a path, a file name or a tag, "GR/IR", "zap-hold-queue.png",
    "<closed period>", nor in the number of "INV-10284", which PostgreSQL reads as -10284)."""
    import re

    from tests.conftest import REPO
    from wiki.content import loader
    from wiki.content.files import read_content
    from wiki.search.postgres_marking import Marking

    loader.load_content(read_content(REPO / "content"), None)
    rows = db.session.execute(
        text("SELECT key, title, body FROM search_documents ORDER BY key")
    ).all()
    words = sorted({w.lower() for row in rows for w in re.findall(r"[^\W_]+", row.body)})
    compared = marked = 0
    for number, row in enumerate(rows):
        own = re.findall(r"[^\W_]{5,}", row.body) or ["nothing"]
        asked = [*own[7:9], *own[-3:-2], *words[number::97][:3], "the", "hold", "gr", "ir"]
        terms = [f"'{word.lower()}'" for word in asked] + [f"('{own[0].lower()}' <-> 'and')"]
        title, snippet = Marking(db.engine, {row.key: row.title}, terms).of(row.key)
        for piece in [title, *snippet]:
            shown = "".join(part for part, _ in piece)
            ours = [part for part, matched in piece if matched]
            theirs = re.findall(
                r"\x02(.*?)\x03",
                db.session.scalar(
                    text(
                        "SELECT ts_headline('english', :shown, to_tsquery('english', :query),"
                        " 'HighlightAll=true, StartSel=\x02, StopSel=\x03')"
                    ),
                    {"shown": shown, "query": " | ".join(terms)},
                ),
            )
            assert ours == theirs, shown
            compared += 1
            marked += len(ours)
    assert compared > len(rows) and marked > len(rows)
