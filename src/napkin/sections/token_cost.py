"""What each kind of token costs: its GPU time on the planned replica, the fleet's real
utilisation, and the price of a million tokens of each class at it (issue #18).

Classes: input (prompt tokens the replica prefills), cached input (prompt tokens found in
the prefix cache: the new tokens attend to them and read their KV, nothing more), output
(decode steps, whose KV reads grow with the whole context). GPU-seconds a token:

    input_gpu_s_per_token = prefill_busy_s(P) / P × gpus_per_replica
        (prompts of P new tokens sharing full-budget steps, `perf.operating_point`)
    cached_input_gpu_s_per_token = (step(P new tokens over C cached) − step(P new)) / C
        × gpus_per_replica
    output_gpu_s_per_token = decode step(decode_batch, mean context) / decode_batch
        × gpus_per_replica
    model_busy_gpu_s_per_day = Σ class tokens_per_day × class gpu_s_per_token
    model_fleet_utilisation = model_busy_gpu_s_per_day / (model_gpus_provisioned × 86,400 s)
    model_<class>_usd_per_million_tokens = price × gpu_s_per_token / 3,600 s
        / model_fleet_utilisation × 10⁶

so the classes together are the fleet's monthly bill, each paying for its own GPU time and
its share of the idle time. Prefill and decode counted apart land within 5% of the mixed
steady state (`tests/scenarios/test_eval_harness.py`).
"""

from __future__ import annotations

from dataclasses import replace

from napkin.capacity import cost
from napkin.figures import Sheet, Source
from napkin.perf.batching import Engine
from napkin.perf.operating_point import DEFAULT_TOKEN_BUDGET, ReplicaSetup, prefill_busy_s
from napkin.perf.ops import mixed_batch
from napkin.perf.roofline import step_time
from napkin.units import DAYS_PER_MONTH

CLASSES = ("input", "cached_input", "output")


def input_tokens_per_day(prefill_tokens_per_request: float, requests_per_day: float) -> float:
    """input_tokens_per_day = prefill_tokens_per_request × requests_per_day"""
    return prefill_tokens_per_request * requests_per_day


def cached_input_tokens_per_day(
    context_tokens: float,
    prefill_tokens_per_request: float,
    output_tokens_per_request: float,
    requests_per_day: float,
) -> float:
    """cached_input_tokens_per_day = (context_tokens − prefill_tokens_per_request −
    output_tokens_per_request) × requests_per_day"""
    cached = context_tokens - prefill_tokens_per_request - output_tokens_per_request
    return max(0.0, cached) * requests_per_day


def model_busy_gpu_s_per_day(
    input_tokens_per_day: float,
    input_gpu_s_per_token: float,
    cached_input_tokens_per_day: float,
    cached_input_gpu_s_per_token: float,
    output_tokens_per_day: float,
    output_gpu_s_per_token: float,
) -> float:
    """model_busy_gpu_s_per_day = input_tokens_per_day × input_gpu_s_per_token +
    cached_input_tokens_per_day × cached_input_gpu_s_per_token + output_tokens_per_day ×
    output_gpu_s_per_token"""
    return (
        input_tokens_per_day * input_gpu_s_per_token
        + cached_input_tokens_per_day * cached_input_gpu_s_per_token
        + output_tokens_per_day * output_gpu_s_per_token
    )


def cached_prefix_s(engine: Engine, new: float, cached: float) -> float:
    """Seconds `cached` prefix tokens add to prefilling `new` tokens: each new token
    attends to all of them, and their KV is read once a layer."""
    window = engine.model.sliding_window
    base = mixed_batch(0.0, 0.0, new, new, window)
    reach = cached if window is None else min(cached, float(window))
    longer = replace(
        base,
        attended=base.attended + new * cached,
        kv_read_tokens=base.kv_read_tokens + cached,
        attended_windowed=base.attended_windowed + new * reach,
        kv_read_windowed=base.kv_read_windowed + reach,
    )
    e = engine
    with_prefix = step_time(e.model, e.gpu, e.deployment, e.efficiency, longer).total_s
    return with_prefix - step_time(e.model, e.gpu, e.deployment, e.efficiency, base).total_s


def gpu_s_per_token(
    prefill: Engine, decode: Engine, token_budget: int, f: dict[str, float]
) -> dict[str, float]:
    """Each class's GPU-seconds a token (module docstring): prompts on `prefill`'s replica,
    output on `decode`'s (the same engine unless the design is disaggregated)."""
    prompt = max(1.0, f["prefill_tokens_per_request"])
    cached = max(0.0, f["context_tokens"] - prompt - f["output_tokens_per_request"])
    batch = max(1.0, f["decode_batch"])
    context = f["context_tokens"] - f["output_tokens_per_request"] / 2
    replica = ReplicaSetup(prefill, token_budget=token_budget)
    gpus, decode_gpus = prefill.deployment.gpus, decode.deployment.gpus
    added = cached_prefix_s(prefill, prompt, cached) / cached * gpus if cached else 0.0
    return {
        "input": prefill_busy_s(replica, prompt) / prompt * gpus,
        "cached_input": added,
        "output": decode.decode_step(batch, context).total_s / batch * decode_gpus,
    }


