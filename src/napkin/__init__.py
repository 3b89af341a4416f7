"""napkin: LLM systems-design napkin math with provenance for every figure.

    >>> import napkin
    >>> design = napkin.load_design("chatbot", overrides=["workload.dau=20e6"])
    >>> result = napkin.plan(design)
    >>> result.figures["peak_qps"].value

The CLI (`napkin plan ...`) is a thin shell over these functions. Names load on first use,
so `import napkin` (and the CLI's start-up) stays cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from napkin import native  # noqa: F401 - picks the simulator core before anything imports it

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS = {
    "Design": "napkin.specs.design",
    "NapkinError": "napkin.errors",
    "Plan": "napkin.planner",
    "builtin_designs": "napkin.specs.loader",
    "find_gpu": "napkin.specs.catalog",
    "find_model": "napkin.specs.catalog",
    "gpus": "napkin.specs.catalog",
    "load_design": "napkin.specs.loader",
    "load_hf_config": "napkin.specs.hf_config",
    "models": "napkin.specs.catalog",
    "plan": "napkin.planner",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'napkin' has no attribute {name!r}")
    value = getattr(import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value
