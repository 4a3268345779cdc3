"""Load generators for the HTTP benches: wrk (Debian's, installed when missing) or, without
it, keep-alive Python threads. Each returns a Result of requests a second and latencies."""

from __future__ import annotations

import http.client
import os
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Callable

from serving import CONNECTIONS, HOST, THREADS, WARMUP_SECONDS, Result

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
