"""`wiki worker` as an operator runs it, a process of its own: it sends what a commit made
within moments (PostgreSQL's NOTIFY wakes it; on SQLite it polls), and ends promptly and
cleanly when told to stop."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from sqlalchemy import select

from tests import factories
from tests.conftest import on_postgresql, wiki_command_environment
from tests.servers import RECEIVER_SECRET, stop_process
from wiki.extensions import db
from wiki.webhooks import services as webhooks
from wiki.webhooks.models import WebhookDelivery


@pytest.fixture
def app_config() -> dict:
    return {"WEBHOOK_ALLOW_PRIVATE": True}


def start_worker(app) -> subprocess.Popen:
    # On PostgreSQL it looks only every 30 s unless NOTIFY wakes it: a send within moments
    # shows the wake-up works. SQLite has no NOTIFY: there it looks every half second.
    poll = "30" if on_postgresql() else "0.5"
    environment = wiki_command_environment(
        app, WIKI_WEBHOOK_ALLOW_PRIVATE="true", WIKI_WORKER_POLL_SECONDS=poll
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "wiki.cli", "worker"],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert "wiki worker:" in process.stdout.readline()  # it is running
    return process


def delivered() -> int:
    db.session.rollback()  # a fresh look
    return len(db.session.scalars(select(WebhookDelivery).filter_by(state="delivered")).all())


def test_the_worker_sends_what_a_commit_made_within_moments(app, people, receiver):
    draft = webhooks.EndpointDraft(receiver.url, ["page.created"], RECEIVER_SECRET)
    webhooks.add_endpoint(people["admin"], draft)
    worker = start_worker(app)
    try:
        for sent, title in enumerate(("Three-way match", "Price variances"), start=1):
            factories.make_page("p2p", title, "Match.", people["member"])
            committed = time.monotonic()
            while delivered() < sent:
                assert time.monotonic() - committed < 2, "the worker did not send it"
                time.sleep(0.02)
        assert receiver.events() == ["page.created", "page.created"]

        worker.terminate()
        assert worker.wait(timeout=5) == 0
        assert "Traceback" not in worker.stderr.read()
    finally:
        stop_process(worker)  # at once if it has ended; closes its pipes
