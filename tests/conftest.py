"""Fixtures: a migrated database (SQLite, or PostgreSQL via WIKI_TEST_DATABASE_URL), a fresh app
per test, logged-in clients, and the browser set up for Debian's Chromium."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from email import message_from_bytes
from email import policy as email_policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from flask import Flask, g, request_started
from flask_migrate import upgrade
from sqlalchemy import MetaData, create_engine, make_url, text
from werkzeug.serving import make_server

from tests import factories
from tests.oidc_server import OpenIdProvider, start_provider
from tests.servers import Receiver
from wiki import create_app
from wiki.database import tables_for
from wiki.extensions import db
from wiki.search.index import SearchIndex
from wiki.search.indexing import indexer

REPO = Path(__file__).resolve().parent.parent
XSS_CORPUS = REPO / "tests" / "data" / "xss"
PASSWORD = factories.PASSWORD


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database migrated to head once per run; tests empty it after themselves."""
    url = os.environ.get("WIKI_TEST_DATABASE_URL") or (
        "sqlite:///" + str(tmp_path_factory.mktemp("db") / "wiki.db")
    )
    if not url.startswith("sqlite"):
        _drop_everything(url)
    app = create_app(
        {"DATABASE_URL": url, "SECRET_KEY": "test"},
        instance_path=str(tmp_path_factory.mktemp("instance")),
    )
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return url


def _drop_everything(url: str) -> None:
    engine = create_engine(url)
    metadata = MetaData()
    metadata.reflect(engine)
    metadata.drop_all(engine)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()


@pytest.fixture
def another_database(database_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of this test's own, on the suite's server (or a SQLite file)."""
    if database_url.startswith("sqlite"):
        yield "sqlite:///" + str(tmp_path / "another.db")
        return
    server = make_url(database_url)
    name = f"{server.database}_another"
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


@pytest.fixture(scope="session")
def openid_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenIdProvider]:
    """One real OpenID provider for the whole run (tests/oidc_server.py)."""
    provider = start_provider(tmp_path_factory.mktemp("oidc"))
    yield provider
    provider.stop()


@pytest.fixture
def app_config() -> dict:
    """Per-test overrides; a test module may override this fixture."""
    return {"WTF_CSRF_ENABLED": False}


def on_postgresql() -> bool:
    return os.environ.get("WIKI_TEST_DATABASE_URL", "").startswith("postgresql")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test marked search_backends("whoosh", "postgresql") runs on each of them that the
    database has (PostgreSQL's search on PostgreSQL only)."""
    marked = metafunc.definition.get_closest_marker("search_backends")
    if marked and "search_backend" in metafunc.fixturenames:
        backends = [b for b in marked.args if b != "postgresql" or on_postgresql()]
        metafunc.parametrize("search_backend", backends, indirect=True)


@pytest.fixture
def search_backend(request: pytest.FixtureRequest) -> str:
    """WIKI_SEARCH_BACKEND of the app: `auto` (PostgreSQL's search on PostgreSQL) unless a
    test asks for one."""
    return getattr(request, "param", "auto")


@pytest.fixture
def app(
    database_url: str, app_config: dict, search_backend: str, tmp_path: Path
) -> Iterator[Flask]:
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret",
            "TESTING": True,
            "SEARCH_BACKEND": search_backend,
            **app_config,
        },
        instance_path=str(tmp_path / "instance"),
    )
    # The test's own app context is reused by the client's requests (Flask reuses an active
    # context of the same app), so give each request a fresh `g`, as a server would.
    request_started.connect(_fresh_globals, app)
    with app.app_context():
        # An empty whoosh index, ready before the first commit (a server builds it in the
        # background; the database is empty here, so there is nothing to read into it).
        # PostgreSQL's search tables are emptied with the others after each test.
        search_index = indexer(app).index
        if isinstance(search_index, SearchIndex):
            search_index.build([])
        yield app
        indexer(app).close()
        db.session.remove()
        _empty_tables()
        db.engine.dispose()


def _fresh_globals(sender: Flask, **extra) -> None:
    g.__dict__.clear()


