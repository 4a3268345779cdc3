"""Rendering hostile markdown: how the time to render (render_markdown, as a page, a question or
an answer is shown) and to index (plain_text) grows with the length of texts shaped to make a
parser backtrack, beside an ordinary page of the same length in the same run.

Run from the repository root:  .venv/bin/python bench/markup_bench.py  (or `make bench-markup`).
Options: --sizes 10,20,40 (KB), --repeat 3 (the best of N is kept).

Linear growth shows as a time about doubling from one size to the next (x2); a quadratic one
as x4. The bar (issue 30): linear, and at most 200 ms at 40 KB.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from wiki.markup import plain_text, render_markdown  # noqa: E402

# Each class repeats a unit that opens something and never closes it, or makes an element.
HOSTILE = {
    "unclosed links": "[a](",
    "unclosed images": "![a](",
    "unclosed tags": "<a ",
    "unclosed autolinks": "<http://a",
    "open brackets": "[",
    "unclosed wiki links": "[[a",
    "emphasis run": "*a",
    "underscores": "_a ",
    "backticks": "`a",
    "nested quotes": "> ",
    "nested lists": "  - ",
    "many tables": "|a|b|\n|-|-|\n",
    "unclosed comments": "<!--",
    "entities": "&#",
    # Well-formed, but one element every few characters: each costs a fixed time.
    "many valid links": "[a](b) ",
    "paragraphs": "a\n\n",
    "list items": "- a\n",
    "separate tables": "|a|b|\n|-|-|\n\n",
}
ORDINARY = REPO / "content" / "processes"


def ordinary_text(size: int) -> str:
    """Demo pages joined until `size` characters: the baseline of the same length."""
    pages = sorted(ORDINARY.rglob("*.md"))
    text = ""
    while len(text) < size:
        for page in pages:
            text += page.read_text().split("---", 2)[-1] + "\n\n"
    return text[:size]


def best_of(repeat: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10,20,40")
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    sizes = [int(size) * 1024 for size in options.sizes.split(",")]
    header = " | ".join(f"{size // 1024} KB render / index" for size in sizes)
    print(f"{'text':22} | {header} | growth per doubling")
    rows = {"ordinary page (baseline)": ordinary_text}
    rows.update(
        {
            name: (lambda size, u=unit: (u * (size // len(u) + 1))[:size])
            for name, unit in HOSTILE.items()
        }
    )
    for name, make in rows.items():
        cells, renders = [], []
        for size in sizes:
            text = make(size)
            render = best_of(options.repeat, lambda t=text: render_markdown(t))
            index = best_of(options.repeat, lambda t=text: plain_text(t))
            renders.append(render)
            cells.append(f"{render * 1000:8.0f} / {index * 1000:6.0f} ms")
        steps = [
            later / max(earlier, 1e-6) for earlier, later in zip(renders, renders[1:], strict=False)
        ]
        growth = ", ".join(f"x{step:.1f}" for step in steps)
        print(f"{name:22} | {' | '.join(cells)} | {growth}", flush=True)


if __name__ == "__main__":
    main()
