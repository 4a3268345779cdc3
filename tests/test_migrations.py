"""Migrations: the models and the migrated schema agree, on SQLite and on PostgreSQL."""

import re

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from tests.conftest import REPO
from wiki import create_app
from wiki.database import for_dialect
from wiki.extensions import db


def test_models_and_migrations_agree(app):
    with db.engine.connect() as connection:
        options = {"compare_type": True, "include_object": for_dialect(connection.dialect.name)}
        context = MigrationContext.configure(connection, opts=options)
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_migration_files_have_readable_names():
    names = [path.stem for path in (REPO / "migrations" / "versions").glob("*.py")]
    assert names
    for name in names:
        assert re.fullmatch(r"\d{4}_\d{2}_\d{2}_[a-z]+(_[a-z0-9]+)+", name), name


def test_every_migration_goes_down_and_up_again_with_the_demo_content_loaded(
    another_database, tmp_path
):
    """`wiki db downgrade` on a populated database: SQLite rebuilds tables others refer to,
    which its foreign keys refused (and a failed try left a copy behind)."""
    app = create_app(
        {"DATABASE_URL": another_database, "SECRET_KEY": "test", "SEARCH_BACKEND": "whoosh"},
        instance_path=str(tmp_path / "instance"),
    )
    runner = app.test_cli_runner()
    with app.app_context():
        upgrade()
        loaded = runner.invoke(args=["content", "load", str(REPO / "content")])
        assert loaded.exit_code == 0, loaded.output
        pages_before = db.session.scalar(text("SELECT count(*) FROM pages"))
        db.session.remove()
        downgrade(revision="base")
        with db.engine.connect() as connection:
            assert "users" not in inspect(connection).get_table_names()
        upgrade()
        with db.engine.connect() as connection:
            assert connection.scalar(text("SELECT count(*) FROM pages")) == 0
            tables = inspect(connection).get_table_names()
        assert "users" in tables and not [name for name in tables if "alembic_tmp" in name]
        again = runner.invoke(args=["content", "load", str(REPO / "content")])
        assert again.exit_code == 0, again.output
        assert db.session.scalar(text("SELECT count(*) FROM pages")) == pages_before
        db.session.remove()
        db.engine.dispose()


def test_page_codes_are_filled_from_each_page_s_newest_revision(another_database, tmp_path):
    """The code registry reads page_codes: its migration records the codes of the pages there."""
    app = create_app(
        {"DATABASE_URL": another_database, "SECRET_KEY": "test", "SEARCH_BACKEND": "whoosh"},
        instance_path=str(tmp_path / "instance"),
    )
    with app.app_context():
        upgrade()
        loaded = app.test_cli_runner().invoke(args=["content", "load", str(REPO / "content")])
        assert loaded.exit_code == 0, loaded.output
        recorded = set(db.session.execute(text("SELECT page_id, code FROM page_codes")).all())
        assert recorded  # the demo content writes ERP codes
        db.session.remove()
        downgrade(revision="3e9a7c5b2d18")  # the one before page_codes
        upgrade()
        again = set(db.session.execute(text("SELECT page_id, code FROM page_codes")).all())
        assert again == recorded
        db.session.remove()
        db.engine.dispose()
