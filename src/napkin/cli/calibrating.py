"""`napkin validate` and `napkin calibrate`: napkin against measurements, and fitting its
knobs to yours."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from napkin.cli.shell import (
    PUBLISHED,
    UNDER_LOAD,
    JsonOut,
    app,
    fail,
    json_text,
    stdout_console,
)
from napkin.errors import NapkinError
from napkin.units import Precision

# Where a benchmark tool's file ran: its files do not record it (a napkin CSV has columns).
RanOnGpu = Annotated[str | None, typer.Option(help="GPU a tool's benchmark file ran on")]
RanModel = Annotated[str | None, typer.Option(help="model a tool's benchmark file ran")]
RanTp = Annotated[int, typer.Option(min=1, help="tensor-parallel degree")]
RanPrecision = Annotated[Precision, typer.Option(help="weight precision")]
RanEngine = Annotated[
    str, typer.Option(help="engine it ran on: vllm, sglang, tensorrt-llm, trtllm-bench")
]


def _conditions(  # noqa: ANN202 - Conditions is imported lazily
    gpu: str | None, model: str | None, tp: int, precision: Precision, engine: str
):
    from napkin.calibration.ingest import Conditions
    from napkin.specs.catalog import find_gpu, find_model

    if gpu is None or model is None:
        return None
    return Conditions(
        find_gpu(gpu, "--gpu").name,
        find_model(model, "--model").name,
        tp,
        precision,
        engine,
        engine,
    )


@app.command("validate")
def validate_command(
    path: Annotated[
        Path | None,
        typer.Argument(
            help="measurements: napkin CSV or a benchmark tool's results file (vLLM, SGLang, "
            "GuideLLM, AIPerf, GenAI-Perf, llmperf, inference-perf; default: the shipped set)"
        ),
    ] = None,
    profile: Annotated[
        str | None,
        typer.Option("--profile", help="predict with this profile instead of the shipped ones"),
    ] = None,
    gpu: RanOnGpu = None,
    model: RanModel = None,
    tp: RanTp = 1,
    precision: RanPrecision = Precision.bf16,
    engine: RanEngine = "vllm",
    simulate: Annotated[
        bool,
        typer.Option(
            "--simulate/--closed-form",
            help="rerun each row's benchmark in the simulator (default), or closed form only",
        ),
    ] = True,
    as_json: JsonOut = False,
) -> None:
    """Measured vs predicted for every row (closed form, and the row's benchmark rerun in
    the simulator), then median, P90 and share within 25% per metric and statistic."""
    from napkin.calibration.ingest import read_measurements
    from napkin.specs.engine import find_engine
    from napkin.specs.profile import load_profile
    from napkin.validate.scores import compare, statistics, unexplained

    try:
        sources = [path] if path else [PUBLISHED, UNDER_LOAD]
        preset = find_engine(engine, "--engine").name
        conditions = _conditions(gpu, model, tp, precision, preset)
        measured = [m for s in sources for m in read_measurements(s, conditions)]
        rows = compare(measured, load_profile(profile) if profile else None, simulate)
    except NapkinError as error:
        if error.file is None and path is not None:
            error.file = str(path)  # a row's problem found after reading: say which file
        fail(error)
        return
    stats = statistics(rows)
    if as_json:
        typer.echo(
            json_text(
                {
                    "sources": [str(s) for s in sources],
                    "rows": [r.to_json() for r in rows],
                    "stats": [s.to_json() for s in stats],
                    "unexplained": [r.measurement.id for r in unexplained(rows)],
                }
            )
        )
        return
    from napkin.render.validation import render_validation

    stdout_console().print(render_validation(rows, stats))
    missing = unexplained(rows)
    if missing:
        typer.echo(
            f"rows off by more than 2x with no explanation: "
            f"{', '.join(r.measurement.id for r in missing)}"
        )


@app.command("calibrate")
def calibrate_command(
    path: Annotated[Path, typer.Argument(help="napkin CSV or a benchmark tool's results file")],
    name: Annotated[str, typer.Option("--name", help="name to save the profile under")],
    gpu: RanOnGpu = None,
    model: RanModel = None,
    tp: RanTp = 1,
    precision: RanPrecision = Precision.bf16,
    engine: RanEngine = "vllm",
    force: Annotated[bool, typer.Option("--force", help="replace a profile of this name")] = False,
) -> None:
    """Fit the efficiency knobs to your own benchmark runs and save a named profile."""
    from napkin.calibration.fit import fit, profile_from_fit
    from napkin.calibration.ingest import read_measurements
    from napkin.specs.engine import find_engine
    from napkin.specs.profile import check_profile_name, save_profile
    from napkin.validate.scores import compare, statistics

    try:
        check_profile_name(name)
        preset = find_engine(engine, "--engine")
        rows = read_measurements(path, _conditions(gpu, model, tp, precision, preset.name))
        gpus = sorted({m.gpu for m in rows})
        if len(gpus) != 1:
            raise NapkinError(f"a profile is for one GPU; this file has {gpus}", file=str(path))
        result = fit(rows, gpus[0])
        software = f"{preset.label} {preset.version}"
        fitted = profile_from_fit(result, name, software, f"{path} ({len(rows)} rows)")
        profile = fitted.model_copy(update={"engine": preset.name})
        saved = save_profile(profile, force)
    except NapkinError as error:
        fail(error)
        return
    for stat in statistics(compare(rows, profile)):
        typer.echo(
            f"{stat.metric.value}: {stat.rows} rows, median error {stat.median_ape:.1%},"
            f" P90 {stat.p90_ape:.1%}"
        )
    typer.echo(
        f"compute_fraction {profile.compute_fraction}, bandwidth_fraction "
        f"{profile.bandwidth_fraction}, step_overhead_s {profile.step_overhead_s}, "
        f"layer_overhead_s {profile.layer_overhead_s}"
    )
    for warning in profile.warnings:
        typer.echo(f"warning: {warning}", err=True)
    typer.echo(f"saved {saved}; use it with: napkin plan DESIGN --profile {name}")