def _empty_tables() -> None:
    with db.engine.begin() as connection:
        tables = [
            table
            for table in reversed(tables_for(connection.dialect.name))
            if table.name != "site_state"  # its one row is made by the migration
        ]
        if connection.dialect.name == "postgresql":
            # One round trip for all of them (psycopg sends a statement without parameters
            # as one simple query): some 60 of them cost more than a short test.
            quote = connection.dialect.identifier_preparer.quote
            connection.exec_driver_sql(" ".join(f"DELETE FROM {quote(t.name)};" for t in tables))
        else:
            for table in tables:
                connection.execute(table.delete())


class Mailbox:
    """An SMTP server on loopback (aiosmtpd) keeping every message it receives."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse = False  # when True, the server answers every message with a 554

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.refuse:
            return "554 Transaction failed: the test server refuses"
        message = message_from_bytes(envelope.content, policy=email_policy.default)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in m["X-Envelope-To"]]


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    box.port = port
    yield box
    controller.stop()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A webhook receiver on loopback (tests/servers.py)."""
    running = Receiver()
    yield running
    running.stop()


@pytest.fixture
def mail_config(mailbox: Mailbox) -> dict:
    """The app_config of a test that sends mail to the loopback server."""
    return {
        "WTF_CSRF_ENABLED": False,
        "MAIL_ENABLED": True,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": mailbox.port,
        "MAIL_FROM": "Onramp Wiki <wiki@example.com>",
        "BASE_URL": "https://wiki.example.com",
    }


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, email: str, password: str = PASSWORD):
        return self._client.post("/login", data={"email": email, "password": password})

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client) -> AuthActions:
    return AuthActions(client)


@pytest.fixture
def people(app) -> dict:
    """One person per role, and a newcomer, all with factories.PASSWORD."""
    return {
        "admin": factories.make_user(email="ada@example.com", name="Ada Admin", roles=["admin"]),
        "manager": factories.make_user(
            email="marty@example.com", name="Marty Manager", roles=["manager"]
        ),
        "trainer": factories.make_user(
            email="carrie@example.com", name="Carrie Trainer", roles=["trainer"]
        ),
        "member": factories.make_user(email="priya@example.com", name="Priya Member"),
        "newcomer": factories.make_user(
            email="jill@example.com", name="Jill Newcomer", start_date="2026-11-16"
        ),
    }


@pytest.fixture
def xss_payloads() -> list[str]:
    """Every payload of the XSS corpora in tests/data/xss (one per line, plus the JSON ones)."""
    import json

    corpus = XSS_CORPUS
    payloads: list[str] = []
    for name in ("rsnake.txt", "markdown-and-wiki.txt"):
        payloads += [line for line in (corpus / name).read_text().splitlines() if line.strip()]
    payloads += [
        item["payload"] for item in json.loads((corpus / "wiki-regressions.json").read_text())
    ]
    assert len(payloads) > 150
    return payloads


def wiki_command_environment(app: Flask, **more: str) -> dict[str, str]:
    """The environment of a `wiki` command run as its own process on the test app's database
    and instance folder (as an operator's shell would run it)."""
    return {
        **os.environ,
        "WIKI_DATABASE_URL": app.config["DATABASE_URL"],
        "WIKI_SECRET_KEY": "test-secret",
        "WIKI_INSTANCE_PATH": app.instance_path,
        **more,
    }


@pytest.fixture
def text_keeping_payloads() -> list[str]:
    """Markup that, unclosed or mutated, could swallow the text around it (SOURCES.md)."""
    import json

    items = json.loads((XSS_CORPUS / "text-keeping.json").read_text())
    return [item["payload"] for item in items]


def around(payload: str, number: int) -> tuple[str, str, str]:
    """A body with the payload between two sentences, inline and as a block of its own, and
    the two sentences a reader must still see."""
    before = f"The sentence before payload {number} stays."
    after = f"The sentence after payload {number} stays."
    body = f"{before} {payload} {after}\n\n{before}\n\n{payload}\n\n{after}"
    return body, before, after


# --- Browser tests: Debian's Chromium, a live server in a thread --------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture
def live_server_url(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    # Requests still being answered (an image the page asked for last) hold pooled database
    # connections: let them finish before the app's teardown disposes of the pool, or the
    # connections they hand back are left for the garbage collector ("deleted while open").
    for request_thread in list(vars(server).get("_threads", [])):
        request_thread.join(timeout=5)
