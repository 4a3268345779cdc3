"""Migrations: the models and the migrated schema agree, on SQLite and on PostgreSQL."""

import re

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from tests.conftest import REPO
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
