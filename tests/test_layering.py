"""The package's import graph follows the method (issue #14): a stage imports only from its
own stage or an earlier one, and no two packages import each other (no cycles). Imports
inside functions count; imports under `if TYPE_CHECKING:` (annotations only) do not."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).parents[1] / "src" / "napkin"

# Earliest first. A module belongs to the first stage whose prefix it starts with.
STAGES: list[tuple[str, tuple[str, ...]]] = [
    (
        "base",
        ("napkin.errors", "napkin.units", "napkin.strict_json", "napkin.figures", "napkin.native"),
    ),
    ("specs", ("napkin.specs", "napkin.clarify")),
    ("formulas", ("napkin.capacity",)),
    ("performance", ("napkin.perf",)),
    ("calibration", ("napkin.calibration",)),
    (
        "plan",
        (
            "napkin.sections",
            "napkin.scenarios",
            "napkin.claim_check",
            "napkin.recommendation",
            "napkin.relaxation",
            "napkin.planner",
        ),
    ),
    ("simulate", ("napkin.sim",)),
    ("validate", ("napkin.validate",)),
    ("drill", ("napkin.drills",)),
    ("optimize", ("napkin.optimize",)),
    ("present", ("napkin.render", "napkin.report", "napkin.ui")),
    ("cli", ("napkin.cli", "napkin.__main__", "napkin")),
]


def stage_of(module: str) -> int:
    for rank, (_, prefixes) in enumerate(STAGES):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return rank
    raise AssertionError(f"{module} is in no stage: add it to STAGES")


def _type_checking_lines(tree: ast.Module) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def imports() -> list[tuple[str, str, str]]:
    """(importing module, imported module, file:line) for every runtime napkin import."""
    out = []
    for path in sorted(SRC.rglob("*.py")):
        parts = path.relative_to(SRC.parent).with_suffix("").parts
        module = ".".join(parts).removesuffix(".__init__")
        tree = ast.parse(path.read_text())
        typing_only = _type_checking_lines(tree)
        for node in ast.walk(tree):
            if getattr(node, "lineno", 0) in typing_only:
                continue
            names: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            for name in names:
                if name.startswith("napkin.") or name == "napkin":
                    out.append((module, name, f"{path.relative_to(SRC)}:{node.lineno}"))
    return out


def package_of(module: str) -> str:
    """napkin.sim.event_loop -> napkin.sim; a top-level module is its own package."""
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 1 else module


def test_no_stage_imports_a_later_one() -> None:
    upward = [
        f"{where}: {src} ({STAGES[stage_of(src)][0]}) imports {dst} ({STAGES[stage_of(dst)][0]})"
        for src, dst, where in imports()
        if dst != "napkin" and stage_of(dst) > stage_of(src)
    ]
    assert not upward, "\n".join(upward)


def test_no_import_cycles_between_packages() -> None:
    graph: dict[str, set[str]] = {}
    for src, dst, _ in imports():
        a, b = package_of(src), package_of(dst)
        if a != b and dst != "napkin":
            graph.setdefault(a, set()).add(b)
    cycle = find_cycle(graph)
    assert cycle is None, " -> ".join(cycle or [])


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle of the directed graph as a path that returns to its start, or None."""
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> list[str] | None:
        if node in path:
            return [*path[path.index(node) :], node]
        if node in done:
            return None
        for nxt in sorted(graph.get(node, ())):
            found = visit(nxt, [*path, node])
            if found:
                return found
        done.add(node)
        return None

    for start in sorted(graph):
        found = visit(start, [])
        if found:
            return found
    return None


def test_the_checks_can_fail() -> None:
    """Mutation guards: a cycle is found, and a late stage is later than an early one."""
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}}) is None
    assert stage_of("napkin.sim.event_loop") > stage_of("napkin.planner") > stage_of("napkin.specs")
    with pytest.raises(AssertionError):
        stage_of("napkin_elsewhere.x")
