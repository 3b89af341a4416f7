"""Build napkin, compiling the simulator's event core with mypyc where this machine can.

The compiled modules are the same source files as the pure-Python ones; `napkin/native.py`
chooses between them at import time and says which runs. Compilation is optional: without
a C compiler (or with NAPKIN_PURE_PYTHON=1) napkin installs as pure Python and gives the
same results, only slower. Everything else is in pyproject.toml.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_ext import build_ext

SRC = Path(__file__).parent / "src"


def _core() -> tuple[str, ...]:
    """The modules to compile: `CORE` in napkin/native.py, read without importing napkin
    (the build environment has none of its dependencies)."""
    tree = ast.parse((SRC / "napkin" / "native.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "CORE":
            return tuple(ast.literal_eval(node.value))
    raise RuntimeError("napkin/native.py has no CORE")


CORE = _core()
STAMP = "napkin/native_build.json"  # the sources' hashes the compiled modules were built from


def _stamp() -> str:
    hashes = {path: hashlib.sha256((SRC / path).read_bytes()).hexdigest() for path in CORE}
    return json.dumps({"compiler": "mypyc", "sources": hashes}, indent=1)


class OptionalBuild(build_ext):
    """Compile the core if possible; on any failure, install the pure-Python core."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as error:  # noqa: BLE001 - any compiler failure means pure Python
            print(f"napkin: simulator core not compiled ({error}); pure Python", file=sys.stderr)
            return
        if not self.extensions:  # nothing compiled (no mypyc): no stamp says otherwise
            return
        for root in {Path(self.build_lib), *([SRC] if self.inplace else [])}:
            (root / STAMP).parent.mkdir(parents=True, exist_ok=True)
            (root / STAMP).write_text(_stamp())


def _extensions() -> list:
    if os.environ.get("NAPKIN_PURE_PYTHON"):
        return []
    try:
        from mypyc.build import mypycify

        # mypyc names each module from its path, up to the first folder without __init__.py.
        # The build environment has no numpy or pydantic: their types are Any, always.
        flags = ["--ignore-missing-imports", "--follow-imports=silent"]
        return mypycify([*flags, *(f"src/{path}" for path in CORE)], opt_level="3")
    except (Exception, SystemExit) as error:  # no mypyc, or the core does not type-check
        print(f"napkin: simulator core not compiled ({error}); pure Python", file=sys.stderr)
        return []


setup(ext_modules=_extensions(), cmdclass={"build_ext": OptionalBuild})
