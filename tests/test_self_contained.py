"""Self-containment: no test, benchmark or build file reads anything outside the repository.

A fresh clone has nothing beside it, so a path that leaves the repository (``../``, the parent of
the repository root, an absolute path of our own machines) passes on a developer's box and fails
for everyone else. Debian's programs (``/usr/bin/chromium``) and PostgreSQL on loopback are the
two things `make test` finds or installs itself, so they are not paths of ours.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import REPO

# A line may name an outside path on purpose (a hostile file name in an upload test, say) when
# it carries this marker.
ALLOW_MARKER = "outside-path: on purpose"

THIS_FILE = Path(__file__).name

OUTSIDE_PATH = re.compile(
    r"""\.\./                     # climbing out of a folder
      | \.\.\\                    # the same with a backslash
      | \bREPO\.parent\b          # the repository root's parent
      | \.parent\.parent\.parent  # three levels up from a file in tests/ or bench/
      | (?<![\w.])/(?:work|root|home|mnt|srv)/   # absolute paths of our machines
    """,
    re.VERBOSE,
)


def outside_paths(root: Path) -> list[str]:
    """Each line of the checked files under root that names a path outside it, as file:line."""
    checked = [root / "Makefile", root / ".ci" / "run", root / "pyproject.toml"]
    for folder in ("tests", "bench"):
        checked += sorted(
            path
            for path in (root / folder).rglob("*")
            if path.is_file()
            and "data" not in path.relative_to(root).parts  # payloads are data, not paths
            and "__pycache__" not in path.parts
            and path.name != THIS_FILE  # it spells the patterns out to test them
        )
    found = []
    for path in checked:
        if not path.is_file():
            continue
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            if OUTSIDE_PATH.search(line) and ALLOW_MARKER not in line:
                found.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
    return found


def test_tests_benchmarks_and_build_files_stay_inside_the_repository():
    found = outside_paths(REPO)
    assert not found, "paths outside the repository:\n" + "\n".join(found)


@pytest.mark.parametrize(
    "line",
    [
        'corpus = REPO.parent / "shared" / "testdata" / "xss"',
        'corpus = Path("../shared/testdata/xss")',
        "The bar (/work/shared/performance.md): 50 %",
        "\tcp /root/fixtures/people.yaml content/",
        'HERE = Path(__file__).parent.parent.parent / "shared"',
    ],
)
def test_the_guard_finds_a_path_outside(tmp_path: Path, line: str):
    (tmp_path / "tests").mkdir()
    (tmp_path / "bench").mkdir()
    (tmp_path / "tests" / "test_planted.py").write_text(f"# a test\n{line}\n")
    assert outside_paths(tmp_path) == [f"tests/test_planted.py:2: {line.strip()}"]


def test_the_guard_lets_the_repository_own_paths_through(tmp_path: Path):
    (tmp_path / "tests").mkdir()
    (tmp_path / "bench").mkdir()
    (tmp_path / "Makefile").write_text("test:\n\t/usr/bin/chromium --version\n")
    (tmp_path / "tests" / "test_inside.py").write_text(
        'CORPUS = REPO / "tests" / "data" / "xss"\n'
        'name = "../../etc/passwd"  # outside-path: on purpose (a hostile file name)\n'
    )
    assert outside_paths(tmp_path) == []


def test_the_suite_carries_its_xss_corpora_with_their_sources():
    corpus = REPO / "tests" / "data" / "xss"
    sources = (corpus / "SOURCES.md").read_text()
    for name in ("rsnake.txt", "markdown-and-wiki.txt", "wiki-regressions.json"):
        assert (corpus / name).stat().st_size > 0
        assert name in sources
