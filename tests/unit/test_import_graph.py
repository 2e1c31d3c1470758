"""No import cycle between the ``ivr`` subpackages: each layer knows only the ones below it.

The graph is read from the source with :mod:`ast` (every ``import`` / ``from ... import``, including those
inside functions and under ``TYPE_CHECKING``: a deferred import is still a dependency), folded to the
first-level package (``ivr.call.session`` -> ``call``; top-level modules such as ``ivr.config`` count as
themselves), and must be acyclic.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from ivr.config import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "ivr"


def _unit(module: str) -> str | None:
    """``ivr.call.session`` -> ``call``; ``ivr.config`` -> ``config``; outside ``ivr`` -> None."""
    parts = module.split(".")
    if parts[0] != "ivr" or len(parts) < 2:
        return None
    return parts[1]


def _module_of(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> Iterator[str]:
    module = _module_of(path)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                yield ".".join([*base, node.module] if node.module else base)
            elif node.module:
                yield node.module
                yield from (f"{node.module}.{alias.name}" for alias in node.names)


def package_graph() -> dict[str, set[str]]:
    """First-level unit -> the units it imports."""
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        src = _unit(_module_of(path))
        if src is None:
            continue
        deps = graph.setdefault(src, set())
        for target in _imports(path):
            dst = _unit(target)
            if dst is not None and dst != src and ((PACKAGE / dst).is_dir() or (PACKAGE / f"{dst}.py").exists()):
                deps.add(dst)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle as a path ``[a, b, ..., a]``, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt):], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_checker_finds_a_cycle_and_accepts_a_tree() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_the_graph_sees_the_known_edges() -> None:
    graph = package_graph()
    assert "dialog" in graph["call"] and "nlu" in graph["dialog"]
    assert "errors" in graph["telephony"]


def test_no_import_cycle_between_subpackages() -> None:
    graph = package_graph()
    cycle = find_cycle(graph)
    assert cycle is None, " -> ".join(cycle or [])
