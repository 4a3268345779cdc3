"""Page-view throughput against a bare Flask route, both under gunicorn in the same run.

Run from the repository root:  .venv/bin/python bench/page_view_bench.py   (or `make bench`)
Options: --duration SECONDS (default 10), --no-wrk (use the Python load generator),
         --profile (no servers: count SQL queries per page view and cProfile 500 views).

The bar (bench/README.md, "Page-view bench"): a page view at >= 50 % of the bare route's req/s.
"""

from __future__ import annotations

import argparse
import contextlib
import html
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
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

# (name, path, text the page must contain)
WIKI_PAGES = [
    (
        "page view",
        "/p/procure-to-pay/invoice-processing/three-way-match",
        "Three-way match",
    ),
    ("process page", "/p/procure-to-pay", "Procure-to-pay"),
]


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


def build_database(tmpdir: Path) -> str:
    """A migrated SQLite database in tmpdir holding the demo content; returns its URL."""
    sys.path.insert(0, str(REPO))
    from flask_migrate import upgrade

    from wiki import create_app
    from wiki.content import files, loader
    from wiki.extensions import db

    url = "sqlite:///" + str(tmpdir / "wiki.db")
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
    return cookie


def check_page(port: int, path: str, title: str, cookie: str) -> int:
    status, _, body = request(port, "GET", path, headers={"Cookie": f"session={cookie}"})
    text = body.decode("utf-8", "replace")
    if status != 200 or html.escape(title) not in text:
        raise RuntimeError(f"GET {path}: status {status}, title {title!r} found: {title in text}")
    return len(body)


# --------------------------------------------------------------------------- load generators


def ensure_wrk() -> str | None:
    found = shutil.which("wrk")
    if found:
        return found
    apt = shutil.which("apt-get")
    if not apt:
        return None
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = [apt, "install", "-y", "-qq", "wrk"]
    print("wrk not found; installing Debian's wrk ...", flush=True)
    try:
        if subprocess.run(install, env=env, capture_output=True, timeout=180).returncode != 0:
            subprocess.run([apt, "update", "-qq"], env=env, capture_output=True, timeout=300)
            subprocess.run(install, env=env, capture_output=True, timeout=180)
    except (OSError, subprocess.TimeoutExpired):
        pass
    return shutil.which("wrk")


_DURATION = re.compile(r"([\d.]+)(us|ms|s|m)\b")
_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float | None:
    match = _DURATION.match(text)
    return float(match.group(1)) * _UNIT_MS[match.group(2)] if match else None


def run_wrk(
    wrk: str,
    port: int,
    path: str,
    cookie: str | None,
    seconds: int,
    warmup: bool = True,
    on_start: Callable[[], None] = lambda: None,
    headers: dict[str, str] | None = None,
) -> Result:
    base = [wrk, f"-t{THREADS}", f"-c{CONNECTIONS}"]
    if cookie:
        base += ["-H", f"Cookie: session={cookie}"]
    for name, value in (headers or {}).items():
        base += ["-H", f"{name}: {value}"]
    url = f"http://{HOST}:{port}{path}"
    if warmup:
        subprocess.run(base + [f"-d{WARMUP_SECONDS}s", url], capture_output=True, check=True)
    on_start()
    out = subprocess.run(
        base + [f"-d{seconds}s", "--latency", url], capture_output=True, text=True, check=True
    ).stdout
    result = Result("", path, float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)))
    for label, attr in (("50%", "p50_ms"), ("99%", "p99_ms")):
        match = re.search(rf"^\s+{label}\s+(\S+)", out, re.M)
        if match:
            setattr(result, attr, _ms(match.group(1)))
    match = re.search(r"(\d+) requests in", out)
    result.requests = int(match.group(1)) if match else 0
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    socket_errors = re.search(r"Socket errors:.*", out)
    result.errors = int(bad.group(1)) if bad else 0
    if socket_errors:
        result.errors += sum(int(n) for n in re.findall(r"\d+", socket_errors.group(0)))
    return result


