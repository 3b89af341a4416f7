"""`napkin optimize` and `napkin levers`: the cheapest design that meets the SLA, and what
each single change is worth."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from napkin.cli.shell import (
    JsonOut,
    Overrides,
    Price,
    Quiet,
    app,
    csv_items,
    emit,
    fail,
    json_text,
    progress_steps,
    stdout_console,
    with_price,
    write_new_file,
)
from napkin.errors import NapkinError, refuse_overwrite, writable
from napkin.optimize.executor import ExecutorKind
from napkin.optimize.objective import Objective


@app.command("optimize")
def optimize_command(
    design: Annotated[str, typer.Argument(help="built-in serving design or a YAML file")],
    gpus: Annotated[str | None, typer.Option(help="comma-separated GPUs to try")] = None,
    precisions: Annotated[str | None, typer.Option(help="comma-separated precisions")] = None,
    tps: Annotated[str | None, typer.Option(help="comma-separated TP degrees")] = None,
    models: Annotated[str | None, typer.Option(help="comma-separated alternative models")] = None,
    engines: Annotated[
        str | None, typer.Option(help="comma-separated engines, e.g. vllm,sglang,tensorrt-llm")
    ] = None,
    layouts: Annotated[
        str | None, typer.Option(help="comma-separated layouts: tp, dp, ep, dp-ep, dp-ep-tbo (MoE)")
    ] = None,
    pps: Annotated[
        str | None, typer.Option(help="comma-separated pipeline-stage counts (default 1)")
    ] = None,
    modes: Annotated[
        str | None,
        typer.Option(help="aggregated, disaggregated or both (prefill/decode pools)"),
    ] = None,
    prefill_gpus: Annotated[
        str | None, typer.Option(help="prefill-pool GPUs to try (default: --gpus)")
    ] = None,
    prefill_tps: Annotated[
        str | None, typer.Option(help="prefill-pool TP degrees (default: --tps)")
    ] = None,
    price: Annotated[list[str] | None, typer.Option(help="GPU=USD per GPU-hour")] = None,
    objective: Annotated[
        Objective | None,
        typer.Option(
            help="cost; cpqu (cost per quality unit); within a budget, traffic (the most "
            "traffic) or latency (the lowest P99); default cost, or traffic with a budget"
        ),
    ] = None,
    budget_gpus: Annotated[
        int | None,
        typer.Option(
            "--budget-gpus", "--gpus-available", help="fixed budget: at most this many GPUs"
        ),
    ] = None,
    budget_usd: Annotated[
        float | None,
        typer.Option(
            "--budget-usd", "--budget", help="fixed budget: at most this many USD a month"
        ),
    ] = None,
    quality_file: Annotated[
        Path | None,
        typer.Option("--quality", help="your quality scores: [{model, precision, score}]"),
    ] = None,
    executor: Annotated[ExecutorKind, typer.Option(help="where candidates are planned")] = (
        ExecutorKind.local
    ),
    ray_address: Annotated[str | None, typer.Option(help="Ray cluster address")] = None,
    verify: Annotated[int, typer.Option(help="cheapest candidates to simulate")] = 3,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="write the chosen design")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="overwrite --output")] = False,
    set_: Overrides = None,
    as_json: JsonOut = False,
    quiet: Quiet = False,
) -> None:
    """The cheapest design that meets the SLA: screen, Pareto front, verify in simulation."""
    from napkin.optimize.executor import LocalExecutor, RayExecutor
    from napkin.optimize.quality import load_user_quality
    from napkin.optimize.search import optimize
    from napkin.optimize.space import Space
    from napkin.optimize.verify import simulate_candidate
    from napkin.planner import plan
    from napkin.specs.loader import load_design

    try:
        if output is not None:
            writable(output, force)  # before the search, not after it
        base = tuple(set_ or ())
        as_written = plan(load_design(design, base))
        prices = _prices(price, as_written)
        fields: dict[str, object] = {"price_overrides": prices}
        for name, value in (
            ("gpus", csv_items(gpus)),
            ("precisions", csv_items(precisions)),
            ("models", csv_items(models)),
            ("engines", _engines(csv_items(engines))),
            ("layouts", _layouts(csv_items(layouts))),
            ("modes", csv_items(modes)),
            ("prefill_gpus", csv_items(prefill_gpus)),
        ):
            if value:
                fields[name] = value
        if tps:
            fields["tps"] = _tps(tps)
        if pps:
            fields["pps"] = _tps(pps, "--pps")
        if prefill_tps:
            fields["prefill_tps"] = _tps(prefill_tps, "--prefill-tps")
        spend = None
        if budget_gpus is not None or budget_usd is not None:
            from napkin.optimize.budget import Spend

            spend = Spend(budget_gpus, budget_usd)
        if objective is None:
            objective = Objective.traffic if spend is not None else Objective.cost
        pool = RayExecutor(ray_address) if executor is ExecutorKind.ray else LocalExecutor()
        user = load_user_quality(quality_file) if quality_file else None
        with progress_steps(quiet or as_json, verify + 1) as step:
            step("screening candidates")

            def verified(overrides: tuple[str, ...]) -> tuple[bool, str]:
                step("simulating " + (", ".join(overrides) or "the design as written"))
                return simulate_candidate(design, overrides, base)

            result = optimize(
                design,
                Space(**fields),
                as_written.design.kind,
                base,
                pool,
                verify,
                objective,
                user,
                verified,
                as_written.design.disaggregation is not None,
                spend,
                pool if executor is ExecutorKind.ray else None,  # verify there too
            )
        if output is not None and result.chosen is not None:
            _write_chosen(design, base, result.chosen.overrides, output, force)
    except NapkinError as error:
        fail(error)
        return
    from napkin.render.optimize import render_optimum

    emit(result, as_json, lambda: render_optimum(result))


def _prices(given: list[str] | None, as_written) -> dict[str, float]:  # noqa: ANN001
    """The design's own price assumption for its GPU, then --price GPU=USD entries."""
    from napkin.optimize.space import design_prices

    prices = design_prices(as_written.design)
    for text in given or ():
        name, _, value = text.partition("=")
        try:
            prices[name] = float(value)
        except ValueError:
            raise NapkinError(f"expected GPU=USD, got {text!r}", field="--price") from None
    return prices


