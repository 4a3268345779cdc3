"""`wiki worker`: sends webhook deliveries and mail as soon as the commit that made them lands,
so that no request ever waits on a receiver or a mail server.

Senders of each kind run in threads of their own (a receiver that drips its answer holds one
webhook sender for WIKI_WEBHOOK_TIMEOUT at most, and never the mail). Each claims one due row
at a time in the database (wiki/outbox.py), so any number of workers on any number of hosts
share the work. On PostgreSQL a LISTEN wakes them at each commit; otherwise, and for retries
whose wait is over, they look every WIKI_WORKER_POLL_SECONDS.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from wiki.extensions import db
from wiki.notifications import mail
from wiki.outbox import CHANNEL
from wiki.webhooks import delivery


@dataclass(frozen=True)
class Kind:
    """One kind of row to send, and the functions of its module that send it."""

    name: str
    send_one: Callable[[], bool | None]
    send_due: Callable[[], tuple[int, int]]
    release_stalled: Callable[[], int]


WEBHOOKS = Kind("webhooks", delivery.send_one, delivery.send_due, delivery.release_stalled)
MAIL = Kind("mail", mail.send_one, mail.send_due, mail.release_stalled)


def kinds(app: Flask) -> list[Kind]:
    return [WEBHOOKS, MAIL] if app.config["MAIL_ENABLED"] else [WEBHOOKS]


def deliver_due() -> dict[str, tuple[int, int]]:
    """Send everything due now, each row once: {kind: (sent, failed)}. One pass of the worker,
    for `wiki worker --once` and the tests."""
    return {kind.name: kind.send_due() for kind in kinds(current_app._get_current_object())}


class Worker:
    """Sender threads, and on PostgreSQL a listener that wakes them; `stop` ends them all."""

    def __init__(self, app: Flask, threads: int, poll_seconds: float) -> None:
        self.app, self.threads, self.poll = app, threads, poll_seconds
        self.stop = threading.Event()
        self._wake = threading.Condition()
        self._generation = 0  # bumped by every wake-up, so that none is lost between looks

    def run(self) -> None:
        running = [
            threading.Thread(target=self._send, args=(kind,), name=f"{kind.name}-{number}")
            for kind in kinds(self.app)
            for number in range(self.threads)
        ]
        with self.app.app_context():
            if db.engine.dialect.name == "postgresql":
                running.append(threading.Thread(target=self._listen, name="listen"))
        for thread in running:
            thread.start()
        while any(thread.is_alive() for thread in running):
            for thread in running:
                thread.join(timeout=0.5)

    def wake(self) -> None:
        with self._wake:
            self._generation += 1
            self._wake.notify_all()

    def _rest(self, generation: int) -> None:
        with self._wake:
            if self._generation == generation and not self.stop.is_set():
                self._wake.wait(self.poll)

    def _send(self, kind: Kind) -> None:
        with self.app.app_context():
            while not self.stop.is_set():
                generation = self._generation
                try:
                    if kind.send_one() is not None:
                        continue  # more may be due: look again at once
                    kind.release_stalled()
                except Exception:  # a database restart must not end the worker
                    current_app.logger.exception("The %s sender failed; it goes on", kind.name)
                    self.stop.wait(self.poll)
                self._rest(generation)

    def _listen(self) -> None:
        """PostgreSQL: LISTEN on the outbox channel and wake the senders at each NOTIFY."""
        with self.app.app_context():
            while not self.stop.is_set():
                try:
                    with db.engine.connect().execution_options(
                        isolation_level="AUTOCOMMIT"
                    ) as connection:
                        driver = connection.connection.driver_connection
                        driver.execute(f"LISTEN {CHANNEL}")
                        self.wake()  # what was committed while nobody listened
                        while not self.stop.is_set():
                            # A second at most, so that a stop is heard promptly.
                            for _note in driver.notifies(timeout=1.0, stop_after=1):
                                self.wake()
                except Exception:
                    current_app.logger.exception("Listening for commits failed; polling on")
                    self.stop.wait(self.poll)


@click.command("worker")
@click.option("--once", is_flag=True, help="Send what is due now, print counts, and exit.")
@click.option(
    "--threads",
    type=click.IntRange(1, 32),
    help="Senders of each kind (default: WIKI_WORKER_THREADS).",
)
@with_appcontext
def worker(once: bool, threads: int | None) -> None:
    """Send webhook deliveries and mail as soon as they are committed, and retry failures."""
    if once:
        for name, (sent, failed) in deliver_due().items():
            click.echo(f"{name}: {sent} sent, {failed} failed")
        return
    app = current_app._get_current_object()
    running = Worker(
        app, threads or app.config["WORKER_THREADS"], app.config["WORKER_POLL_SECONDS"]
    )

    def finish(_signal, _frame) -> None:
        running.stop.set()
        running.wake()

    signal.signal(signal.SIGTERM, finish)
    signal.signal(signal.SIGINT, finish)
    click.echo(
        f"wiki worker: {', '.join(k.name for k in kinds(app))}, "
        f"{running.threads} sender(s) each, started {time.strftime('%H:%M:%S')}"
    )
    running.run()
