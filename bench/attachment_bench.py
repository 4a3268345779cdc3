"""Attachments: uploading a 5 MB image, and serving an image from its content address, next to
the bare Flask route of the page-view bench, all under gunicorn in the same run.

Run from the repository root:  .venv/bin/python bench/attachment_bench.py
(or `make bench-attachments`).
Options: --duration SECONDS (default 10), --uploads N (default 5), --no-wrk.

What it measures is described in bench/README.md ("Attachment bench").
"""

from __future__ import annotations

import argparse
import io
import os
import random
import re
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from load import ensure_wrk, run_wrk
from serving import (
    BENCH,
    CONNECTIONS,
    REPO,
    THREADS,
    WARMUP_SECONDS,
    Result,
    Server,
    build_database,
    csrf_token,
    log_in,
    request,
)

sys.path.insert(0, str(REPO))
PAGE = "/p/procure-to-pay/procure-to-pay-overview"
FIVE_MB = 5 * 1024 * 1024


def photo(target: int, seed: int) -> bytes:
    """A JPEG of about `target` bytes: noise (which compresses badly, like a detailed photo)
    with EXIF and a GPS position for the upload to strip."""
    from PIL import Image

    rng = random.Random(seed)
    side = 2400
    while True:
        pixels = rng.randbytes(side * side * 3)
        image = Image.frombytes("RGB", (side, side), pixels)
        exif = Image.Exif()
        exif[0x010F] = "BenchCam"
        exif.get_ifd(0x8825).update({1: "N", 2: (52.0, 22.0, 7.5)})
        out = io.BytesIO()
        image.save(out, "JPEG", quality=85, exif=exif.tobytes())
        if out.tell() >= target:
            return out.getvalue()
        side = int(side * (target / out.tell()) ** 0.5) + 16


