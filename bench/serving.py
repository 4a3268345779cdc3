"""What the HTTP benches share: a demo database, gunicorn servers on loopback, a logged-in
session, and the result of a load run. Imported by the benches beside it."""

from __future__ import annotations

import contextlib
import html
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"
HOST = "127.0.0.1"  # the only host this script ever talks to
EMAIL = "jill@example.com"
PASSWORD = "bench-password-123"
BAR = 0.50
WORKERS = 2
THREADS = 2
CONNECTIONS = 16
WARMUP_SECONDS = 2


@dataclass
class Result:
    name: str
    path: str
    rps: float
    p50_ms: float | None = None
    p99_ms: float | None = None
    requests: int = 0
    errors: int = 0
    body_bytes: int = 0
    cpu_ms: float | None = None  # gunicorn workers' CPU time per request (user + system)
    informational: bool = False  # reported, not held to the bar


# --------------------------------------------------------------------------- database


def build_database(tmpdir: Path, url: str | None = None) -> str:
    """A migrated SQLite database in tmpdir holding the demo content (or the database at url,
    which must be empty); returns its URL."""
    sys.path.insert(0, str(REPO))
    from flask_migrate import upgrade

    from wiki import create_app
    from wiki.content import files, loader
    from wiki.extensions import db

    url = url or "sqlite:///" + str(tmpdir / "wiki.db")
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"}, instance_path=str(tmpdir))
    with app.app_context():
        upgrade()
        loader.load_content(files.read_content(REPO / "content"), demo_password=PASSWORD)
        db.session.remove()
        db.engine.dispose()
    return url


# --------------------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, name: str, app_spec: str, env: dict[str, str], log: Path, chdir: Path):
        self.name = name
        self.port = free_port()
        self.log_path = log
        self._log = open(log, "wb")  # noqa: SIM115 - closed in stop()
        command = [
            sys.executable, "-m", "gunicorn",
            "-w", str(WORKERS), "-k", "sync",
            "-b", f"{HOST}:{self.port}",
            "--chdir", str(chdir),
            "--log-level", "warning",
            "--no-control-socket",  # one path per user: the servers beside it would clash
            app_spec,
        ]  # fmt: skip
        self.process = subprocess.Popen(
            command,
            cwd=str(chdir),
            env={**os.environ, **env},
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, path: str, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited:\n{self.log_path.read_text()[-2000:]}")
            try:
                status, _, _ = request(self.port, "GET", path)
                if status < 500:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not answer within {timeout:.0f} s")

    def worker_cpu_seconds(self) -> float:
        """User + system CPU time of this server's worker processes (read from /proc)."""
        ticks = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(fields[1]) == self.process.pid:  # ppid
                ticks += int(fields[11]) + int(fields[12])  # utime, stime
        return ticks / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)  # our own gunicorn master's group
                self.process.wait(timeout=10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._log.close()


# --------------------------------------------------------------------------- http helpers


def request(port, method, path, headers=None, body=None, timeout=10.0):
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        conn.close()


def session_cookie(headers) -> str | None:
    for name, value in headers:
        if name.lower() == "set-cookie" and value.startswith("session="):
            return value.split(";", 1)[0].split("=", 1)[1]
    return None


def csrf_token(body: bytes) -> str | None:
    match = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', body)
    return html.unescape(match.group(1).decode()) if match else None


def log_in(port: int, email: str = EMAIL) -> str:
    """Log in as a demo user (jill by default); returns the session cookie's value."""
    status, headers, body = request(port, "GET", "/login")
    token = csrf_token(body)
    cookie = session_cookie(headers)
    if status != 200 or not token or not cookie:
        raise RuntimeError(f"GET /login: status {status}, csrf token or session cookie missing")
    form = urlencode({"csrf_token": token, "email": email, "password": PASSWORD})
    status, headers, _ = request(
        port,
        "POST",
        "/login",
        headers={
            "Cookie": f"session={cookie}",
            "Content-Type": "application/x-www-form-urlencoded",
        },
        body=form,
    )
    cookie = session_cookie(headers)
    if status not in (302, 303) or not cookie:
        raise RuntimeError(f"POST /login: status {status} (expected a redirect and a new session)")
    # The first page after signing in adds the session's CSRF token to its cookie, which a
    # browser keeps. Measured with the cookie before it, every view would add a token again:
    # a session write, so no page would ever be kept in the page cache.
    _, headers, _ = request(port, "GET", "/", headers={"Cookie": f"session={cookie}"})
    return session_cookie(headers) or cookie


def check_page(port: int, path: str, title: str, cookie: str) -> int:
    status, _, body = request(port, "GET", path, headers={"Cookie": f"session={cookie}"})
    text = body.decode("utf-8", "replace")
    if status != 200 or html.escape(title) not in text:
        raise RuntimeError(f"GET {path}: status {status}, title {title!r} found: {title in text}")
    return len(body)
