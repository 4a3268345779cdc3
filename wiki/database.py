"""Database wiring: the engine, SQLite's connection settings and migrations."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from wiki.extensions import db, migrate

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def init_app(app: Flask) -> None:
    # Import the models so that their tables are part of the metadata migrations compare.
    from wiki.approvals import models as _approval_models  # noqa: F401
    from wiki.attachments import models as _attachment_models  # noqa: F401
    from wiki.audit import models as _audit_models  # noqa: F401
    from wiki.auth import models as _auth_models  # noqa: F401
    from wiki.buddies import models as _buddy_models  # noqa: F401
    from wiki.coaching import models as _coaching_models  # noqa: F401
    from wiki.comments import models as _comment_models  # noqa: F401
    from wiki.feedforward import models as _feedforward_models  # noqa: F401
    from wiki.forums import models as _forum_models  # noqa: F401
    from wiki.gaps import models as _gap_models  # noqa: F401
    from wiki.glossary import models as _glossary_models  # noqa: F401
    from wiki.integrations import models as _integration_models  # noqa: F401
    from wiki.notifications import models as _notification_models  # noqa: F401
    from wiki.peergroups import models as _peer_group_models  # noqa: F401
    from wiki.people import models as _people_models  # noqa: F401
    from wiki.processes import models as _process_models  # noqa: F401
    from wiki.questions import models as _question_models  # noqa: F401
    from wiki.ratelimit import RateCount  # noqa: F401
    from wiki.search import models as _search_models  # noqa: F401
    from wiki.verification import health as _health_models  # noqa: F401
    from wiki.verification import models as _verification_models  # noqa: F401
    from wiki.verification import readership as _readership_models  # noqa: F401
    from wiki.versioning import SiteState  # noqa: F401
    from wiki.watching import models as _watching_models  # noqa: F401
    from wiki.webhooks import models as _webhook_models  # noqa: F401

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            _configure_sqlite(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    """WAL lets readers and a writer work at once; the timeout makes a writer wait, not fail."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    @event.listens_for(engine, "savepoint")
    def _savepoint_takes_the_write_lock(connection, _name) -> None:
        # The sqlite3 module begins a transaction before a write only, so a SAVEPOINT outside
        # one begins it instead, deferred: a read there and then a write must upgrade a
        # snapshot that another writer may have made stale, which fails at once ("database is
        # locked", seen with two `wiki tick` at once) instead of waiting. Taking the write lock
        # first makes it wait its turn, as any other write does.
        if not connection.connection.driver_connection.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


def for_dialect(dialect_name: str):
    """An alembic include_object hook: leave out of comparisons the indexes and tables the
    models create on another database only (Index.ddl_if(dialect=...), a table's
    info={"dialect": ...})."""

    def include_object(item, _name, type_, _reflected, _compare_to) -> bool:
        if type_ == "table":
            return item.info.get("dialect") in (None, dialect_name)
        condition = getattr(item, "_ddl_if", None) if type_ == "index" else None
        return condition is None or condition.dialect in (None, dialect_name)

    return include_object


def tables_for(dialect_name: str) -> list:
    """The tables the models keep on this database, in dependency order."""
    return [
        table
        for table in db.metadata.sorted_tables
        if table.info.get("dialect") in (None, dialect_name)
    ]
