"""The floors of the house (README, "Code map"), read from the code: every import of wiki/
(top-level and late alike, by an ast walk) goes down or sideways, never up, and never in a
circle. A domain announces what happened through wiki.events and never imports the API or
the webhooks; the ground imports nothing of the wiki above it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

WIKI = Path(__file__).resolve().parent.parent / "wiki"

# The floors, from the ground up (packages and modules of wiki/, by their first name).
GROUND = {
    "config", "extensions", "errors", "forms", "textutil", "timeutil", "markup",
    "markup_limits", "markup_tree", "rendered", "events", "outbox", "deadline", "versioning",
}  # fmt: skip
FOUNDATIONS = {"auth", "audit", "notifications", "security", "ratelimit", "errorpages", "pagecache"}
DOMAINS = {
    "processes", "attachments", "people", "questions", "buddies", "coaching", "peergroups",
    "feedforward", "gaps", "forums", "search", "glossary", "watching", "verification",
    "homes", "comments", "approvals",
}  # fmt: skip
FACES = {"api", "webhooks", "integrations"}
# The top: what wires the floors together or drives them from outside a request.
TOP = {"", "subscribers", "cli", "tick", "worker", "backup", "database", "content", "admin"}


def module_name(path: Path) -> str:
    parts = path.relative_to(WIKI.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def floor_of(module: str) -> str:
    """The first name under wiki ("" for the package itself)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def import_graph() -> dict[str, set[str]]:
    files = sorted(WIKI.rglob("*.py"))
    known = {module_name(path) for path in files}
    graph: dict[str, set[str]] = {}
    for path in files:
        name = module_name(path)
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                named = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*parts, base] if base else parts)
                named = [base] + [f"{base}.{alias.name}" for alias in node.names]
            else:
                continue
            for target in named:
                while target and target not in known:
                    target = target.rpartition(".")[0]
                if target and target != name and target != "wiki":
                    targets.add(target)
        graph[name] = targets
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan's algorithm, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
    return found


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return import_graph()


def test_every_module_of_the_wiki_sits_on_a_floor_of_the_code_map(graph):
    floors = GROUND | FOUNDATIONS | DOMAINS | FACES | TOP | {"web"}
    assert sorted({floor_of(name) for name in graph} - floors) == []


def test_no_import_circle(graph):
    assert circles(graph) == []


def test_the_circle_check_finds_a_circle_and_the_walk_sees_late_imports(graph):
    # Otherwise the test above could pass on a knot: a circle of three, and an import made
    # inside a function (create_app imports its blueprints late).
    knot = {"wiki.a": {"wiki.b"}, "wiki.b": {"wiki.c"}, "wiki.c": {"wiki.a"}, "wiki.d": set()}
    assert circles(knot) == [["wiki.a", "wiki.b", "wiki.c"]]
    assert "wiki.processes.views" in graph["wiki"]


def _imports_from(graph, sources: set[str], targets: set[str]) -> list[str]:
    return sorted(
        f"{name} -> {target}"
        for name, imported in graph.items()
        if floor_of(name) in sources
        for target in imported
        if floor_of(target) in targets
    )


def test_domains_never_import_the_api_the_webhooks_or_the_top(graph):
    assert _imports_from(graph, DOMAINS, FACES | (TOP - {""})) == []


def test_the_ground_imports_nothing_above_it(graph):
    above = FOUNDATIONS | DOMAINS | FACES | TOP | {"web"}
    assert _imports_from(graph, GROUND, above - {""}) == []


def test_foundations_import_no_domain_and_no_face(graph):
    assert _imports_from(graph, FOUNDATIONS, DOMAINS | FACES | {"web"}) == []


def test_only_views_use_the_web_layer(graph):
    users = {
        name
        for name, imported in graph.items()
        if any(floor_of(target) == "web" for target in imported)
        and floor_of(name) in DOMAINS | FOUNDATIONS
    }
    assert sorted(name for name in users if not name.endswith("views")) == []


def test_every_domain_event_has_a_receiver_once_the_app_is_made(app):
    from wiki.events import every_event

    unheard = [name for name, signal in every_event().items() if not signal.receivers]
    assert unheard == []
