"""Migrations: the models and the migrated schema agree, on SQLite and on PostgreSQL."""

import re
from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, make_url, text

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


@pytest.fixture
def own_database(database_url: str, tmp_path) -> Iterator[str]:
    """An empty database of this test's own, on the suite's server (or a SQLite file)."""
    if database_url.startswith("sqlite"):
        yield "sqlite:///" + str(tmp_path / "roundtrip.db")
        return
    server = make_url(database_url)
    name = f"{server.database}_roundtrip"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def test_every_migration_goes_down_and_up_again_with_the_demo_content_loaded(
    own_database, tmp_path
):
    """`wiki db downgrade` on a populated database: SQLite rebuilds tables others refer to,
    which its foreign keys refused (and a failed try left a copy behind)."""
    app = create_app(
        {"DATABASE_URL": own_database, "SECRET_KEY": "test", "SEARCH_BACKEND": "whoosh"},
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
