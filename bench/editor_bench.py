"""The editor's requests: the live preview of a 10 KB page and saving a draft, one request at
a time (as one person typing makes them), next to the bare Flask route of the page-view bench,
all under gunicorn in the same run.

Run from the repository root:  .venv/bin/python bench/editor_bench.py
(or `make bench-editor`). Options: --requests N (default 300 each).

Goals (issue 25): preview p95 <= 50 ms for a 10 KB page (while typing, and for a text the
server has never seen); draft save p95 <= 20 ms.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

from serving import (
    BENCH,
    REPO,
    Server,
    build_database,
    csrf_token,
    log_in,
    request,
    session_cookie,
)

PAGE = "procure-to-pay/procure-to-pay-overview"
PREVIEW_GOAL_MS = 50.0
DRAFT_GOAL_MS = 20.0


SECTION = (
    "## Step {n}: check the invoice\n\n"
    "Open the **hold queue** and pick the oldest invoice. Compare it with the purchase "
    "order and the goods receipt; see [[Three-way match]] and [the policy](https://example.com).\n\n"
    "- Quantity within tolerance\n- Price within tolerance\n- [ ] Ask the buyer if not\n\n"
    "| Field | Where |\n| --- | --- |\n| PO number | header |\n| Amount | lines |\n\n"
    "```\nMIRO -> Enter invoice\n```\n\n"
)
WORDS = [
    "invoice",
    "vendor",
    "supplier",
    "payment",
    "receipt",
    "tolerance",
    "buyer",
    "ledger",
    "posting",
    "account",
    "period",
    "approval",
    "hold",
    "queue",
    "clearing",
    "variance",
    "freight",
    "discount",
    "currency",
    "credit",
    "memo",
    "batch",
    "reconcile",
    "accrual",
    "close",
    "journal",
    "entry",
    "cost",
    "centre",
    "budget",
    "release",
    "block",
    "reversal",
]


def ten_kb_page(seed: int | None = None) -> str:
    """About 10 KB of ordinary page markdown: headings, paragraphs, lists, a table, links.
    With a seed, the words are drawn anew, so no part of the text was ever seen before."""
    draw = random.Random(seed)
    text, n = "", 1
    while len(text.encode()) < 10 * 1024:
        section = SECTION
        if seed is not None:
            for phrase in ("check the invoice", "hold queue", "oldest invoice", "purchase", "PO"):
                section = section.replace(phrase, " ".join(draw.choices(WORDS, k=2)))
            section = section.replace("Three-way match", draw.choice(WORDS).title())
        text += section.format(n=n)
        n += 1
    return text


def timed(port: int, method: str, path: str, headers: dict, body, count: int):
    """body: bytes, or a function of the request's number giving them."""
    times = []
    for number in range(count):
        data = body(number) if callable(body) else body
        started = time.perf_counter()
        status, _, _ = request(port, method, path, headers=headers, body=data)
        times.append((time.perf_counter() - started) * 1000)
        if status != 200:
            raise RuntimeError(f"{method} {path}: status {status}")
    return times


def p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20)[-1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    with tempfile.TemporaryDirectory(prefix="editor-bench-") as name:
        tmpdir = Path(name)
        url = build_database(tmpdir)
        env = {"WIKI_DATABASE_URL": url, "WIKI_INSTANCE_PATH": name, "WIKI_SECRET_KEY": "bench"}
        bare = Server("bare", "bare_app:app", {}, tmpdir / "bare.log", BENCH)
        wiki = Server("wiki", "wiki:create_app()", env, tmpdir / "wiki.log", REPO)
        try:
            bare.wait_ready("/")
            wiki.wait_ready("/login")
            cookie = log_in(wiki.port)
            headers = {"Cookie": f"session={cookie}"}
            status, answer, editor = request(wiki.port, "GET", f"/p/{PAGE}/+edit", headers=headers)
            token = csrf_token(editor)
            # The session keeps the CSRF token it just handed out: use the cookie that holds it.
            headers = {"Cookie": f"session={session_cookie(answer) or cookie}"}
            if status != 200 or not token:
                raise RuntimeError(f"GET /p/{PAGE}/+edit: status {status}")
            form_headers = {
                **headers,
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            }
            body = ten_kb_page()
            sections = body.split("## ")

            def typing(number: int) -> bytes:
                # One person typing: each request's text differs from the last in one section.
                edited = list(sections)
                at = 1 + number % 5
                edited[at] = edited[at].replace("oldest invoice", f"oldest invoice {number}")
                text = "## ".join(edited)
                return urlencode({"csrf_token": token, "page": PAGE, "body": text}).encode()

            def cold(number: int) -> bytes:
                # A text never seen before (each section new): the first preview of a text, or
                # a paste over all of it.
                text = ten_kb_page(seed=number)
                return urlencode({"csrf_token": token, "page": PAGE, "body": text}).encode()

            draft = urlencode(
                {
                    "csrf_token": token,
                    "page": PAGE,
                    "title": "Overview",
                    "body": body,
                    "base_revision": "1",
                }  # fmt: skip
            ).encode()
            warm = max(10, args.requests // 10)
            for port, method, path, hdrs, data in (
                (bare.port, "GET", "/", {}, None),
                (wiki.port, "POST", "/editor/preview", form_headers, typing),
                (wiki.port, "POST", "/editor/draft", form_headers, draft),
            ):
                timed(port, method, path, hdrs, data, warm)
            bare_times = timed(bare.port, "GET", "/", {}, None, args.requests)
            preview_times = timed(
                wiki.port, "POST", "/editor/preview", form_headers, typing, args.requests
            )
            cold_times = timed(
                wiki.port,
                "POST",
                "/editor/preview",
                form_headers,
                cold,
                max(30, args.requests // 3),
            )
            draft_times = timed(
                wiki.port, "POST", "/editor/draft", form_headers, draft, args.requests
            )
            bare_after = timed(bare.port, "GET", "/", {}, None, args.requests)
        finally:
            wiki.stop()
            bare.stop()
    bare_p95 = p95(bare_times + bare_after)
    print(f"\n{args.requests} requests each, one at a time; text {len(body.encode()):,} bytes")
    print(
        f"{'request (10 KB text)':<28}{'p50 ms':>9}{'p95 ms':>9}{'x bare p95':>12}{'goal p95':>10}"
    )
    rows = [
        ("bare Flask route (GET /)", bare_times + bare_after, None),
        ("preview while typing", preview_times, PREVIEW_GOAL_MS),
        ("preview, text never seen", cold_times, PREVIEW_GOAL_MS),
        ("draft save", draft_times, DRAFT_GOAL_MS),
    ]
    met = True
    for label, times, goal in rows:
        value = p95(times)
        goal_text = f"{goal:.0f} ms" if goal else ""
        print(
            f"{label:<28}{statistics.median(times):>9.1f}{value:>9.1f}"
            f"{value / bare_p95:>12.1f}{goal_text:>10}"
        )
        met = met and (goal is None or value <= goal)
    print("goals met" if met else "a goal was missed")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
