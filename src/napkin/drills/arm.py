"""What a drill starts from (`Context`) and what each of its arms runs (`Arm`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from math import inf

from napkin.perf.step_model import StepModel
from napkin.sim.event_loop import Fleet, FleetConfig
from napkin.sim.requests import Requests


@dataclass(frozen=True)
class Context:
    """What every drill starts from: the baseline traffic and fleet of the slice."""

    requests: Requests
    config: FleetConfig
    duration_s: float
    seed: int
    steps: StepModel  # the plan's step model, which a drill may slow


@dataclass
class Arm:
    """One arm of a drill: its traffic, its fleet, and what it does to the fleet as it runs."""

    requests: Requests
    config: FleetConfig
    install: Callable[[Fleet], None] = lambda fleet: None
    spare_attempts: int = 0
    window: tuple[float, float] = (inf, inf)
    notes: list[str] = field(default_factory=list)
    steps: StepModel | None = None  # a step model of its own (else the plan's)
