"""Which simulator core runs: compiled by mypyc at install, or the pure-Python source.

Both are the same source files (`CORE`), so they compute the same thing in the same order
and give bit-identical results under a seed (tests/sim/test_native.py runs both). The
compiled one runs when all of these hold, else the pure-Python one, and `CORE_KIND` says
which and why:

- the install compiled it (`setup.py` leaves `native_build.json`, the sources' hashes,
  and a compiled module beside each source);
- every core source still hashes as it did then (an edited source makes the build stale);
- NAPKIN_SIM_CORE is not `python` (ask for the fallback explicitly).

Choosing the source when compiled modules sit next to it takes an import hook: extension
modules shadow `.py` files of the same name, so `_Source` hands Python the `.py` instead.
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).parent.parent  # the folder holding the `napkin` package
CORE = (
    "napkin/perf/step_model.py",
    "napkin/sim/requests.py",
    "napkin/sim/kv_cache.py",
    "napkin/sim/sequences.py",
    "napkin/sim/finishing.py",
    "napkin/sim/router.py",
    "napkin/sim/gateway.py",
    "napkin/sim/scheduling.py",
    "napkin/sim/replica.py",
    "napkin/sim/holdings.py",
    "napkin/sim/slots.py",
    "napkin/sim/timeline.py",
    "napkin/sim/event_loop.py",
)
STAMP = ROOT / "napkin" / "native_build.json"
ENV = "NAPKIN_SIM_CORE"  # `python`: run the pure-Python core even where it is compiled


def _module(path: str) -> str:
    return path.removesuffix(".py").replace("/", ".")


def source_hash(path: str) -> str:
    """SHA-256 of a core source file (`path` relative to ROOT), as the build stamps it."""
    return hashlib.sha256((ROOT / path).read_bytes()).hexdigest()


def _choose() -> tuple[bool, str]:
    """(compiled?, why) for this process."""
    if os.environ.get(ENV, "").lower() == "python":
        return False, f"pure Python ({ENV}=python)"
    if not STAMP.exists():
        return False, "pure Python (not compiled at install)"
    built = json.loads(STAMP.read_text()).get("sources", {})
    for path in CORE:
        if built.get(path) != source_hash(path):
            return False, f"pure Python ({path} changed since the build; reinstall to compile)"
        if _extension(path) is None:
            return False, f"pure Python ({path} has no compiled module; reinstall to compile)"
    return True, "compiled (mypyc)"


def _extension(path: str) -> Path | None:
    """The compiled module the build left beside a core source, if any."""
    stem = ROOT / path.removesuffix(".py")
    built = (
        stem.with_name(stem.name + suffix) for suffix in importlib.machinery.EXTENSION_SUFFIXES
    )
    return next((file for file in built if file.exists()), None)


class _Source:
    """A meta-path finder that loads the core's modules from their `.py` files."""

    names = {_module(path): ROOT / path for path in CORE}

    @classmethod
    def find_spec(
        cls, name: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        source = cls.names.get(name)
        return importlib.util.spec_from_file_location(name, source) if source else None


COMPILED, CORE_KIND = _choose()
if not COMPILED and _Source not in sys.meta_path:
    sys.meta_path.insert(0, _Source)  # type: ignore[arg-type]