def run_python_load(
    port: int,
    path: str,
    cookie: str | None,
    seconds: float,
    warmup: bool = True,
    on_start: Callable[[], None] = lambda: None,
    max_requests: int = 200_000,
) -> Result:
    """Fallback: CONNECTIONS threads, each one keep-alive http.client connection."""
    headers = {"Cookie": f"session={cookie}"} if cookie else {}
    lock = threading.Lock()
    latencies: list[float] = []
    counters = {"sent": 0, "errors": 0}

    def worker(stop_at: float, record: bool) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=10)
        local: list[float] = []
        errors = 0
        while time.monotonic() < stop_at:
            with lock:
                if counters["sent"] >= max_requests:
                    break
                counters["sent"] += 1
            started = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status >= 400:
                    errors += 1
            except (OSError, http.client.HTTPException):
                errors += 1
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=10)
                continue
            local.append(time.perf_counter() - started)
        conn.close()
        if record:
            with lock:
                latencies.extend(local)
                counters["errors"] += errors

    def phase(duration: float, record: bool) -> float:
        counters["sent"] = 0
        stop_at = time.monotonic() + duration
        threads = [
            threading.Thread(target=worker, args=(stop_at, record)) for _ in range(CONNECTIONS)
        ]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.perf_counter() - started

    if warmup:
        phase(WARMUP_SECONDS, record=False)
    on_start()
    elapsed = phase(seconds, record=True)
    latencies.sort()

    def pct(q: float) -> float | None:
        if not latencies:
            return None
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000

    return Result(
        "", path, len(latencies) / elapsed, pct(0.50), pct(0.99), len(latencies), counters["errors"]
    )


# --------------------------------------------------------------------------- report


def print_table(results: list[Result], bare_after: Result, tool: str) -> bool:
    """Ratios are against the mean of the bare route measured first and last."""
    bare = (results[0].rps + bare_after.rps) / 2
    print()
    print(f"gunicorn {WORKERS} sync workers; {tool}")
    header = (
        f"{'name':<14} {'path':<54} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'bytes':>7} {'CPU ms/req':>10} {'vs bare':>8}"
    )
    print("CPU ms/req: the gunicorn workers' user+system CPU per request (robust to a busy box).")
    print(header)
    print("-" * len(header))

    def fmt(value: float | None) -> str:
        return f"{value:.2f}" if value is not None else "-"

    for r in [*results, bare_after]:
        print(
            f"{r.name:<14} {r.path:<54} {r.rps:>9.1f} {fmt(r.p50_ms):>8} {fmt(r.p99_ms):>8} "
            f"{r.body_bytes:>7} {fmt(r.cpu_ms):>10} {r.rps / bare:>8.1%}"
            + (f"  ({r.errors} errors)" if r.errors else "")
        )
    print()
    drift = abs(results[0].rps - bare_after.rps) / max(results[0].rps, bare_after.rps)
    if drift > 0.2:
        print(
            f"WARNING: the bare route moved {drift:.0%} between the first and last measurement; "
            "something else is using the CPU, so the ratios below are unreliable. Re-run."
        )
    met = True
    for r in results[1:]:
        if r.informational:
            print(f"{r.name}: {r.rps / bare:.1%} of bare (first views and after every edit)")
            continue
        ok = r.rps / bare >= BAR and not r.errors
        met = met and ok
        print(f"{r.name}: {r.rps / bare:.1%} of bare -> {'meets' if ok else 'BELOW'} the 50 % bar")
    return met


# --------------------------------------------------------------------------- profile mode


def profile(tmpdir: Path, count: int = 500) -> None:
    """Count the SQL each page view issues, then cProfile `count` logged-in views."""
    import cProfile
    import pstats

    from sqlalchemy import event

    from wiki import create_app
    from wiki.extensions import db

    url = build_database(tmpdir)
    # The page cache off: this profiles what rendering a page costs.
    config = {"DATABASE_URL": url, "SECRET_KEY": "bench", "PAGE_CACHE_SIZE": 0}
    app = create_app(config, instance_path=str(tmpdir))
    client = app.test_client()
    body = client.get("/login").data
    form = {"csrf_token": csrf_token(body), "email": EMAIL, "password": PASSWORD}
    response = client.post("/login", data=form)
    assert response.status_code in (302, 303), response.status_code

    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def on_execute(_conn, _cursor, statement, _params, _context, _many):
        statements.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", on_execute)
    for name, path, title in WIKI_PAGES:
        client.get(path)  # warm: connection, caches
        statements.clear()
        response = client.get(path)
        assert response.status_code == 200 and title in response.get_data(as_text=True)
        print(f"\n=== {name} {path}: {len(statements)} SQL statements ===")
        for i, sql in enumerate(statements, 1):
            print(f"{i:3}. {sql[:300]}{' ...' if len(sql) > 300 else ''}")
    event.remove(engine, "before_cursor_execute", on_execute)

    for name, path, _ in WIKI_PAGES:
        started = time.perf_counter()
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(count):
            client.get(path)
        profiler.disable()
        per_view = (time.perf_counter() - started) / count * 1000
        print(f"\n=== cProfile {name}: {count} views, {per_view:.2f} ms each (under profiler) ===")
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(30)
        stats.sort_stats("tottime").print_stats(20)


