"""Comparing this checkout with another commit in one run: the other commit checked out in a
temporary git worktree, a bench's child process run in each tree, and the figures side by
side with the ratio of this checkout to the other (the baseline measured in the same run)."""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
Figures = dict[str, list[float]]


def parser_for(doc: str, against: str) -> argparse.ArgumentParser:
    """The options of a bench run this way; a child gets --child TREE and --out FILE."""
    parser = argparse.ArgumentParser(description=doc.split("\n")[0])
    parser.add_argument("--against", default=against, help="the commit to compare with")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    return parser


@contextlib.contextmanager
def other_tree(ref: str) -> Iterator[Path]:
    """The commit ref checked out (detached) in a temporary worktree, removed afterwards."""
    tree = Path(tempfile.mkdtemp(prefix="bench-tree-")) / "tree"
    subprocess.run(
        ["git", "-C", str(REPO), "worktree", "add", "--detach", "-q", str(tree), ref], check=True
    )
    try:
        yield tree
    finally:
        subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(tree)])


def run_child(script: str, tree: Path, out: Path, *options: str) -> Figures:
    """Run `script --child TREE --out OUT OPTIONS` and read the figures it wrote."""
    run = subprocess.run(
        [sys.executable, script, "--child", str(tree), "--out", str(out), *options],
        capture_output=True, text=True,
    )  # fmt: skip
    if run.returncode:
        print(run.stdout[-3000:], run.stderr[-3000:])
        raise SystemExit(1)
    return json.loads(out.read_text())


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def print_comparison(
    measures: tuple[str, ...],
    mine: dict[str, list[float]],
    theirs: dict[str, list[float]],
    ref: str,
) -> None:
    """p50 / p95 of each measure in both trees, and the ratio of this checkout's p50."""
    print(f"{'':34}{'this checkout':>18}{ref:>18}{'ratio p50':>11}")
    for measure in measures:
        cells = [
            f"{statistics.median(r[measure]):.1f} / {percentile(r[measure], 0.95):.1f}"
            for r in (mine, theirs)
        ]
        ratio = statistics.median(mine[measure]) / statistics.median(theirs[measure])
        print(f"{measure + ' p50 / p95':34}{cells[0]:>18}{cells[1]:>18}{ratio:>10.2f}x")