def screenshot_png(target: int, seed: int) -> bytes:
    """A PNG of about `target` bytes: flat panels with noisy ones between, as in a screenshot
    of a busy screen."""
    from PIL import Image

    rng = random.Random(seed)
    width = 2000
    height = 400
    while True:
        rows = []
        for row in range(height):
            if (row // 40) % 3 == 0:
                rows.append(rng.randbytes(width * 3))
            else:
                rows.append(bytes([240, 243, 245]) * width)
        image = Image.frombytes("RGB", (width, height), b"".join(rows))
        out = io.BytesIO()
        image.save(out, "PNG")
        if out.tell() >= target:
            return out.getvalue()
        height = int(height * target / out.tell()) + 8


def multipart(fields: dict[str, str], name: str, data: bytes) -> tuple[str, bytes]:
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
        for key, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return f"multipart/form-data; boundary={boundary}", b"".join(parts)


def time_uploads(port: int, cookie: str, kind: str, count: int) -> tuple[list[float], int]:
    """Upload `count` distinct images of about 5 MB; the times in ms (request to answer)."""
    headers = {"Cookie": f"session={cookie}"}
    _, _, body = request(port, "GET", f"{PAGE}/attachments", headers=headers)
    token = csrf_token(body)
    times, size = [], 0
    for number in range(count):
        data = photo(FIVE_MB, number) if kind == "jpeg" else screenshot_png(FIVE_MB, number)
        size = len(data)
        content_type, payload = multipart(
            {"csrf_token": token}, f"bench-{kind}.{'jpg' if kind == 'jpeg' else 'png'}", data
        )
        started = time.perf_counter()
        status, _, answer = request(
            port,
            "POST",
            f"{PAGE}/attachments",
            headers={**headers, "Content-Type": content_type, "Accept": "application/json"},
            body=payload,
            timeout=60,
        )
        times.append((time.perf_counter() - started) * 1000)
        if status != 201:
            raise RuntimeError(f"upload {kind} {number}: {status} {answer[:300]!r}")
    return times, size


def checks_alone(kind: str) -> float:
    """The upload's checks and re-encoding in this process, without HTTP or the database."""
    from wiki.attachments.intake import prepare_file

    data = photo(FIVE_MB, 99) if kind == "jpeg" else screenshot_png(FIVE_MB, 99)
    started = time.perf_counter()
    prepare_file(f"x.{'jpg' if kind == 'jpeg' else 'png'}", data, 10 * FIVE_MB)
    return (time.perf_counter() - started) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per measurement")
    parser.add_argument("--uploads", type=int, default=5, help="uploads of each image kind")
    parser.add_argument("--no-wrk", action="store_true", help="use the Python load generator")
    args = parser.parse_args()
    wrk = None if args.no_wrk else ensure_wrk()
    if wrk is None:
        print("wrk is needed for the serving figures (apt-get install wrk); upload times only.")
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs", flush=True)
    with tempfile.TemporaryDirectory(prefix="wiki-bench-") as tmp:
        tmpdir = Path(tmp)
        url = build_database(tmpdir)
        env = {"WIKI_DATABASE_URL": url, "WIKI_INSTANCE_PATH": str(tmpdir), "WIKI_SECRET_KEY": "b"}
        servers: list[Server] = []
        try:
            bare = Server("bare", "bare_app:app", {}, tmpdir / "bare.log", BENCH)
            wiki = Server("wiki", "wiki:create_app()", env, tmpdir / "wiki.log", REPO)
            servers += [bare, wiki]
            bare.wait_ready("/")
            wiki.wait_ready("/login")
            cookie = log_in(wiki.port)
            _, _, page = request(wiki.port, "GET", PAGE, headers={"Cookie": f"session={cookie}"})
            image = re.search(rb'src="(/files/([0-9a-f]{64})/[^"]+)"', page)
            if image is None:
                raise RuntimeError(f"{PAGE} shows no image from its files")
            image_path, sha256 = image.group(1).decode(), image.group(2).decode()
            status, _, image_body = request(
                wiki.port, "GET", image_path, headers={"Cookie": f"session={cookie}"}
            )
            assert status == 200, status

            print("uploading ...", flush=True)
            uploads = {
                kind: time_uploads(wiki.port, cookie, kind, args.uploads)
                for kind in ("jpeg", "png")
            }
            alone = {kind: checks_alone(kind) for kind in ("jpeg", "png")}

            results: list[Result] = []
            if wrk:
                runs = [
                    ("bare route", bare, "/", None, {}),
                    ("image, 200", wiki, image_path, cookie, {}),
                    ("image, 304", wiki, image_path, cookie, {"If-None-Match": f'"{sha256}"'}),
                    ("bare (again)", bare, "/", None, {}),
                ]
                for name, server, path, with_cookie, headers in runs:
                    print(f"measuring {name} ...", flush=True)
                    cpu = {}
                    result = run_wrk(
                        wrk,
                        server.port,
                        path,
                        with_cookie,
                        args.duration,
                        on_start=lambda server=server, cpu=cpu: cpu.update(
                            start=server.worker_cpu_seconds()
                        ),
                        headers=headers,
                    )
                    used = server.worker_cpu_seconds() - cpu["start"]
                    result.name = name
                    result.cpu_ms = used / max(result.requests, 1) * 1000
                    results.append(result)
        finally:
            for server in servers:
                server.stop()

    print()
    print(f"Upload of a 5 MB image, {args.uploads} each (POST {PAGE}/attachments, JSON answer):")
    for kind, (times, size) in uploads.items():
        print(
            f"  {kind:<5} {size / 1048576:.1f} MB: median {statistics.median(times):.0f} ms, "
            f"min {min(times):.0f}, max {max(times):.0f}; checks and re-encoding alone "
            f"{alone[kind]:.0f} ms"
        )
    if results:
        baseline = (results[0].rps + results[-1].rps) / 2
        print()
        print(
            f"Serving {image_path[:30]}… ({len(image_body):,} bytes), gunicorn 2 sync workers, "
            f"wrk -t{THREADS} -c{CONNECTIONS} -d{args.duration}s after {WARMUP_SECONDS} s warm-up:"
        )
        for result in results:
            print(
                f"  {result.name:<14} {result.rps:>9.1f} req/s  p50 {result.p50_ms or 0:>6.2f} ms"
                f"  p99 {result.p99_ms or 0:>6.2f} ms  CPU {result.cpu_ms:>5.2f} ms/req"
                f"  {result.rps / baseline:>7.1%} of bare"
                + (f"  ({result.errors} errors)" if result.errors else "")
            )
        print("  (CPU: the gunicorn workers' user+system time per request, robust to a busy box)")
        drift = abs(results[0].rps - results[-1].rps) / max(results[0].rps, results[-1].rps)
        if drift > 0.2:
            print(f"WARNING: the bare route moved {drift:.0%} during the run; re-run when idle.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
