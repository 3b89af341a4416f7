"""napkin: LLM systems-design napkin math with provenance for every figure.

    >>> import napkin
    >>> design = napkin.load_design("chatbot", overrides=["workload.dau=20e6"])
    >>> result = napkin.plan(design)
    >>> result.figures["peak_qps"].value

The CLI (`napkin plan ...`) is a thin shell over these functions.
"""

from __future__ import annotations

from napkin.errors import NapkinError
from napkin.planner import Plan, plan
from napkin.specs.catalog import find_gpu, find_model, gpus, models
from napkin.specs.design import Design
from napkin.specs.hf_config import load_hf_config
from napkin.specs.loader import builtin_designs, load_design

__version__ = "0.1.0"
__all__ = [
    "Design",
    "NapkinError",
    "Plan",
    "builtin_designs",
    "find_gpu",
    "find_model",
    "gpus",
    "load_design",
    "load_hf_config",
    "models",
    "plan",
]
