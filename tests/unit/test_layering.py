"""The arrows between the parts of fcc_unlock point one way, and no module imports itself
back through others (docs/architecture.md).

Every import of ours is read from the source, at module level and inside functions
(where the hot path defers them), so a lazy import cannot hide an arrow. Imports
under ``if TYPE_CHECKING:`` are type names only: they count for the direction but
not for cycles, since they never run.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "fcc_unlock"

# Each part, and the parts it may import (besides itself). Codecs import nothing of
# ours but the root package's Layout; the simulator only codecs; the CLI anything;
# nothing but the entry points imports the CLI.
ALLOWED: dict[str, set[str]] = {
    "__init__": set(),
    "errors": {"__init__"},  # IntNames, the named integers of the root package
    "mbim": {"__init__"},  # the root package's Layout, of which the generated layouts are made
    "qmi": {"__init__"},
    "trace": {"mbim", "qmi"},
    "transport": {"errors", "mbim", "host"},
    "host": {"__init__", "errors", "trace"},
    "at": {"__init__", "errors"},  # the AT codec and session (docs/at.md)
    "xmmrpc": {"__init__", "errors"},  # the XMM RPC codec and session (docs/xmmrpc.md)
    "session": {"errors", "mbim", "qmi"},
    "lockstate": {"errors", "mbim", "qmi", "session"},
    "methods": {"__init__", "errors", "mbim", "qmi", "at", "xmmrpc", "session", "lockstate", "host"},
    "run": {"errors", "mbim", "qmi", "at", "xmmrpc", "session", "lockstate", "methods", "transport", "host"},
    "survey": {"__init__", "errors", "mbim", "qmi", "session", "lockstate", "methods", "run", "host"},
    "cli": {
        "__init__",
        "errors",
        "trace",
        "transport",
        "host",
        "session",
        "lockstate",
        "methods",
        "run",
        "survey",
        "sim",
    },
    "modemmanager": {"errors", "host", "methods"},
    "tools": {"mbim", "qmi", "errors", "host", "methods"},
    "sim": {"mbim", "qmi", "at", "xmmrpc"},
    "__main__": {"cli"},
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def part_of(module: str) -> str:
    parts = module.split(".")
    return "__init__" if len(parts) == 1 else parts[1]


def is_module(dotted: str) -> bool:
    path = PACKAGE.parent / dotted.replace(".", "/")
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def imports(path: Path) -> list[tuple[str, bool]]:
    """(module imported, only for type checking) for every import of ours in ``path``."""
    tree = ast.parse(path.read_text())
    type_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            type_only.update(id(inner) for stmt in node.body for inner in ast.walk(stmt))
    found = []
    for node in ast.walk(tree):
        names: list[str] = []
        if (
            isinstance(node, ast.ImportFrom)
            and node.level == 0
            and (node.module or "").startswith("fcc_unlock")
        ):
            names = [node.module]
            names += [f"{node.module}.{a.name}" for a in node.names if is_module(f"{node.module}.{a.name}")]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names if a.name.startswith("fcc_unlock")]
        found += [(name, id(node) in type_only) for name in names]
    return found


def graph() -> dict[str, list[tuple[str, bool]]]:
    return {
        module_name(path): imports(path)
        for path in sorted(PACKAGE.rglob("*.py"))
        if "__pycache__" not in path.parts and not path.name.startswith("_structs")
    }


def test_every_arrow_points_down():
    wrong = []
    for module, targets in graph().items():
        part = part_of(module)
        assert part in ALLOWED, f"{module}: a part the layering does not know; add it to ALLOWED"
        for target, _ in targets:
            other = part_of(target)
            if other != part and other not in ALLOWED[part]:
                wrong.append(f"{module} -> {target}")
    assert wrong == []


def test_nothing_imports_the_cli_but_the_entry_points():
    outside = [
        f"{module} -> {target}"
        for module, targets in graph().items()
        for target, _ in targets
        if part_of(target) == "cli" and part_of(module) not in ("cli", "__main__")
    ]
    assert outside == []


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1 on the path, 2 done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def runtime_edges() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {}
    for module, targets in graph().items():
        # A package's own submodules come in through it; importing the package from
        # a submodule is not a cycle Python minds, and not one we count.
        edges[module] = {t for t, type_only in targets if not type_only and t != module}
        edges[module] -= {m for m in edges[module] if module.startswith(m + ".")}
    return edges


def test_no_import_cycles():
    assert find_cycle(runtime_edges()) is None


@pytest.mark.parametrize(
    "edges, cycle",
    [
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}}, ["a", "b", "c", "a"]),
        ({"a": {"b"}, "b": set()}, None),
    ],
)
def test_the_cycle_finder_finds_cycles(edges, cycle):
    assert find_cycle(edges) == cycle