def _write_chosen(
    design: str, base: tuple[str, ...], overrides: tuple[str, ...], output: Path, force: bool
) -> None:
    from napkin.specs.loader import design_yaml, raw_design

    refuse_overwrite(output, force)
    before = raw_design(design, base)
    lines = [f"Chosen by `napkin optimize {design}`. What it changed from the design:"]
    for text in overrides:
        path, _, value = text.partition("=")
        lines.append(f"  {path}: {_field(before, path)!r} -> {value}")
    hardware = before.get("hardware")
    own_price = isinstance(hardware, dict) and "price_per_gpu_hour_usd" in hardware
    new_gpu = any(o.startswith("hardware=") for o in overrides)
    priced = any(o.startswith("hardware.price_per_gpu_hour_usd=") for o in overrides)
    if own_price and new_gpu and not priced:
        lines.append(
            f"  your price ${hardware['price_per_gpu_hour_usd']}/GPU-h was for "
            f"{hardware.get('gpu')}; the new GPU is priced from the catalog (use --price)"
        )
    lines.append("  claims dropped (they describe the original); YAML comments are not kept")
    header = "\n# ".join(lines)
    write_new_file(output, design_yaml(design, (*base, *overrides), header))


def _field(data: dict, path: str) -> object:  # noqa: ANN401 - any YAML value
    """The value at a dotted path of a raw design, or None."""
    value: object = data
    for key in path.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    if isinstance(value, dict) and "gpu" in value:
        return value["gpu"]
    return value


@app.command("levers")
def levers_command(
    design: Annotated[str, typer.Argument(help="built-in serving design or a YAML file")],
    set_: Overrides = None,
    price: Price = None,
    as_json: JsonOut = False,
) -> None:
    """What each cost lever saves alone and all together, and its latency effect."""
    from napkin.optimize.levers import levers

    try:
        results = levers(design, with_price(set_, price))
    except NapkinError as error:
        fail(error)
        return
    if as_json:
        typer.echo(json_text([r.to_json() for r in results]))
        return
    from napkin.render.optimize import render_levers

    stdout_console().print(render_levers(results))


def _tps(text: str, flag: str = "--tps") -> tuple[int, ...]:
    """`--tps 4,8` as whole TP degrees; anything else names the flag and what was given."""
    out = []
    for item in csv_items(text) or ():
        try:
            out.append(int(item))
        except ValueError:
            raise NapkinError(f"TP degrees are whole numbers, got {item!r}", field=flag) from None
    return tuple(out)


def _layouts(names: tuple[str, ...] | None) -> tuple[str, ...] | None:
    """Each --layouts item, checked against `optimize.space.LAYOUTS`."""
    from napkin.optimize.space import LAYOUTS

    for name in names or ():
        if name not in LAYOUTS:
            raise NapkinError(
                f"unknown layout {name!r}; choose from {', '.join(LAYOUTS)}", field="--layouts"
            )
    return names


def _engines(names: tuple[str, ...] | None) -> tuple[str, ...] | None:
    """Each --engines item as its preset's name (an unknown one is a clear error)."""
    from napkin.specs.engine import find_engine

    return tuple(find_engine(n, "--engines").name for n in names) if names else None
