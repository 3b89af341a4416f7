"""The one answer a plan gives: the recommended deployment, its SLA verdict, what binds it,
and where each figure came from.

Every serving plan has exactly one `Recommendation`. The terminal's first lines, the JSON's
top-level `recommendation` object, the reports' summary box and the web app's headline all
print this record and nothing else, so the answers cannot disagree. The design's own rule
of thumb is checked as a claim, never shown as a rival headline.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import Enum
from typing import TYPE_CHECKING, Any

from napkin.calibration.uncertainty import Interval
from napkin.perf.operating_point import engine_batch_limit
from napkin.perf.sizing import MAX_UTILIZATION

if TYPE_CHECKING:
    from napkin.figures import Figure
    from napkin.perf.sizing import Sizing
    from napkin.planner import Plan
    from napkin.sections.pipeline import PlanOutcome
    from napkin.specs.deployment import Deployment
    from napkin.specs.design import DesignBase


class Verdict(str, Enum):
    """Three values: a target the design does not set is neither met nor missed."""

    met = "met"
    missed = "missed"
    not_set = "not set"


def overall(verdicts: list[Verdict]) -> Verdict:
    """`met` only when at least one target is set and every set target is met."""
    set_ = [v for v in verdicts if v is not Verdict.not_set]
    if not set_:
        return Verdict.not_set
    return Verdict.met if all(v is Verdict.met for v in set_) else Verdict.missed


@dataclass(frozen=True)
class TargetCheck:
    """One SLA target: its limit, what the plan predicts, what simulation measured (if it
    ran), and the verdict of each. `unit` is 's' for every latency target."""

    target: str
    limit_s: float | None
    plan_s: float | None
    plan: Verdict
    simulated_s: float | None = None
    simulated: Verdict = Verdict.not_set
    plan_interval: Interval | None = None

    @property
    def verdict(self) -> Verdict:
        """The simulation's verdict when one ran, else the plan's."""
        return self.simulated if self.simulated_s is not None else self.plan

    def to_json(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "limit_s": self.limit_s,
            "plan_s": self.plan_s,
            "plan": self.plan.value,
            "plan_interval": self.plan_interval.to_json() if self.plan_interval else None,
            "simulated_s": self.simulated_s,
            "simulated": self.simulated.value,
            "verdict": self.verdict.value,
        }


@dataclass(frozen=True)
class Constraint:
    """Something that stops the batch or the fleet from being smaller, with its slack:
    (limit − used) / limit, in [0, 1] (0 = binding). `used` and `limit` share `unit`."""

    name: str
    used: float
    limit: float
    unit: str
    slack: float

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "used": self.used,
            "limit": self.limit,
            "unit": self.unit,
            "slack": self.slack,
        }


@dataclass(frozen=True)
class Relaxation:
    """The cheapest change that makes an infeasible design feasible, with its cost."""

    change: str
    overrides: tuple[str, ...]
    gpus: int
    monthly_cost_usd: float

    def to_json(self) -> dict[str, Any]:
        return {
            "change": self.change,
            "overrides": list(self.overrides),
            "gpus": self.gpus,
            "monthly_cost_usd": self.monthly_cost_usd,
        }


@dataclass(frozen=True)
class TokenPrices:
    """USD a million tokens of each class at the fleet's utilisation (`sections.token_cost`),
    and a million output tokens with the whole bill on them at full load."""

    input: float
    cached_input: float
    output: float
    utilisation: float
    output_at_full_load: float

    def scaled(self, fleet: float) -> TokenPrices:
        """The same work on `fleet` times the GPUs: prices ∝ fleet, utilisation ∝ 1 / fleet."""
        return TokenPrices(
            self.input * fleet,
            self.cached_input * fleet,
            self.output * fleet,
            self.utilisation / fleet,
            self.output_at_full_load,
        )

    def to_json(self) -> dict[str, float]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Recommendation:
    """The recommended deployment of a serving design.

    `source` is "closed form" (the plan's formulas, queueing included) or "simulation"
    (the smallest replica count meeting every target in simulation). When `feasible` is
    False, no fleet or cost is given: `infeasible` names the target that cannot be met
    and the best value reachable, and `relaxation` the cheapest fix found.
    """

    design: str
    kind: str
    model: str
    gpu: str
    precision: str
    tp: int
    feasible: bool
    source: str
    replicas: int | None = None
    gpus: int | None = None
    gpus_interval: Interval | None = None
    batch: int | None = None
    monthly_cost_usd: Interval | None = None
    usd_per_million_output_tokens: Interval | None = None
    tokens_per_s_per_gpu: Interval | None = None
    targets: tuple[TargetCheck, ...] = ()
    binding: str = ""
    constraints: tuple[Constraint, ...] = ()
    infeasible: str = ""
    relaxation: Relaxation | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    layout: str = ""  # `Deployment.layout` when it is more than TP ("TP8 (DP-attention 8 ...)")
    pools: str = ""  # disaggregated: "3 prefill × TP4 on H100-SXM + 2 decode × TP8 on H200"
    token_prices: TokenPrices | None = None
    api_alternative: str = ""  # "DeepInfra: $1.25M/month at this volume (fleet 5.32×)"

    @property
    def verdict(self) -> Verdict:
        return overall([t.verdict for t in self.targets])

    def with_(self, **changes: Any) -> Recommendation:
        return replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        def opt(x: Any) -> Any:
            return x.to_json() if x is not None else None

        return {
            "design": self.design,
            "kind": self.kind,
            "model": self.model,
            "gpu": self.gpu,
            "precision": self.precision,
            "tp": self.tp,
            "layout": self.layout or f"TP{self.tp}",
            "pools": self.pools or None,
            "feasible": self.feasible,
            "source": self.source,
            "replicas": self.replicas,
            "gpus": self.gpus,
            "gpus_interval": opt(self.gpus_interval),
            "batch": self.batch,
            "monthly_cost_usd": opt(self.monthly_cost_usd),
            "usd_per_million_output_tokens": opt(self.usd_per_million_output_tokens),
            "tokens_per_s_per_gpu": opt(self.tokens_per_s_per_gpu),
            "verdict": self.verdict.value,
            "targets": [t.to_json() for t in self.targets],
            "binding": self.binding,
            "constraints": [c.to_json() for c in self.constraints],
            "infeasible": self.infeasible,
            "relaxation": opt(self.relaxation),
            "notes": list(self.notes),
            "token_prices": opt(self.token_prices),
            "api_alternative": self.api_alternative or None,
        }


# --- building the recommendation from a plan ----------------------------------------------

TARGETS = ("ttft_p50_s", "ttft_p99_s", "tpot_s", "e2e_p99_s")
# The residuals each latency's band comes from. E2E is (output − 1) decode steps after the
# first token, and no calibrated profile has end-to-end rows, so it takes the TPOT band.
TARGET_METRIC = {"ttft_p50_s": "ttft", "ttft_p99_s": "ttft", "tpot_s": "tpot", "e2e_p99_s": "tpot"}


def target_checks(plan: Plan) -> tuple[TargetCheck, ...]:
    """All four targets: the plan's estimate (with its P10–P90 band) and verdict where set,
    `not set` elsewhere."""
    from napkin.calibration.uncertainty import interval_for

    sla = getattr(plan.design, "sla", None)
    by_target = {check.target: check for check in plan.sla}
    out = []
    for target in TARGETS:
        limit = getattr(sla, target, None) if sla is not None else None
        check = by_target.get(target)
        if limit is None:
            out.append(TargetCheck(target, limit, None, Verdict.not_set))
        elif check is None:  # set, but nothing can be planned for it: the model does not fit
            out.append(TargetCheck(target, limit, None, Verdict.missed))
        else:
            band = interval_for(plan.design, check.estimate_s, TARGET_METRIC[target])
            out.append(
                TargetCheck(
                    target, limit, check.estimate_s, check.verdict, None, Verdict.not_set, band
                )
            )
    return tuple(out)


def _slack(name: str, used: float, limit: float, unit: str) -> Constraint:
    return Constraint(name, used, limit, unit, (limit - used) / limit if limit else 0.0)


def constraints(plan: Plan, sizing: Sizing) -> tuple[list[Constraint], list[Constraint]]:
    """(what bounds the batch, what bounds the fleet), each with its slack."""
    f = {k: float(v.value) for k, v in plan.figures.items()}
    point, dep = sizing.limit, _batch_deployment(plan.design)
    batch = [
        _slack("KV-cache memory", point.batch, f["max_sequences_by_memory"], "sequences"),
        _slack(
            "engine batch limit",
            point.batch,
            dep.max_batch or engine_batch_limit(dep),
            "sequences",
        ),
        _slack("prefill token budget", point.prefill_load, 1.0, "fraction of chunk room"),
    ]
    if sizing.tpot_budget_s is not None:
        batch.append(_slack("time-per-token budget", point.tpot_s, sizing.tpot_budget_s, "s"))
    fleet = [_slack("arrival rate (slot utilisation)", sizing.utilization, MAX_UTILIZATION, "")]
    for check in target_checks(plan):
        if check.limit_s is not None and check.plan_s is not None:
            fleet.append(_slack(f"SLA {check.target}", check.plan_s, check.limit_s, "s"))
    return batch, fleet


def _batch_deployment(design: DesignBase) -> Deployment:
    """The deployment whose batch the plan sizes: the decode pool's when disaggregated."""
    split = design.disaggregation
    return (split.decode.deployment or design.deployment) if split else design.deployment


def pools_label(design: DesignBase, prefill: int, decode: int) -> str:
    """'320 prefill × TP4 on H100-SXM + 95 decode × TP4 on H200' (disaggregated designs)."""
    split = design.disaggregation
    if split is None:
        return ""
    parts = []
    for name, count in (("prefill", prefill), ("decode", decode)):
        pool = getattr(split, name)
        gpu = (pool.hardware or design.hardware).name
        layout = (pool.deployment or design.deployment).layout
        parts.append(f"{count:,} {name} × {layout} on {gpu}")
    return " + ".join(parts)


def _planned_pools(plan: Plan) -> str:
    f = plan.figures
    if "decode_replicas" not in f:
        return ""
    counts = int(f["prefill_replicas"].value), int(f["decode_replicas"].value)
    return pools_label(plan.design, *counts)


def recommend(plan: Plan, outcome: PlanOutcome) -> Recommendation:
    """The one recommended deployment of a serving plan (closed form); see the module doc.
    An infeasible one says why; the planner adds its cheapest fix (`relaxation`)."""
    from napkin.calibration.uncertainty import interval_for

    d, f = plan.design, plan.figures
    base = Recommendation(
        design=d.name,
        kind=d.kind,
        model=d.model.name,
        gpu=d.hardware.name,
        precision=d.deployment.precision.value,
        tp=d.deployment.tp,
        layout=d.deployment.layout,
        notes=_precision_notes(d),
        feasible=False,
        source="closed form",
        targets=target_checks(plan),
    )
    sizing = outcome.search.sizing if outcome.search else None
    if not plan.fits or sizing is None or "model_monthly_cost_usd" not in f:
        why = outcome.infeasible or f"the model does not fit: {plan.fit_reason}"
        return base.with_(infeasible=why)
    batch, fleet = constraints(plan, sizing)
    batch_bind = min(batch, key=lambda c: c.slack)
    fleet_bind = min(fleet, key=lambda c: c.slack)
    return base.with_(
        feasible=True,
        replicas=int(f["model_replicas_provisioned"].value),
        gpus=int(f["model_gpus_provisioned"].value),
        gpus_interval=interval_for(
            d, float(f["model_gpus_provisioned"].value), "throughput", inverse=True
        ),
        batch=sizing.limit.batch,
        pools=_planned_pools(plan),
        monthly_cost_usd=interval_for(
            d, float(f["model_monthly_cost_usd"].value), "throughput", inverse=True
        ),
        usd_per_million_output_tokens=interval_for(
            d, float(f["model_usd_per_million_output_tokens"].value), "throughput", inverse=True
        ),
        tokens_per_s_per_gpu=interval_for(
            d, float(f["model_tokens_per_s_per_gpu"].value), "throughput"
        ),
        binding=f"batch limited by {batch_bind.name}; fleet by {fleet_bind.name}",
        constraints=(*batch, *fleet),
        token_prices=_token_prices(f),
        api_alternative=_api_alternative(f),
    )


def _token_prices(f: dict[str, Figure]) -> TokenPrices | None:
    keys = (
        "model_input_usd_per_million_tokens",
        "model_cached_input_usd_per_million_tokens",
        "model_output_usd_per_million_tokens",
        "model_fleet_utilisation",
        "model_usd_per_million_output_tokens_at_full_load",
    )
    if not all(k in f for k in keys):
        return None
    return TokenPrices(*(float(f[k].value) for k in keys))


def _api_alternative(f: dict[str, Figure]) -> str:
    """The cheapest listed API at the design's volume, against the fleet."""
    if "api_monthly_cost_usd" not in f:
        return ""
    provider = str(f["api_usd_per_request"].detail).split(",")[0]
    month = float(f["api_monthly_cost_usd"].value)
    ratio = float(f["self_hosted_over_api"].value)
    return f"{provider}: ${month / 1e6:,.3g}M/month at this volume (the fleet costs {ratio:.2f}×)"


def _precision_notes(design: DesignBase) -> tuple[str, ...]:
    """Say when the weights' format is not one the GPU computes in (A100 fp8, H100 FP4)."""
    gpu, precision = design.hardware, design.deployment.precision
    if gpu.native(precision):
        return ()
    text = gpu.math_of(precision)
    return (text[0].upper() + text[1:] + ".",)