# --------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per measurement")
    parser.add_argument("--no-wrk", action="store_true", help="use the Python load generator")
    parser.add_argument(
        "--profile", action="store_true", help="SQL per view + cProfile; starts no servers"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="wiki-bench-") as tmp:
        tmpdir = Path(tmp)
        if args.profile:
            sys.path.insert(0, str(REPO))
            profile(tmpdir)
            return 0

        wrk = None if args.no_wrk else ensure_wrk()
        tool = (
            f"wrk -t{THREADS} -c{CONNECTIONS} -d{args.duration}s after a {WARMUP_SECONDS} s warm-up"
            if wrk
            else f"Python load generator, {CONNECTIONS} keep-alive threads, {args.duration} s "
            "(client-bound: it understates the bare route, so ratios read high)"
        )
        load1 = os.getloadavg()[0]
        print(f"load average {load1:.2f} on {os.cpu_count()} CPUs", flush=True)
        if load1 > 1.0:
            print("WARNING: the machine is busy; ratios may be off. Re-run when it is idle.")
        started = time.monotonic()
        url = build_database(tmpdir)
        print(f"database ready in {time.monotonic() - started:.1f} s: {url}", flush=True)

        wiki_env = {
            "WIKI_DATABASE_URL": url,
            "WIKI_INSTANCE_PATH": str(tmpdir),
            "WIKI_SECRET_KEY": "bench",
        }
        servers: list[Server] = []
        try:
            bare = Server("bare", "bare_app:app", {}, tmpdir / "bare.log", BENCH)
            servers.append(bare)
            wiki = Server("wiki", "wiki:create_app()", wiki_env, tmpdir / "wiki.log", REPO)
            servers.append(wiki)
            # The same wiki with its page cache off: what rendering a page costs.
            uncached_env = {**wiki_env, "WIKI_PAGE_CACHE_SIZE": "0"}
            uncached = Server(
                "wiki-uncached", "wiki:create_app()", uncached_env, tmpdir / "uncached.log", REPO
            )
            servers.append(uncached)
            bare.wait_ready("/")
            wiki.wait_ready("/login")
            uncached.wait_ready("/login")

            cookie = log_in(wiki.port)
            uncached_cookie = log_in(uncached.port)
            status, _, bare_body = request(bare.port, "GET", "/")
            assert status == 200
            sizes = {
                path: check_page(wiki.port, path, title, cookie) for _, path, title in WIKI_PAGES
            }

            def measure(server: Server, path: str, with_cookie: str | None, warmup=True) -> Result:
                cpu = {}

                def on_start() -> None:
                    cpu["start"] = server.worker_cpu_seconds()

                port = server.port
                if wrk:
                    result = run_wrk(wrk, port, path, with_cookie, args.duration, warmup, on_start)
                else:
                    result = run_python_load(
                        port, path, with_cookie, args.duration, warmup, on_start
                    )
                if result.requests:
                    used = server.worker_cpu_seconds() - cpu["start"]
                    result.cpu_ms = used / result.requests * 1000
                return result

            results = []
            print("measuring bare route ...", flush=True)
            result = measure(bare, "/", None)
            result.name, result.body_bytes = "bare route", len(bare_body)
            results.append(result)
            for name, path, _ in WIKI_PAGES:
                print(f"measuring {name} ...", flush=True)
                result = measure(wiki, path, cookie)
                result.name, result.body_bytes = name, sizes[path]
                results.append(result)
            for name, path, _ in WIKI_PAGES:
                print(f"measuring {name} with the page cache off ...", flush=True)
                result = measure(uncached, path, uncached_cookie)
                result.name, result.body_bytes = f"{name} (no cache)", sizes[path]
                result.informational = True
                results.append(result)
            print("measuring bare route again (drift check) ...", flush=True)
            bare_after = measure(bare, "/", None, warmup=False)
            bare_after.name, bare_after.body_bytes = "bare (again)", len(bare_body)
            met = print_table(results, bare_after, tool)
            print(f"total {time.monotonic() - started:.0f} s")
            return 0 if met else 1
        finally:
            for server in servers:
                server.stop()


if __name__ == "__main__":
    sys.exit(main())
