"""What a simulation runs: the traffic and the fleet, derived from a design's plan unless the
user overrides them. Every default is the plan's own figure, so plan and simulation are
compared like for like."""

from __future__ import annotations

from dataclasses import replace
from math import ceil, inf

from pydantic import BaseModel, ConfigDict, Field

from napkin.errors import NapkinError
from napkin.perf.operating_point import CANCEL_AFTER_S, DEFAULT_TOKEN_BUDGET, engine_batch_limit
from napkin.perf.speculation import drafting_of
from napkin.perf.step_model import StepModel
from napkin.planner import Plan
from napkin.sections.two_pools import engine_of, pool_view
from napkin.sim.arrival import ArrivalKind
from napkin.sim.event_loop import FleetConfig
from napkin.sim.gateway import GatewayConfig
from napkin.sim.handoff import DecodePool
from napkin.sim.router import Router
from napkin.sim.scheduling import DraftConfig, ReplicaConfig
from napkin.sim.traffic import Arrivals, Traffic, daily_curve
from napkin.specs.design import (
    ChatbotDesign,
    CodingAgentDesign,
    CompletionDesign,
    ServingDesign,
)


class SimOptions(BaseModel):
    """Overrides of what the plan implies; None keeps the plan's value."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    duration_s: float = Field(default=600.0, gt=0)
    seed: int = 0
    qps: float | None = Field(default=None, gt=0)
    replicas: int | None = Field(default=None, ge=1)  # disaggregated: the prefill pool's
    decode_replicas: int | None = Field(default=None, ge=1)
    router: Router = Router.round_robin
    central_queue: bool = False
    arrival: ArrivalKind = ArrivalKind.poisson
    cv: float = Field(default=1.0, gt=0)
    max_seqs: int | None = Field(default=None, ge=1)
    token_budget: int = Field(default=DEFAULT_TOKEN_BUDGET, ge=1)
    prefix_cache_fraction: float = Field(default=0.0, ge=0, le=1)
    shared_prefix_tokens: float | None = Field(default=None, ge=0)
    queue_timeout_s: float | None = Field(default=None, gt=0)
    max_context_tokens: float | None = Field(default=None, gt=0)
    tenant_qps: float | None = Field(default=None, gt=0)
    tenant_burst: float = Field(default=10.0, ge=1)
    tenant_shares: tuple[float, ...] = (1.0,)
    cancel_after_s: float = Field(default=CANCEL_AFTER_S, gt=0)
    drain_limit_s: float = Field(default=600.0, gt=0)
    sample_interval_s: float = Field(default=1.0, gt=0)
    # Keep every request's record (True), or stream: count what ended and reuse its row
    # (False; memory does not grow with the run). None: keep up to RECORDS_UP_TO requests.
    records: bool | None = None
    # Autoscaling (`sim.autoscaler`): replicas follow the measured arrival rate, between
    # min_replicas and the fleet; a new one is paid from scale_lag_s after it is asked for
    # and serves cold_start_s later. Assumptions, not measurements: a node provisioned in a
    # minute and a 70B model loaded in two (the cold-start drill's default).
    autoscale: bool = False
    min_replicas: int = Field(default=1, ge=1)
    scale_lag_s: float = Field(default=60.0, ge=0)
    cold_start_s: float = Field(default=120.0, ge=0)


def _require_serving(plan: Plan) -> None:
    if not isinstance(plan.design, ChatbotDesign | CodingAgentDesign | CompletionDesign):
        raise NapkinError(
            f"fleets are simulated for serving designs (chatbot, coding-agent, "
            f"code-completion; `napkin simulate` also runs an eval-harness pass); "
            f"{plan.design.name} is a {plan.design.kind}"
        )
    if not plan.fits:
        raise NapkinError(f"the planned replica does not fit: {plan.fit_reason}")


def traffic_of(plan: Plan, options: SimOptions) -> Traffic:
    """Requests as the plan describes them, at the plan's peak unless --qps says otherwise."""
    _require_serving(plan)
    f = {key: fig.value for key, fig in plan.figures.items()}
    design = plan.design
    qps = options.qps or f["peak_qps"]
    # Diurnal: the hourly curve whose peak / average is the design's own (peak = qps).
    hourly = daily_curve(f.get("peak_to_average")) if options.arrival == "diurnal" else None
    arrivals = Arrivals(kind=options.arrival, qps=qps, cv=options.cv, hourly=hourly)
    kv_prompt = f["context_tokens"] - f["output_tokens_per_request"]
    shared = kv_prompt - f["prefill_tokens_per_request"]  # cached history (agents)
    if options.shared_prefix_tokens is not None:
        shared = options.shared_prefix_tokens
    common = dict(
        arrivals=arrivals,
        prompt_tokens=kv_prompt,
        output_tokens=f["output_tokens_per_request"],
        tenant_shares=options.tenant_shares,
        shared_prefix_tokens=shared,
        cancel_after_s=options.cancel_after_s,
    )
    if isinstance(design, ChatbotDesign):
        w = design.workload
        return Traffic(
            **common,
            prompt_distribution=w.input_tokens_distribution,
            output_distribution=w.output_tokens_distribution,
            turns_per_session=w.turns_per_session,
        )
    if isinstance(design, CodingAgentDesign):
        return Traffic(**common, turns_per_session=f["llm_calls_per_task"])
    return Traffic(**common, cancel_fraction=design.completion.cancellation_rate)


