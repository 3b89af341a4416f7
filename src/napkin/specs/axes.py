"""The values napkin tries by default when it varies a design: the optimizer's search space
(`optimize.space`) and the plan's cheapest single fix (`relaxation`). GPUs are catalog
names; precisions are weight precisions; TP degrees fit one 8-GPU node."""

from __future__ import annotations

DEFAULT_GPUS = ("H100-SXM", "H200", "A100-80GB", "L40S", "B200", "MI300X")
DEFAULT_PRECISIONS = ("bf16", "fp8", "int4")
DEFAULT_TPS = (1, 2, 4, 8)
DEFAULT_BATCH_CAPS = (None, 32, 64, 128, 256)
