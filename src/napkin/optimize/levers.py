"""`napkin levers`: what each cost lever saves alone, and all together.

A lever is a set of `--set` overrides (or, for autoscaling, a closed-form scaling of the
provisioned fleet); each is planned with the same capacity engine as the design itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from napkin.errors import NapkinError
from napkin.planner import Plan, plan
from napkin.specs.design import SERVING_KINDS
from napkin.specs.loader import load_design


@dataclass(frozen=True)
class LeverResult:
    name: str
    overrides: tuple[str, ...]
    monthly_cost_usd: float
    saving_usd: float
    ttft_p99_s: float
    e2e_p99_s: float
    note: str

    def to_json(self) -> dict[str, Any]:
        return self.__dict__ | {"overrides": list(self.overrides)}


def _levers(base: Plan) -> dict[str, tuple[tuple[str, ...], str]]:
    d = base.design
    out: dict[str, tuple[tuple[str, ...], str]] = {
        "quantise to fp8": (("deployment.precision=fp8",), "weights and KV in fp8"),
        "quantise to int4": (("deployment.precision=int4",), "weight-only int4, KV in bf16"),
    }
    if d.model.mla is None and d.model.num_kv_heads > 1:
        out["MQA model (1 KV head)"] = (
            ("model.num_kv_heads=1",),
            "the same model with one KV head: smaller KV cache, "
            "larger batches (a quality cost not modelled)",
        )
    if d.kind == "code-completion" and d.completion.speculation is None:
        out["speculative decoding"] = (
            (
                "completion.speculation={draft_model: "
                "deepseek-coder-1.3b, draft_tokens: 4, "
                "acceptance_rate: 0.7}",
            ),
            "a 1.3B draft",
        )
    if d.kind == "coding-agent":
        out["prefix caching (full)"] = (
            ("agent.prefix_caching=full",),
            "cache the whole conversation, not only the static prefix",
        )
    return out


def _result(
    name: str,
    overrides: tuple[str, ...],
    planned: Plan,
    base_cost: float,
    note: str,
    scale: float = 1.0,
) -> LeverResult:
    f = planned.figures
    if not planned.fits or "model_monthly_cost_usd" not in f:
        return LeverResult(
            name,
            overrides,
            float("nan"),
            float("nan"),
            float("nan"),
            float("nan"),
            f"does not fit: {planned.fit_reason}",
        )
    cost = float(f["model_monthly_cost_usd"].value) * scale
    misses = [c.target for c in planned.sla if not c.meets]
    if misses:
        note += f"; misses {', '.join(misses)}"
    return LeverResult(
        name,
        overrides,
        cost,
        base_cost - cost,
        float(f["ttft_p99_estimate_s"].value),
        float(f["e2e_p99_estimate_s"].value),
        note,
    )


def autoscaling_scale(base: Plan) -> tuple[float, str]:
    """Provisioning for the diurnal curve instead of the peak all day: the plan's own
    autoscaled cost over its peak-all-day cost (`sections.pricing_mix`: whole replicas an
    hour, each hour ready for the next, at least one replica); else mean load / peak load =
    1 / peak_to_average."""
    f = base.figures
    if "model_autoscaled_monthly_cost_usd" in f and "model_monthly_cost_usd" in f:
        scale = float(f["model_autoscaled_monthly_cost_usd"].value) / float(
            f["model_monthly_cost_usd"].value
        )
        return scale, (
            "whole replicas each hour follow the day's curve, each hour provisioned for the "
            "larger of it and the next (scale-up lag up to an hour), at least one replica"
        )
    ratio = f.get("peak_to_average")
    if ratio is None or float(ratio.value) <= 1:
        return 1.0, "no diurnal peak stated (peak_to_average = 1)"
    return 1 / float(ratio.value), (
        f"GPU-hours follow the load: mean / peak = 1 / "
        f"{float(ratio.value):g} (autoscaling lag not modelled)"
    )


def _training_levers(base: Plan) -> list[LeverResult]:
    """Fine-tuning: spot capacity for the jobs that checkpoint (the plan's own figures)."""
    f = base.figures
    cost, spot = float(f["monthly_cost_usd"].value), float(f["spot_usd_saved_per_month"].value)
    nan = float("nan")
    return [
        LeverResult("as written", (), cost, 0.0, nan, nan, "the design's own plan"),
        LeverResult(
            "spot capacity for interruptible jobs",
            (),
            cost - spot,
            spot,
            nan,
            nan,
            "spot_eligible_fraction of the busy GPUs at spot_price_fraction",
        ),
    ]


def levers(design: str, base_overrides: tuple[str, ...] = ()) -> list[LeverResult]:
    base = plan(load_design(design, base_overrides))
    if "spot_usd_saved_per_month" in base.figures:
        return _training_levers(base)
    if "model_monthly_cost_usd" not in base.figures:
        if base.design.kind in SERVING_KINDS:
            why = base.fit_reason if not base.fits else "no fleet meets its SLA"
            raise NapkinError(
                f"{base.design.name} has no planned fleet to price, so no lever applies: {why}",
                field="napkin levers",
            )
        raise NapkinError(
            f"levers apply to serving designs ({', '.join(SERVING_KINDS)}) and the "
            f"fine-tuning service; {base.design.name} is a {base.design.kind} design",
            field="napkin levers",
        )
    base_cost = float(base.figures["model_monthly_cost_usd"].value)
    results = [_result("as written", (), base, base_cost, "the design's own plan")]
    combined: list[str] = []
    for name, (overrides, note) in _levers(base).items():
        planned = plan(load_design(design, (*base_overrides, *overrides)))
        result = _result(name, overrides, planned, base_cost, note)
        results.append(result)
        if result.saving_usd > 0 and name != "quantise to int4":
            combined.extend(overrides)
    scale, note = autoscaling_scale(base)
    results.append(_result("autoscale to the diurnal curve", (), base, base_cost, note, scale))
    together = plan(load_design(design, (*base_overrides, *combined)))
    results.append(
        _result(
            "all together",
            tuple(combined),
            together,
            base_cost,
            "every saving lever above (fp8 rather than int4), then autoscaling",
            scale,
        )
    )
    return results
