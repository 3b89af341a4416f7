"""One name per concept (issue #14): no two modules or classes share a name, and no file in
src/ is over 400 lines."""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

SRC = Path(__file__).parents[1] / "src" / "napkin"
MAX_LINES = 400


def modules() -> list[Path]:
    return [p for p in SRC.rglob("*.py") if p.name not in ("__init__.py", "__main__.py")]


def repeated(names: list[str]) -> list[str]:
    return sorted(name for name, count in Counter(names).items() if count > 1)


def test_no_two_modules_share_a_name() -> None:
    assert repeated([p.stem for p in modules()]) == []


def test_no_two_classes_share_a_name() -> None:
    classes = [
        node.name
        for path in modules()
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ClassDef)
    ]
    assert repeated(classes) == []


def test_no_file_is_over_400_lines() -> None:
    long = {
        str(p.relative_to(SRC)): n
        for p in SRC.rglob("*.py")
        if (n := len(p.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}


def test_the_checks_can_fail() -> None:
    assert repeated(["fleet", "memory", "fleet"]) == ["fleet"]
    assert repeated(["a", "b"]) == []
