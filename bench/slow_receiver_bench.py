"""Saves beside a slow webhook receiver and a mail server that never finishes its greeting.

Run from the repository root:  .venv/bin/python bench/slow_receiver_bench.py
Options: --editors N (default 8), --saves N (each, default 50), --settle SECONDS (default 75:
how long the worker is watched after the last save, long enough for the first retries).

The load that found issue 31: 8 editors each save their own page 50 times through gunicorn (2
sync workers, as in the page-view bench). First the baseline: no webhook, no mail. Then the
same with a webhook endpoint for page.updated that answers its headers and then drips one byte
a second, and an SMTP server for the watchers' mail that sends "220-" and then one byte a
second of a greeting it never finishes, with `wiki worker` beside gunicorn as in production.
All on 127.0.0.1, in temporary SQLite instances (about 3 minutes). Prints the saves' latency
(p50, p99, max) of each run and their ratio, the 5xx count, and what the worker recorded:
deliveries and mails failed (with a reason), retried, and still waiting.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent))

from serving import (  # noqa: E402 (a script beside it)
    HOST,
    Server,
    build_database,
    csrf_token,
    log_in,
    request,
)

from tests.servers import DripServer  # noqa: E402

EDITORS = [
    "priya@example.com", "tomas@example.com", "grace@example.com", "lena@example.com",
    "sofia@example.com", "jim@example.com", "noor@example.com", "ben@example.com",
    "marty@example.com", "carrie@example.com",
]  # fmt: skip
WATCHER = "ada@example.com"  # watches every edited page: each save makes one immediate mail
HTTP_HEADERS = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n"
FOREVER = 100_000  # drips: more than the bench lasts


def prepare(url: str, instance: Path, receiver_url: str, editors: int) -> list[str]:
    """The webhook endpoint (if any), the watcher's watches; the paths of the pages to edit."""
    from sqlalchemy import select

    from wiki import create_app
    from wiki.auth.models import User
    from wiki.extensions import db
    from wiki.processes.models import Page
    from wiki.watching import services as watching
    from wiki.webhooks import services as webhooks

    app = create_app(
        {"DATABASE_URL": url, "SECRET_KEY": "bench", "WEBHOOK_ALLOW_PRIVATE": True},
        instance_path=str(instance),
    )
    with app.app_context():
        if receiver_url:
            draft = webhooks.EndpointDraft(receiver_url, ["page.updated"], "bench-secret-01234")
            webhooks.add_endpoint(None, draft)
        watcher = db.session.scalar(select(User).where(User.email == WATCHER))
        pages = db.session.scalars(select(Page).order_by(Page.id).limit(editors)).all()
        for page in pages:
            watching.watch(watcher, page=page)
        paths = [page.path for page in pages]
        db.session.remove()
        db.engine.dispose()
    return paths


def edit(port: int, email: str, path: str, saves: int, latencies: list[float], statuses: list):
    """One editor: log in, open the editor once, then save the page `saves` times."""
    cookie = log_in(port, email)
    headers = {"Cookie": f"session={cookie}"}
    status, _, body = request(port, "GET", f"/p/{path}/+edit", headers=headers)
    token = csrf_token(body)
    revision = int(re.search(rb'name="base_revision"[^>]*value="(\d+)"', body).group(1))
    title = re.search(rb'name="title"[^>]*value="([^"]*)"', body).group(1).decode()
    for number in range(saves):
        form = urlencode(
            {
                "csrf_token": token,
                "title": title,
                "body": f"Edited by {email}, save {number}.",
                "base_revision": revision,
            }
        )
        started = time.monotonic()
        status, _, _ = request(
            port,
            "POST",
            f"/p/{path}/+edit",
            headers={**headers, "Content-Type": "application/x-www-form-urlencoded"},
            body=form,
            timeout=120,
        )
        latencies.append(time.monotonic() - started)
        statuses.append(status)
        revision += 1


