"""What a drill may be told: each drill's parameters with type, bounds and help, and the
checks that refuse a bad one (an unknown key, a wrong type, a value out of bounds) with a
message naming the parameter and what is allowed."""

from __future__ import annotations

from difflib import get_close_matches
from math import isfinite
from typing import Any

from napkin.errors import NapkinError

Params = dict[str, Any]
# A declared parameter: (type, low, high, help). `high` may name a limit known only when the
# drill runs: "replicas" (the slice's replicas) or "duration_s" (the simulated seconds).
Param = tuple[type, float, "float | str", str]

_AT: dict[str, Param] = {"at_s": (float, 0.0, "duration_s", "when the fault starts (s)")}
_COUNT: dict[str, Param] = {
    "count": (int, 1, "replicas", "replicas the fault hits"),
    "decode": (int, 0, 1, "1: hit the decode pool of a disaggregated fleet (else prefill)"),
}


PARAMS: dict[str, dict[str, Param]] = {
    "replica-crash": {
        **_AT,
        **_COUNT,
        "restart_s": (float, 0.0, 86_400.0, "seconds until a crashed replica is back"),
        "spares": (int, 0, 1_000, "warm spare replicas (mitigation)"),
    },
    "stalled-replica": {
        **_AT,
        **_COUNT,
        "stall_s": (float, 0.0, 86_400.0, "seconds the replicas stop progressing"),
        "watchdog_s": (float, 0.0, 86_400.0, "no-progress seconds before a restart"),
        "restart_s": (float, 0.0, 86_400.0, "seconds a watchdog restart takes"),
    },
    "long-prompt-oom": {
        "prompt_tokens": (int, 1, 100_000_000, "tokens of each poison prompt"),
        "fraction": (float, 0.0, 1.0, "fraction of requests that are poison"),
        "restart_s": (float, 0.0, 86_400.0, "seconds until a crashed replica is back"),
    },
    "hot-tenant": {
        **_AT,
        "duration_s": (float, 0.0, "duration_s", "seconds the flood lasts"),
        "tenant_share": (float, 0.0, 1.0, "the hot tenant's share of traffic"),
        "multiplier": (float, 1.0, 1_000.0, "times its share it sends"),
        "limit_factor": (float, 0.0, 1_000.0, "token bucket at this x the fair share"),
    },
    "retry-storm": {
        **_AT,
        "timeout_s": (float, 0.001, 86_400.0, "client timeout (s)"),
        "retries": (int, 0, 100, "retries per user request"),
        "outage_s": (float, 0.0, 86_400.0, "seconds a third of the replicas are down"),
        "backoff_s": (float, 0.0, 86_400.0, "backoff base (s, mitigation)"),
        "breaker_ratio": (float, 0.0, 1.0, "failed-check ratio that opens the breaker"),
        "breaker_window_s": (float, 0.001, 86_400.0, "seconds of checks the breaker reads"),
    },
    "overload": {
        **_AT,
        "duration_s": (float, 0.0, "duration_s", "seconds the overload lasts"),
        "overload_factor": (float, 1.0, 1_000.0, "arrivals x the planned peak"),
        "queue_timeout_s": (float, 0.0, 86_400.0, "shed a request queued this long"),
    },
    "region-failover": {
        **_AT,
        "fraction": (float, 0.0, 1.0, "fraction of replicas in the lost region"),
        "failover_delay_s": (float, 0.0, 86_400.0, "seconds until DNS/BGP moves traffic"),
    },
    "cold-start": {
        **_AT,
        "from_fraction": (float, 0.0, 0.999, "starting fraction of peak traffic"),
        "ramp_s": (float, 0.001, 86_400.0, "seconds of the ramp to peak"),
        "cold_start_s": (float, 0.0, 86_400.0, "seconds a new replica takes to start"),
        "warm_spares": (int, 0, 1_000, "extra warm replicas (mitigation)"),
    },
    "cancellation": {},
    "kv-transfer-stall": {
        **_AT,
        "stall_s": (float, 0.0, 86_400.0, "seconds the prefill-to-decode link carries nothing"),
        "resend_after_s": (float, 0.0, 86_400.0, "stuck seconds before the fallback (mitigation)"),
        "slowdown": (float, 1.0, 1_000.0, "the fallback path's time over the link's"),
    },
    "expert-skew": {
        "imbalance": (float, 1.0, 100.0, "busiest EP rank's load over the mean, unbalanced"),
        "balanced": (float, 1.0, 100.0, "the same with a load balancer (mitigation)"),
    },
    "runaway-loop": {
        "fraction": (float, 0.0, 1.0, "fraction of agent tasks that loop"),
        "multiplier": (float, 1.0, 1_000.0, "times its calls a looping task issues"),
        "cap_factor": (float, 1.0, 1_000.0, "tool-call cap, x a task's normal calls"),
    },
}


def describe_params(declared: dict[str, Param]) -> str:
    """One line per parameter: name, type, bounds and help."""
    return (
        "; ".join(
            f"{key} ({kind.__name__}, {low}..{high}): {text}"
            for key, (kind, low, high, text) in declared.items()
        )
        or "none"
    )


def unknown_params(name: str, keys: list[str], declared: dict[str, Param]) -> None:
    """Refuse a user's parameter the drill does not declare, naming the known ones (closest
    first)."""
    for key in keys:
        if key not in declared:
            close = get_close_matches(key, declared, n=max(1, len(declared)), cutoff=0.0)
            ordered = {k: declared[k] for k in [*close, *declared]}
            raise NapkinError(
                f"drill {name!r} has no parameter {key!r}; known: {describe_params(ordered)}",
                field="--param",
            )


def check_params(
    name: str, params: Params, declared: dict[str, Param], limits: dict[str, float]
) -> None:
    """Check the type and bounds of every declared parameter given; `limits` resolves a
    bound named by a string (e.g. "replicas"). Undeclared keys (a design register's notes)
    are left alone: `unknown_params` refuses them where the user typed them."""
    for key, (kind, low, high_spec, text) in declared.items():
        if key not in params:
            continue
        value = params[key]
        high = limits[high_spec] if isinstance(high_spec, str) else high_spec
        ok_type = isinstance(value, (int, float)) and not isinstance(value, bool)
        if kind is int:
            ok_type = ok_type and float(value).is_integer()
        if not ok_type:
            raise NapkinError(
                f"drill {name!r}: {key} must be a {kind.__name__} ({text}), got {value!r}",
                field=f"--param {key}",
            )
        if not (low <= value <= high) or value != value:
            where = f" ({high_spec} = {high:g})" if isinstance(high_spec, str) else ""
            bounds = f"between {low:g} and {high:g}{where}" if isfinite(high) else f">= {low:g}"
            raise NapkinError(
                f"drill {name!r}: {key} must be {bounds}, got {value!r}",
                field=f"--param {key}",
            )