def steps_of(plan: Plan) -> StepModel:
    """The step model of the replicas that take arrivals (the prefill pool's, when split)."""
    return StepModel(engine_of(_view(plan, "prefill")))


def _view(plan: Plan, pool: str) -> ServingDesign:
    design = plan.design
    assert isinstance(design, ChatbotDesign | CodingAgentDesign | CompletionDesign)
    return pool_view(design, pool) if design.disaggregation is not None else design


def _speculation(design: ServingDesign) -> DraftConfig | None:
    drafting = drafting_of(design)
    if drafting is None:
        return None
    return DraftConfig(drafting.draft_tokens, drafting.tokens_per_step, StepModel(drafting.draft))


def _planned(plan: Plan, key: str) -> int:
    """A planned figure the run needs; an infeasible plan has none (say which flag to give)."""
    if key not in plan.figures:
        why = plan.recommendation.infeasible if plan.recommendation else plan.fit_reason
        flag = "--replicas" if "replicas" in key else "--max-seqs"
        raise NapkinError(f"no planned {key} to simulate ({why}); give {flag}")
    return int(plan.figures[key].value)


def fleet_of(plan: Plan, options: SimOptions) -> FleetConfig:
    """Replicas, slots and KV capacity from the plan's figures."""
    _require_serving(plan)
    f = {key: fig.value for key, fig in plan.figures.items()}
    per_token = f["kv_bytes_per_token"] * f["kv_replication"]
    capacity = int(f["kv_cache_bytes_per_replica"] / per_token)
    design = _view(plan, "decode")
    replica = ReplicaConfig(
        max_seqs=options.max_seqs or _planned(plan, "decode_batch"),
        token_budget=options.token_budget,
        kv_capacity_tokens=capacity,
        prefix_cache_tokens=int(capacity * options.prefix_cache_fraction),
        queue_timeout_s=options.queue_timeout_s or inf,
        speculation=_speculation(design),
        reserve_output=design.deployment.preset.reserves_whole_request,
        mixes_prefill_and_decode=design.deployment.preset.mixes_prefill_and_decode,
    )
    gateway = GatewayConfig(
        max_context_tokens=options.max_context_tokens or plan.design.model.max_context,
        tenant_qps=options.tenant_qps or inf,
        tenant_burst=options.tenant_burst,
    )
    decode = None
    if plan.design.disaggregation is not None:
        decode = _decode_pool(plan, options, replace(replica, prefilled=True))
        replica = _prefill_replica(plan, options)
    entry = "prefill_replicas" if decode else "model_replicas_provisioned"
    return FleetConfig(
        decode=decode,
        replicas=options.replicas or _planned(plan, entry),
        router=options.router,
        replica=replica,
        gateway=gateway,
        central_queue=options.central_queue,
        sample_interval_s=options.sample_interval_s,
        drain_limit_s=options.drain_limit_s,
    )


def _prefill_replica(plan: Plan, options: SimOptions) -> ReplicaConfig:
    """A prefill-pool replica: prompts only, as many at once as its engine and KV allow."""
    engine = engine_of(_view(plan, "prefill"))
    return ReplicaConfig(
        max_seqs=engine_batch_limit(engine.deployment),
        token_budget=options.token_budget,
        kv_capacity_tokens=engine.kv_capacity_tokens(),
        queue_timeout_s=options.queue_timeout_s or inf,
    )


def _decode_pool(plan: Plan, options: SimOptions, replica: ReplicaConfig) -> DecodePool:
    """The decode pool and the KV link, from the plan's figures."""
    f = {key: fig.value for key, fig in plan.figures.items()}
    per_token = f["kv_transfer_bytes_per_request"] / f["prefill_tokens_per_request"]
    return DecodePool(
        replicas=options.decode_replicas or _planned(plan, "decode_replicas"),
        replica=replica,
        steps=StepModel(engine_of(_view(plan, "decode"))),
        transfer_latency_s=f["kv_transfer_latency_s"],
        transfer_s_per_token=per_token / f["kv_transfer_rate_bytes_per_s"],
    )


def pools_slice(plan: Plan, decode: int, load_qps: float, options: SimOptions) -> SimOptions:
    """`decode` of a disaggregated plan's decode replicas (at most all), the prefill
    replicas that serve their share of the traffic (rounded up), at that share of
    `load_qps`. The decode pool's share is kept exact: near its batch limit its occupancy
    moves fast with load (L = λ · output · T(L))."""
    planned = _planned(plan, "decode_replicas")
    decode = min(decode, planned)
    share = decode / planned
    prefill = max(1, ceil(_planned(plan, "prefill_replicas") * share - 1e-9))
    update = {"replicas": prefill, "decode_replicas": decode, "qps": load_qps * share}
    return options.model_copy(update=update)
