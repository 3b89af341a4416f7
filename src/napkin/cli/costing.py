"""`napkin compare-api`: the planned fleet against buying the same tokens from an API."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from napkin.cli.shell import JsonOut, Overrides, Price, app, emit, fail, with_price
from napkin.errors import NapkinError
from napkin.strict_json import finite


class Comparison:
    """What `compare-api` prints: the fleet, every listed API, and the break-even against
    the cheapest under other prices and utilisations."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    def to_json(self) -> dict[str, Any]:
        return finite(self.data)


@app.command("compare-api")
def compare_api_command(
    design: Annotated[str, typer.Argument(help="built-in serving design or a YAML file")],
    set_: Overrides = None,
    price: Price = None,
    as_json: JsonOut = False,
) -> None:
    """Self-hosting against each API's token prices: the bill at the design's volume and
    the volume above which the fleet is cheaper."""
    from napkin.planner import plan
    from napkin.render.api_compare import render_comparison
    from napkin.specs.loader import load_design

    try:
        planned = plan(load_design(design, with_price(set_, price)))
        result = Comparison(comparison(planned))
    except NapkinError as error:
        fail(error)
        return
    emit(result, as_json, lambda: render_comparison(result.data))


def comparison(planned: Any) -> dict[str, Any]:  # noqa: ANN401
    """The comparison as plain data (the Python API behind the command)."""
    from napkin.optimize.quality import benchmark_name, quality
    from napkin.sections.api_alternative import Volume, api_options, sensitivity

    d = planned.design
    f = {k: fig.value for k, fig in planned.figures.items()}
    options = api_options(d.model.name, f)
    if not options:
        why = planned.fit_reason if "model_monthly_cost_usd" not in f else "no API in the list"
        raise NapkinError(f"nothing to compare for {d.model.name}: {why}", field="model")
    volume = Volume.of(f)
    # a disaggregated design prices its pools apart: take the decode pool's for the GPU's
    price = f.get("price_per_gpu_hour_usd", f.get("decode_price_per_gpu_hour_usd"))
    score = quality(d.model.name, d.deployment.precision.value)
    full = quality(d.model.name, "bf16")
    return {
        "design": d.name,
        "model": d.model.name,
        "gpu": d.hardware.name,
        "price_per_gpu_hour_usd": price,
        "requests_per_month": volume.requests_per_month,
        "tokens_per_request": {
            "input": volume.prefill_tokens,
            "cached_input": volume.cached_tokens,
            "output": volume.output_tokens,
        },
        "self_hosted_usd_per_month": f["model_monthly_cost_usd"],
        "replicas": f["model_replicas_provisioned"],
        "fleet_utilisation": f["model_fleet_utilisation"],
        "apis": [o.to_json() for o in options],
        "cheapest": options[0].price.provider,
        "sensitivity": [
            s.to_json()
            for s in sensitivity(
                volume,
                options[0],
                d.hardware.name,
                price,
                f["model_fleet_utilisation"],
            )
        ],
        "quality": {
            "benchmark": benchmark_name(),
            "self_hosted": score,
            "api_assumed": full,
            "self_hosted_usd_per_quality_point_month": (
                f["model_monthly_cost_usd"] / score if score else None
            ),
            "api_usd_per_quality_point_month": options[0].usd_per_month / full if full else None,
        },
    }