def add_token_cost(
    sheet: Sheet,
    engine: Engine,
    token_budget: int = DEFAULT_TOKEN_BUDGET,
    decode: Engine | None = None,
) -> None:
    """The token classes, their GPU time, the fleet's utilisation and each class's price
    (needs the demand, performance, fleet and cost figures on the sheet). With `decode`
    (a disaggregated design, `engine` its prefill pool's) each class is priced at its own
    pool's price and utilisation."""
    sheet.section = "token cost"
    sheet.derive(input_tokens_per_day, "tokens/day")
    sheet.derive(cached_input_tokens_per_day, "tokens/day")
    needed = {k: sheet[k] for k in _NEEDED}
    rates = gpu_s_per_token(engine, decode or engine, token_budget, needed)
    for name, seconds in rates.items():
        sheet.add(
            f"{name}_gpu_s_per_token",
            seconds,
            "GPU-s",
            Source.formula,
            formula=_RATE_FORMULAS[name],
        )
    sheet.derive(model_busy_gpu_s_per_day, "GPU-s/day")
    sheet.derive(
        cost.fleet_utilisation,
        "fraction",
        key="model_fleet_utilisation",
        bind={
            "busy_gpu_s_per_day": "model_busy_gpu_s_per_day",
            "gpus_provisioned": gpus_key(sheet),
        },
    )
    if decode is None:
        pools = dict.fromkeys(CLASSES, ("price_per_gpu_hour_usd", "model_fleet_utilisation"))
    else:
        _add_pool_utilisation(sheet)
        pools = {
            name: (f"{pool}_price_per_gpu_hour_usd", f"{pool}_utilisation")
            for name, pool in POOL_OF.items()
        }
    for name in CLASSES:
        price, busy = pools[name]
        sheet.derive(
            cost.usd_per_million_tokens,
            "USD/Mtok",
            key=f"model_{name}_usd_per_million_tokens",
            bind={
                "price_per_gpu_hour_usd": price,
                "gpu_s_per_token": f"{name}_gpu_s_per_token",
                "utilisation": busy,
            },
        )
    if decode is None:
        sheet.derive(model_usd_per_million_output_tokens_at_full_load, "USD/Mtok")
    else:  # each pool's busy dollars, with the whole bill on the output tokens
        busy = sum(
            sheet[f"{name}_tokens_per_day"]
            * sheet[f"model_{name}_usd_per_million_tokens"]
            * sheet[pools[name][1]]
            for name in CLASSES
        )
        sheet.add(
            "model_usd_per_million_output_tokens_at_full_load",
            busy / sheet["output_tokens_per_day"],
            "USD/Mtok",
            Source.formula,
            formula="model_usd_per_million_output_tokens_at_full_load = Σ class tokens_per_day × "
            "its price × its pool's utilisation / output_tokens_per_day",
        )
    if sheet.figures.get("reasoning_tokens_per_day") and sheet["reasoning_tokens_per_day"] > 0:
        sheet.derive(model_reasoning_monthly_cost_usd, "USD/month")


def model_reasoning_monthly_cost_usd(
    reasoning_tokens_per_day: float, model_output_usd_per_million_tokens: float
) -> float:
    """model_reasoning_monthly_cost_usd = reasoning_tokens_per_day × 30 d ×
    model_output_usd_per_million_tokens / 10⁶   (output tokens nobody reads)"""
    return reasoning_tokens_per_day * DAYS_PER_MONTH * model_output_usd_per_million_tokens / 1e6


POOL_OF = {"input": "prefill", "cached_input": "prefill", "output": "decode"}


def _add_pool_utilisation(sheet: Sheet) -> None:
    """Each pool's busy GPU-seconds over its GPUs' day: prompts on the prefill pool, output
    on the decode pool."""
    busy = {
        "prefill": sheet["input_tokens_per_day"] * sheet["input_gpu_s_per_token"]
        + sheet["cached_input_tokens_per_day"] * sheet["cached_input_gpu_s_per_token"],
        "decode": sheet["output_tokens_per_day"] * sheet["output_gpu_s_per_token"],
    }
    for pool, seconds in busy.items():
        classes = "input and cached-input" if pool == "prefill" else "output"
        sheet.add(
            f"{pool}_utilisation",
            cost.fleet_utilisation(seconds, sheet[f"{pool}_gpus"]),
            "fraction",
            Source.formula,
            detail=f"the {classes} tokens' GPU-seconds a day over the pool's",
            formula=f"{pool}_utilisation = busy GPU-s a day / ({pool}_gpus × 86,400 s)",
        )


def gpus_key(sheet: Sheet) -> str:
    return "model_gpus_provisioned" if "model_gpus_provisioned" in sheet else "model_gpus"


def model_usd_per_million_output_tokens_at_full_load(
    model_usd_per_million_output_tokens: float, model_fleet_utilisation: float
) -> float:
    """model_usd_per_million_output_tokens_at_full_load = model_usd_per_million_output_tokens
    × model_fleet_utilisation   (the whole bill over output tokens, every GPU busy)"""
    return model_usd_per_million_output_tokens * model_fleet_utilisation


_NEEDED = ("prefill_tokens_per_request", "context_tokens", "output_tokens_per_request")
_NEEDED += ("decode_batch",)
_RATE_FORMULAS = {
    "input": "input_gpu_s_per_token = prefill_busy_s(prefill_tokens_per_request) / "
    "prefill_tokens_per_request × gpus_per_replica (prompts sharing full-budget steps)",
    "cached_input": "cached_input_gpu_s_per_token = (prefill step over the cached prefix − "
    "without it) / cached tokens × gpus_per_replica",
    "output": "output_gpu_s_per_token = decode step(decode_batch, mean context) / "
    "decode_batch × gpus_per_replica",
}
