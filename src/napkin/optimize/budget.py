"""The fixed-budget search: for a given number of GPUs or dollars a month, the candidate
that carries the most traffic while meeting every SLA target (`Objective.traffic`), or the
one with the lowest P99 end-to-end latency whose fleet fits the budget
(`Objective.latency`).

The traffic a candidate carries is a multiple k of the design's own (every traffic field
of its kind scaled together: `TRAFFIC_FIELDS`). Its planned fleet grows with k, so the
largest k whose plan meets the SLA within the budget is found by bisection on k, to
`TOLERANCE`. The cost grows about in step with k, so the bracket starts around the budget
over the cost at k = 1 and widens from there (or halves from k = 1 when even that is over).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from napkin.errors import NapkinError
from napkin.optimize.search import Screened, screen_one

# The fields that set a kind's traffic, scaled together by the multiple k.
TRAFFIC_FIELDS = {
    "chatbot": ("workload.dau",),
    "coding-agent": ("agent.active_agents_peak", "agent.users"),
    "code-completion": ("completion.peak_qps",),
}
TOLERANCE = 0.01  # relative width of k's bracket when the bisection stops
BRACKET_STEPS = 40  # doublings or halvings of k before giving up (2^±40)


@dataclass(frozen=True)
class Spend:
    """The budget: GPUs, dollars a month, or both (each a ceiling)."""

    gpus: int | None = None
    usd_per_month: float | None = None

    def __post_init__(self) -> None:
        if self.gpus is None and self.usd_per_month is None:
            raise NapkinError(
                "a fixed-budget search needs --budget-gpus or --budget-usd",
                field="--objective",
            )
        if self.gpus is not None and self.gpus < 1:
            raise NapkinError(
                f"--budget-gpus must be 1 or more, got {self.gpus}", field="--budget-gpus"
            )
        usd = self.usd_per_month
        if usd is not None and not (usd > 0 and usd < float("inf")):
            raise NapkinError(
                f"--budget-usd must be a positive number of USD a month, got {usd:g}",
                field="--budget-usd",
            )

    def allows(self, gpus: int, usd_per_month: float) -> bool:
        ok_gpus = self.gpus is None or gpus <= self.gpus
        return ok_gpus and (self.usd_per_month is None or usd_per_month <= self.usd_per_month)

    def headroom(self, gpus: int, usd_per_month: float) -> float:
        """How many times `gpus` and `usd_per_month` fit in the budget (the tighter)."""
        ratios = []
        if self.gpus is not None:
            ratios.append(self.gpus / max(gpus, 1))
        if self.usd_per_month is not None:
            ratios.append(self.usd_per_month / max(usd_per_month, 1e-9))
        return min(ratios)

    def describe(self) -> str:
        parts = []
        if self.gpus is not None:
            parts.append(f"{self.gpus:,} GPUs")
        if self.usd_per_month is not None:
            parts.append(f"${self.usd_per_month:,.0f} a month")
        return " and ".join(parts)


def traffic_of(design: str, base: tuple[str, ...], overrides: tuple[str, ...]) -> dict[str, float]:
    """The candidate's own traffic fields and their values (k = 1)."""
    from napkin.specs.loader import load_design

    written = load_design(design, (*base, *overrides))
    values = {}
    for path in TRAFFIC_FIELDS.get(written.kind, ()):
        node: object = written
        for part in path.split("."):
            node = getattr(node, part)
        values[path] = float(node)  # type: ignore[arg-type]
    return values


def scaled(traffic: dict[str, float], k: float) -> tuple[str, ...]:
    """`--set` overrides for k × the traffic."""
    return tuple(f"{path}={_number(value * k)}" for path, value in traffic.items())


def _number(value: float) -> str:
    """Six significant figures, in plain digits (a YAML reader takes '15781250')."""
    return f"{value:.6g}" if abs(value) < 1e6 else f"{round(value, -len(str(int(value))) + 6):.0f}"


STEP = 1.02  # the bracket around the proportional guess, widened by this factor at a time


def _bracket(
    at: Callable[[float], Screened],
    fits: Callable[[Screened], bool],
    first: Screened,
    guess: float,
) -> tuple[float, float, Screened]:
    """(low, high, the plan at low): low fits, high does not, around `guess` (≥ 1, since
    the design's own traffic fits); the bracket widens by STEP, then doubles, until it
    holds the edge."""
    low, best = 1.0, first
    point = max(1.0, guess)
    probe = at(point)
    if fits(probe):
        low, best, step = point, probe, STEP
        for _ in range(BRACKET_STEPS):
            high = low * step
            probe = at(high)
            if not fits(probe):
                return low, high, best
            low, best, step = high, probe, step * step
        return low, low * 2, best
    high, step = point, STEP
    for _ in range(BRACKET_STEPS):
        candidate = max(1.0, high / step)
        probe = at(candidate) if candidate > 1.0 else first
        if fits(probe):
            return candidate, high, probe
        high, step = candidate, step * step
    return low, high, best


def most_traffic(
    design: str, overrides: tuple[str, ...], base: tuple[str, ...], spend: Spend
) -> Screened:
    """The candidate at the largest traffic multiple whose plan meets the SLA within
    `spend` (`carried` is that multiple), or infeasible with why. A candidate that does
    not fit memory or meet the SLA at the design's own traffic is returned as screened:
    neither depends on the traffic."""
    try:
        traffic = traffic_of(design, base, overrides)
    except NapkinError:
        return screen_one(design, overrides, base)  # says what is invalid

    def at(k: float) -> Screened:
        return screen_one(design, (*overrides, *scaled(traffic, k)), base)

    def fits(s: Screened) -> bool:
        return s.feasible and spend.allows(s.gpus, s.monthly_cost_usd)

    first = at(1.0)
    if not first.feasible:
        return first
    best, low, high = first, 1.0, 2.0
    if fits(first):  # the cost grows about in step with traffic: bracket around that guess
        guess = spend.headroom(first.gpus, first.monthly_cost_usd)
        low, high, best = _bracket(at, fits, first, guess)
    else:  # halve until within it
        for _ in range(BRACKET_STEPS):
            low, high = low / 2, low
            best = at(low)
            if fits(best):
                break
        else:
            why = f"over the budget of {spend.describe()} at any traffic"
            return replace(first, feasible=False, reason=f"budget: {why}")
    while high - low > TOLERANCE * low:
        middle = (low + high) / 2
        probe = at(middle)
        if fits(probe):
            best, low = probe, middle
        else:
            high = middle
    return replace(best, carried=low, overrides=(*overrides, *scaled(traffic, low)))