def outcome(url: str, instance: Path) -> dict[str, int]:
    from sqlalchemy import func, select

    from wiki import create_app
    from wiki.extensions import db
    from wiki.notifications.models import Notification
    from wiki.webhooks.models import WebhookDelivery as D

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"}, instance_path=str(instance))
    with app.app_context():
        count = lambda query: db.session.scalar(query)  # noqa: E731
        mail = select(func.count(Notification.id)).where(Notification.delivery == "immediate")
        numbers = {
            "deliveries made": count(select(func.count(D.id))),
            "deliveries failed (reason recorded)": count(
                select(func.count(D.id)).where(D.last_error != "", D.state == "pending")
            ),
            "deliveries retried (2+ attempts)": count(
                select(func.count(D.id)).where(D.attempts >= 2)
            ),
            "deliveries not tried yet": count(select(func.count(D.id)).where(D.attempts == 0)),
            "deliveries being sent": count(select(func.count(D.id)).where(D.state == "sending")),
            "deliveries delivered": count(select(func.count(D.id)).where(D.state == "delivered")),
            "mails made": count(mail),
            "mails failed (reason recorded)": count(
                mail.where(Notification.mail_state == "failed", Notification.mail_error != "")
            ),
            "mails retried (2+ attempts)": count(mail.where(Notification.mail_attempts >= 2)),
            "mails not tried yet": count(mail.where(Notification.mail_attempts == 0)),
            "mails being sent": count(mail.where(Notification.mail_state == "sending")),
            "mails sent": count(mail.where(Notification.mail_state == "sent")),
        }
        reasons = db.session.execute(
            select(D.last_error).where(D.last_error != "").limit(1)
        ).scalar()
        mail_reason = db.session.execute(
            select(Notification.mail_error).where(Notification.mail_error != "").limit(1)
        ).scalar()
        db.engine.dispose()
    print(f"  a delivery's reason: {reasons}")
    print(f"  a mail's reason:     {mail_reason}")
    return numbers


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def saves(port: int, options: argparse.Namespace, paths: list[str]) -> tuple[list, list]:
    """Every editor at once; (latencies, statuses) of the saves."""
    latencies: list[float] = []
    statuses: list[int] = []
    editors = [
        threading.Thread(target=edit, args=(port, email, path, options.saves, latencies, statuses))
        for email, path in zip(EDITORS, paths, strict=False)
    ]
    started = time.monotonic()
    for thread in editors:
        thread.start()
    for thread in editors:
        thread.join()
    took = time.monotonic() - started
    print(f"  {len(latencies)} saves by {len(editors)} editors in {took:.1f} s")
    print(
        f"  save latency: p50 {statistics.median(latencies) * 1000:.0f} ms, "
        f"p99 {percentile(latencies, 0.99) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms; "
        f"5xx: {sum(1 for s in statuses if s >= 500)}, "
        f"other than 302: {sum(1 for s in statuses if s != 302)}",
        flush=True,
    )
    return latencies, statuses


def run(options: argparse.Namespace, slow: bool) -> list[float]:
    """One run on a fresh instance: the baseline (slow=False) or beside the slow servers."""
    receiver = DripServer(opening=HTTP_HEADERS, drips=FOREVER, read_request=True)
    smtp = DripServer(opening=b"220-", drips=FOREVER)
    with tempfile.TemporaryDirectory(prefix="slow-receiver-bench-") as folder:
        tmpdir = Path(folder)
        url = build_database(tmpdir)
        paths = prepare(url, tmpdir, receiver.url if slow else "", options.editors)
        env = {
            "WIKI_DATABASE_URL": url,
            "WIKI_SECRET_KEY": "bench",
            "WIKI_INSTANCE_PATH": str(tmpdir),
            "WIKI_WEBHOOK_ALLOW_PRIVATE": "true",
            "WIKI_MAIL_ENABLED": "true" if slow else "false",
            "WIKI_MAIL_SERVER": HOST,
            "WIKI_MAIL_PORT": str(smtp.port),
            "WIKI_RATELIMIT_ENABLED": "false",
        }
        server = Server("wiki", "wiki:create_app()", env, tmpdir / "gunicorn.log", BENCH.parent)
        worker_log = open(tmpdir / "worker.log", "wb")  # noqa: SIM115 - closed below
        worker = subprocess.Popen(
            [sys.executable, "-m", "wiki.cli", "worker"],
            env={**os.environ, **env},
            stdout=worker_log,
            stderr=subprocess.STDOUT,
        )
        try:
            server.wait_ready("/login")
            latencies, _statuses = saves(server.port, options, paths)
            if slow:
                print(f"  watching the worker for {options.settle:.0f} s ...", flush=True)
                time.sleep(options.settle)
                for name, number in outcome(url, tmpdir).items():
                    print(f"  {name}: {number}")
        finally:
            worker.terminate()
            worker.wait(timeout=30)
            worker_log.close()
            server.stop()
            receiver.stop()
            smtp.stop()
    return latencies


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--editors", type=int, default=8, choices=range(1, len(EDITORS) + 1))
    parser.add_argument("--saves", type=int, default=50, choices=range(1, 201))
    parser.add_argument("--settle", type=float, default=75.0)
    options = parser.parse_args()
    print("baseline: no webhook, no mail", flush=True)
    baseline = run(options, slow=False)
    print("a receiver dripping a byte a second, a mail server never finishing its greeting")
    beside = run(options, slow=True)
    print(
        f"ratio to the baseline: p50 {statistics.median(beside) / statistics.median(baseline):.2f}"
        f", p99 {percentile(beside, 0.99) / percentile(baseline, 0.99):.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
