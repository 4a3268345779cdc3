"""`wiki backup` and `wiki restore`: a populated wiki, backed up while it serves, comes back
into an empty database with its pages, history, files, questions and gaps, and searches
find what they found before."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, text

from tests import factories
from wiki import create_app
from wiki.extensions import db
from wiki.gaps import services as gaps
from wiki.processes import pages
from wiki.questions import services as questions
from wiki.search.indexing import indexer

COUNTED = ("users", "pages", "revisions", "attachments", "blobs", "questions", "question_posts",
           "gaps", "notifications")  # fmt: skip


def _counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    with engine.connect() as connection:
        counts = {name: connection.scalar(text(f"SELECT count(*) FROM {name}")) for name in COUNTED}
    engine.dispose()
    return counts


def _found(runner, words: str) -> str:
    result = runner.invoke(args=["search", "query", words])
    assert result.exit_code == 0, result.output
    return result.output


def test_a_backup_comes_back_whole_into_an_empty_database(
    app, people, database_url, another_database, tmp_path: Path
):
    page = factories.make_page("p2p", "Three-way match", "Match order, receipt and invoice.")
    pages.save_page(people["member"], page, pages.PageDraft(page.title, "Tolerance 2 %."), 1)
    factories.attach(page, "zap-hold.png", uploader=people["member"])
    question = factories.make_question(people["newcomer"], "p2p", [people["member"]])
    questions.add_post(people["member"], question, "Ask the AP lead about freight.")
    gaps.log_gap(people["newcomer"], gaps.GapDraft("Freight tolerance", "Which one?", "p2p"))
    source = app.test_cli_runner()
    before = _counts(database_url)
    assert all(before.values()), before
    found_before = _found(source, "tolerance")

    archive = tmp_path / "wiki.backup"
    made = source.invoke(args=["backup", str(archive)])
    assert made.exit_code == 0, made.output
    assert "Backed up to" in made.output and archive.stat().st_size > 0
    again = source.invoke(args=["backup", str(archive)])
    assert again.exit_code == 1 and "exists already" in again.output

    target = create_app(
        {"DATABASE_URL": another_database, "SECRET_KEY": "test", "SEARCH_BACKEND": "auto"},
        instance_path=str(tmp_path / "restored"),
    )
    runner = target.test_cli_runner()
    with target.app_context():  # the test's own app context is the source's
        restored = runner.invoke(args=["restore", str(archive)])
        assert restored.exit_code == 0, restored.output
        assert _counts(another_database) == before
        assert _found(runner, "tolerance") == found_before
        refused = runner.invoke(args=["restore", str(archive)])
        assert refused.exit_code == 1 and "--replace" in refused.output
        replaced = runner.invoke(args=["restore", "--replace", str(archive)])
        assert replaced.exit_code == 0, replaced.output
        assert _counts(another_database) == before
        indexer(target).close()
        db.session.remove()
        db.engine.dispose()
