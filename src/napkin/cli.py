"""The `napkin` command: a thin shell over the Python API (`napkin.load_design`, `napkin.plan`).

Bad input prints one clear message (file, field, allowed values) and exits with status 2.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from napkin.errors import NapkinError, refuse_overwrite, writable
from napkin.sim.router import Router
from napkin.units import Precision

app = typer.Typer(
    name="napkin",
    help="LLM systems-design napkin math you can trust: every figure with unit and provenance.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
USAGE_ERROR = 2
PUBLISHED = Path(__file__).parent / "calibration" / "published.csv"


class CatalogKind(str, Enum):
    gpus = "gpus"
    models = "models"


def _console():  # noqa: ANN202 - rich is imported lazily to keep start-up fast
    from rich.console import Console

    return Console()


@contextmanager
def _steps(quiet: bool, total: int | None = None) -> Iterator[Callable[[str], None]]:
    """A Rich progress bar on stderr; each `step(text)` names the stage now running and counts
    the one before it done. Silent under --quiet or --json, so scripts get clean output."""
    if quiet:
        yield lambda text: None
        return
    from rich.progress import Progress

    with Progress(transient=True, console=_console_err()) as bar:
        task = bar.add_task("starting", total=total)
        begun: list[bool] = []

        def step(text: str) -> None:
            bar.update(task, description=text, advance=1 if begun else 0)
            begun.append(True)

        yield step


def _json(value: object) -> str:
    """Strict JSON (`napkin.strict_json`): NaN and infinities are written as null."""
    from napkin import strict_json

    return strict_json.dumps(value)


def _write(path: Path, text: str) -> None:
    """Write text to a file; an OS error becomes one message naming the path."""
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise NapkinError(f"cannot write: {error.strerror or error}", file=str(path)) from None


def _fail(error: NapkinError) -> None:
    typer.echo(f"napkin: error: {error}", err=True)
    raise typer.Exit(USAGE_ERROR)


@app.command("plan")
def plan_command(
    design: Annotated[
        str, typer.Argument(help="built-in design name (e.g. chatbot) or a YAML design file")
    ],
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set", help="override a field: path=value, e.g. workload.dau=20e6 (repeatable)"
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
    explain: Annotated[
        bool,
        typer.Option("--explain", help="show each formula's inputs and each figure's full source"),
    ] = False,
    profile: Annotated[
        str | None, typer.Option("--profile", help="efficiency profile saved by `napkin calibrate`")
    ] = None,
    sheet: Annotated[
        bool, typer.Option("--sheet", help="print the full capacity sheet after the answer")
    ] = False,
    verify: Annotated[
        bool,
        typer.Option(
            "--verify",
            help="decide the replica count in simulation (3 seeds, 5%% margin; seconds to a "
            "minute) instead of the closed form",
        ),
    ] = False,
) -> None:
    """The recommended deployment and its SLA verdict; the capacity sheet with --sheet."""
    from napkin.planner import plan
    from napkin.specs.loader import load_design

    try:
        result = plan(load_design(design, set_ or (), profile))
    except NapkinError as error:
        _fail(error)
        return
    if verify:
        from napkin.sim.sla_check import verified

        result = verified(result)
    if as_json:
        typer.echo(_json(result.to_json()))
        return
    from napkin.render.terminal import render_plan

    render_plan(result, _console(), explain, sheet)


@app.command("catalog")
def catalog_command(
    kind: Annotated[CatalogKind, typer.Argument(help="gpus or models")],
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """List the shipped GPU or model catalog, with sources."""
    from napkin.render.catalog import render_gpus, render_models
    from napkin.specs import catalog

    entries = catalog.gpus() if kind is CatalogKind.gpus else catalog.models()
    if as_json:
        typer.echo(_json([e.model_dump(mode="json") for e in entries]))
        return
    render = render_gpus if kind is CatalogKind.gpus else render_models
    _console().print(render(entries))


@app.command("designs")
def designs_command() -> None:
    """List the built-in designs: name, kind and description."""
    from napkin.specs.loader import builtin_designs, load_design

    for name in builtin_designs():
        design = load_design(name)
        typer.echo(f"{name:18s} {design.kind:18s} {design.description or ''}")


class BoardFormat(str, Enum):
    terminal = "terminal"
    mermaid = "mermaid"
    dot = "dot"
    svg = "svg"


@app.command("whiteboard")
def whiteboard_command(
    design: Annotated[str, typer.Argument(help="built-in design name or a YAML design file")],
    form: Annotated[BoardFormat, typer.Option("--format", help="output notation")] = (
        BoardFormat.terminal
    ),
    set_: Annotated[list[str] | None, typer.Option("--set", help="override a field")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="write to a file")] = None,
    force: Annotated[bool, typer.Option("--force", help="overwrite --output")] = False,
    profile: Annotated[
        str | None, typer.Option("--profile", help="efficiency profile saved by `napkin calibrate`")
    ] = None,
) -> None:
    """The design's architecture, every box carrying the plan's numbers."""
    from napkin.planner import plan
    from napkin.render.whiteboard import Format, render
    from napkin.specs.loader import load_design

    try:
        text = render(plan(load_design(design, set_ or (), profile)), Format(form.value))
        if output is None:
            typer.echo(text, nl=False)
            return
        writable(output, force)
        _write(output, text)
    except NapkinError as error:
        _fail(error)


class Kind(str, Enum):
    chatbot = "chatbot"
    coding_agent = "coding-agent"
    finetune_service = "finetune-service"
    code_completion = "code-completion"
    eval_harness = "eval-harness"


@app.command("new")
def new_command(
    kind: Annotated[Kind, typer.Argument(help="kind of system")],
    path: Annotated[Path, typer.Argument(help="design file to write")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="take every default")] = False,
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="pre-answer a question: path=value")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="overwrite an existing file")] = False,
) -> None:
    """Clarify first: answer the kind's questions (Enter keeps the default) into a design."""
    from napkin.clarify import Question, clarify, write_design

    def ask(question: Question, default: str) -> str:
        return str(typer.prompt(question.text, default=default, show_default=True))

    try:
        writable(path, force)
        raw = clarify(
            kind.value,
            path.stem,
            None if yes else ask,
            tuple(set_ or ()),
            report=lambda text: typer.echo(text, err=True),
        )
        write_design(raw, path, force)
    except OSError as error:
        _fail(NapkinError(f"cannot write: {error.strerror or error}", file=str(path)))
        return
    except NapkinError as error:
        _fail(error)
        return
    typer.echo(f"wrote {path}; plan it with: napkin plan {path}")


@app.command("drill")
def drill_command(
    design: Annotated[str, typer.Argument(help="built-in serving design or a YAML file")],
    failure: Annotated[str | None, typer.Option(help="one drill (default: the register's)")] = None,
    at: Annotated[float | None, typer.Option(help="when the fault starts (s)")] = None,
    count: Annotated[int | None, typer.Option(help="replicas the fault hits")] = None,
    param: Annotated[
        list[str] | None,
        typer.Option(
            help="drill parameter key=value (checked: an unknown key lists each drill's "
            "parameters with type and bounds)"
        ),
    ] = None,
    duration: Annotated[float, typer.Option(help="simulated seconds per arm")] = 300.0,
    replicas: Annotated[int | None, typer.Option(help="replicas in the slice")] = None,
    seed: Annotated[int, typer.Option(help="seed for every random draw")] = 0,
    set_: Annotated[list[str] | None, typer.Option("--set", help="override a field")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress bar")] = False,
    yes: Annotated[
        bool, typer.Option("--yes", help="run even when estimated over 2 min or 4 GB")
    ] = False,
) -> None:
    """Inject each failure mode into the simulation: baseline, failure, failure + mitigation."""
    import yaml
    from pydantic import ValidationError

    from napkin.drills.jobs import JOB_DRILLS, JOB_HOURS, JOB_PARAMS, run_job_drill
    from napkin.drills.run import (
        check_params,
        register_drills,
        require_drill_size,
        run_drill,
        unknown_params,
    )
    from napkin.drills.serving import DRILLS, PARAMS
    from napkin.planner import plan
    from napkin.sim.options import SimOptions
    from napkin.specs.design import SERVING_KINDS
    from napkin.specs.loader import load_design

    try:
        _check_seed(seed)
        try:
            options = SimOptions(duration_s=duration, seed=seed, replicas=replicas)
        except ValidationError as error:
            raise _option_error(error) from None
        planned = plan(load_design(design, set_ or ()))
        _require_fleet(planned)
        extra: dict[str, object] = {}
        for text in param or ():
            key, _, value = text.partition("=")
            if not key or not _:
                raise NapkinError(f"--param expects key=value, got {text!r}")
            extra[key] = yaml.safe_load(value)
        if at is not None:
            extra["at_s"] = at
        if count is not None:
            extra["count"] = count
        register = register_drills(planned)
        if failure is not None:
            params = next((p for _, d, p in register if d == failure), {})
            register = [(failure, failure, params)]
        results = []
        jobs = planned.design.kind == "finetune-service"
        serving = planned.design.kind in SERVING_KINDS
        known = JOB_DRILLS if jobs else DRILLS if serving else {}
        runnable = [entry for entry in register if entry[1] in known]
        declared = JOB_PARAMS if jobs else PARAMS
        if failure is not None and failure in known:
            unknown_params(failure, list(extra), declared[failure])
        elif runnable:  # every drill of the register: a key must fit one of them
            union = {k: v for _, d, _ in runnable for k, v in declared[d].items()}
            unknown_params("(any in the register)", list(extra), union)
        # bounds known now (the slice's replicas and slots only when a drill runs): refuse
        # a bad value before the first drill runs, not after the others
        limits = {"duration_s": JOB_HOURS if jobs else duration, "replicas": math.inf}
        for _, drill, _ in runnable:
            mine = declared[drill]
            given = {k: v for k, v in extra.items() if k in mine}
            check_params(drill, given, mine, {**limits, "slots": math.inf})
        if serving and runnable and not yes:
            from napkin.sim.footprint import DEFAULT_BUDGET

            require_drill_size(planned, options, len(runnable), DEFAULT_BUDGET)
        skipped = [
            (mode, drill, "not simulated: no model of this failure")
            for mode, drill, _ in register
            if drill not in known
        ]
        with _steps(quiet or as_json, len(runnable)) as step:
            for mode, drill, params in runnable:
                step(f"drill: {mode}")
                mine = declared[drill]
                merged = {**params, **{k: v for k, v in extra.items() if k in mine}}
                result = (
                    run_job_drill(planned, drill, merged, JOB_HOURS, seed)
                    if jobs
                    else run_drill(planned, drill, merged, options, budget=None)
                )
                results.append((mode, result))
        if failure is not None and not results:
            allowed = ", ".join(known) or "none (drills simulate serving and fine-tuning)"
            raise NapkinError(
                f"no drill {failure!r} for a {planned.design.kind} design; drills: {allowed}",
                field="--failure",
            )
    except NapkinError as error:
        flags = {"at_s": ("--at", at), "count": ("--count", count)}
        for key, (flag, value) in flags.items():
            if error.field == f"--param {key}" and value is not None:
                error.field = flag  # name what the user typed
        _fail(error)
        return
    if as_json:
        typer.echo(
            _json(
                {
                    "design": planned.design.name,
                    "drills": [{"failure_mode": m, **r.to_json()} for m, r in results],
                    "not_simulated": [
                        {"failure_mode": m, "drill": d, "reason": why} for m, d, why in skipped
                    ],
                }
            )
        )
        return
    from napkin.render.drill import detail, summary

    console = _console()
    if failure is not None and results and not jobs:  # `detail` reads request windows
        console.print(detail(results[0][1]))
    else:
        console.print(summary(results, skipped))


def _require_fleet(planned) -> None:  # noqa: ANN001 - Plan is imported lazily
    """Refuse to drill a serving design that has no planned fleet: it does not fit, or no
    fleet meets its SLA. Other kinds pass (their drills need no serving fleet)."""
    from napkin.specs.design import SERVING_KINDS

    if planned.design.kind not in SERVING_KINDS or "model_replicas_provisioned" in planned.figures:
        return
    why = planned.fit_reason if not planned.fits else "; ".join(planned.notes)
    verdict = "does not fit" if not planned.fits else "has no fleet that meets its SLA"
    raise NapkinError(
        f"{planned.design.name} {verdict}, so there is no fleet to drill ({why}); "
        "change the deployment (e.g. --set deployment.tp=...) and plan it first",
        field="napkin drill",
    )


def _csv(text: str | None) -> tuple[str, ...] | None:
    return tuple(x.strip() for x in text.split(",") if x.strip()) if text else None


@app.command("optimize")
def optimize_command(
    design: Annotated[str, typer.Argument(help="built-in serving design or a YAML file")],
    gpus: Annotated[str | None, typer.Option(help="comma-separated GPUs to try")] = None,
    precisions: Annotated[str | None, typer.Option(help="comma-separated precisions")] = None,
    tps: Annotated[str | None, typer.Option(help="comma-separated TP degrees")] = None,
    models: Annotated[str | None, typer.Option(help="comma-separated alternative models")] = None,
    price: Annotated[list[str] | None, typer.Option(help="GPU=USD per GPU-hour")] = None,
    objective: Annotated[str, typer.Option(help="cost or cpqu (cost per quality unit)")] = "cost",
    quality_file: Annotated[
        Path | None,
        typer.Option("--quality", help="your quality scores: [{model, precision, score}]"),
    ] = None,
    executor: Annotated[str, typer.Option(help="local or ray")] = "local",
    ray_address: Annotated[str | None, typer.Option(help="Ray cluster address")] = None,
    verify: Annotated[int, typer.Option(help="cheapest candidates to simulate")] = 3,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="write the chosen design")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="overwrite --output")] = False,
    set_: Annotated[list[str] | None, typer.Option("--set", help="override a field")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress bar")] = False,
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
        if objective not in ("cost", "cpqu"):
            raise NapkinError("allowed: cost, cpqu", field="--objective")
        if executor not in ("local", "ray"):
            raise NapkinError("allowed: local, ray", field="--executor")
        if output is not None:
            writable(output, force)  # before the search, not after it
        base = tuple(set_ or ())
        as_written = plan(load_design(design, base))
        prices = _prices(price, as_written)
        fields: dict[str, object] = {"price_overrides": prices}
        for name, value in (
            ("gpus", _csv(gpus)),
            ("precisions", _csv(precisions)),
            ("models", _csv(models)),
        ):
            if value:
                fields[name] = value
        if tps:
            fields["tps"] = tuple(int(x) for x in _csv(tps) or ())
        pool = RayExecutor(ray_address) if executor == "ray" else LocalExecutor()
        user = load_user_quality(quality_file) if quality_file else None
        with _steps(quiet or as_json, verify + 1) as step:
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
            )
        if output is not None and result.chosen is not None:
            _write_chosen(design, base, result.chosen.overrides, output, force)
    except NapkinError as error:
        _fail(error)
        return
    except ValueError as error:
        _fail(NapkinError(str(error), field="--tps"))
        return
    if as_json:
        typer.echo(_json(result.to_json()))
        return
    from napkin.render.optimize import render_optimum

    _console().print(render_optimum(result))


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
    _write(output, design_yaml(design, (*base, *overrides), header))


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
    set_: Annotated[list[str] | None, typer.Option("--set", help="override a field")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """What each cost lever saves alone and all together, and its latency effect."""
    from napkin.optimize.levers import levers

    try:
        results = levers(design, tuple(set_ or ()))
    except NapkinError as error:
        _fail(error)
        return
    if as_json:
        typer.echo(_json([r.to_json() for r in results]))
        return
    from napkin.render.optimize import render_levers

    _console().print(render_levers(results))


class ArrivalChoice(str, Enum):
    poisson = "poisson"
    gamma = "gamma"
    diurnal = "diurnal"


@app.command("simulate")
def simulate_command(
    design: Annotated[str, typer.Argument(help="built-in serving design or a YAML file")],
    set_: Annotated[list[str] | None, typer.Option("--set", help="override a field")] = None,
    profile: Annotated[str | None, typer.Option(help="efficiency profile")] = None,
    qps: Annotated[float | None, typer.Option(help="arrival rate (default: planned peak)")] = None,
    duration: Annotated[float, typer.Option(help="simulated seconds of arrivals")] = 600.0,
    seed: Annotated[int, typer.Option(help="seed for every random draw")] = 0,
    replicas: Annotated[int | None, typer.Option(help="replicas (default: planned)")] = None,
    router: Annotated[Router, typer.Option(help="routing policy")] = Router.round_robin,
    central_queue: Annotated[
        bool,
        typer.Option(
            "--central-queue", help="hold requests at the gateway until a replica has a slot"
        ),
    ] = False,
    arrival: Annotated[ArrivalChoice, typer.Option(help="arrival process")] = (
        ArrivalChoice.poisson
    ),
    cv: Annotated[float, typer.Option(help="gamma arrivals: coefficient of variation")] = 1.0,
    trace: Annotated[Path | None, typer.Option(help="replay a JSONL/CSV trace instead")] = None,
    max_seqs: Annotated[int | None, typer.Option(help="sequences per replica")] = None,
    prefix_cache: Annotated[
        float, typer.Option(help="fraction of KV kept for session prefixes (0 disables)")
    ] = 0.0,
    queue_timeout: Annotated[
        float | None, typer.Option(help="seconds before a waiting request times out")
    ] = None,
    max_context: Annotated[float | None, typer.Option(help="gateway context limit")] = None,
    tenant_qps: Annotated[float | None, typer.Option(help="per-tenant rate limit")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress bar")] = False,
    yes: Annotated[
        bool, typer.Option("--yes", help="run even when estimated over 2 min or 4 GB")
    ] = False,
) -> None:
    """Simulate the planned fleet: latency percentiles, goodput, queues, plan vs simulation."""
    from pydantic import ValidationError

    from napkin.planner import plan
    from napkin.sim.footprint import DEFAULT_BUDGET
    from napkin.sim.options import SimOptions
    from napkin.sim.run import simulate
    from napkin.specs.loader import load_design

    try:
        _check_seed(seed)
        options = SimOptions(
            duration_s=duration,
            seed=seed,
            qps=qps,
            replicas=replicas,
            router=router,
            central_queue=central_queue,
            arrival=arrival.value,
            cv=cv,
            max_seqs=max_seqs,
            prefix_cache_fraction=prefix_cache,
            queue_timeout_s=queue_timeout,
            max_context_tokens=max_context,
            tenant_qps=tenant_qps,
        )
    except ValidationError as error:
        _fail(_option_error(error))
        return
    except NapkinError as error:
        _fail(error)
        return
    try:
        planned = plan(load_design(design, set_ or (), profile))
        budget = None if yes else DEFAULT_BUDGET
        if as_json or quiet:
            result = simulate(planned, options, trace, budget=budget)
        else:
            result = _simulate_with_progress(planned, options, trace, budget)
    except NapkinError as error:
        _fail(error)
        return
    if as_json:
        typer.echo(_json(result.to_json()))
        return
    from napkin.render.simulation import render_simulation

    _console().print(render_simulation(result))


# SimOptions fields -> the flags that set them, so a message names what the user typed.
SIM_FLAGS = {
    "duration_s": "--duration",
    "prefix_cache_fraction": "--prefix-cache",
    "queue_timeout_s": "--queue-timeout",
    "max_context_tokens": "--max-context",
}


def _check_seed(seed: int) -> None:
    """A seed numpy accepts: 0 to 2**32 - 1 (bounded, not mapped, so runs stay comparable)."""
    if not 0 <= seed < 2**32:
        raise NapkinError(f"must be between 0 and {2**32 - 1}, got {seed}", field="--seed")


def _option_error(error: Exception) -> NapkinError:
    """The first pydantic error of SimOptions, naming the real CLI flag."""
    item = error.errors()[0]  # type: ignore[attr-defined]
    name = str(item["loc"][0]) if item["loc"] else ""
    return NapkinError(item["msg"], field=SIM_FLAGS.get(name, "--" + name.replace("_", "-")))


def _simulate_with_progress(planned, options, trace, budget):  # noqa: ANN001, ANN202
    from rich.progress import Progress

    from napkin.sim.run import simulate

    with Progress(transient=True, console=_console_err()) as bar:
        task = bar.add_task("simulating", total=options.duration_s)
        result = simulate(
            planned, options, trace, lambda t: bar.update(task, completed=t), budget=budget
        )
    return result


def _console_err():  # noqa: ANN202
    from rich.console import Console

    return Console(stderr=True)


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


REPORT_FORMATS = {".html": "html", ".htm": "html", ".md": "markdown", ".json": "json"}


@app.command("report")
def report_command(
    design: Annotated[str, typer.Argument(help="built-in design or a YAML file")],
    html: Annotated[Path | None, typer.Option("--html", help="write the HTML report")] = None,
    markdown: Annotated[
        Path | None, typer.Option("--markdown", help="write the Markdown report")
    ] = None,
    json_path: Annotated[Path | None, typer.Option("--json", help="write every figure")] = None,
    out: Annotated[
        list[Path] | None,
        typer.Option("--out", "-o", help="file to write, format from .html, .md or .json"),
    ] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="override a field")] = None,
    simulate_s: Annotated[
        float, typer.Option("--simulate", help="simulated seconds (0 skips the simulation)")
    ] = 60.0,
    optimize: Annotated[
        bool, typer.Option("--optimize/--no-optimize", help="include the design search")
    ] = True,
    drills: Annotated[bool, typer.Option("--drills", help="include failure drills")] = False,
    verify: Annotated[
        bool,
        typer.Option(
            "--verify/--no-verify",
            help="decide the fleet in simulation (default; ~15 s) or report the closed form",
        ),
    ] = True,
    force: Annotated[bool, typer.Option("--force", help="overwrite existing files")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress messages")] = False,
    yes: Annotated[
        bool, typer.Option("--yes", help="run even when estimated over 2 min or 4 GB")
    ] = False,
) -> None:
    """Write a shareable report: sheet, whiteboard, claims, SLA, charts, risks, cost levers.

    HTML is one self-contained file (inline SVG, no network); Markdown carries the whiteboard
    as a Mermaid block, which GitHub and most wikis draw; JSON holds every figure.
    """
    name = Path(design).stem if design.endswith((".yaml", ".yml")) else design
    chosen = {path: REPORT_FORMATS.get(path.suffix.lower()) for path in out or ()}
    chosen |= {
        p: kind for p, kind in ((html, "html"), (markdown, "markdown"), (json_path, "json")) if p
    }
    chosen = chosen or {Path(f"{name}-report.html"): "html"}
    try:
        for path, kind in chosen.items():
            if kind is None:
                raise NapkinError(
                    f"unknown report format {path.suffix or '(none)'!r}; "
                    f"allowed: {', '.join(REPORT_FORMATS)}",
                    field="--out",
                )
            writable(path, force)
        if simulate_s < 0:
            raise NapkinError("must be zero or more seconds", field="--simulate")
        from napkin.report.contents import gather
        from napkin.sim.footprint import DEFAULT_BUDGET

        with _steps(quiet) as step:
            budget = None if yes else DEFAULT_BUDGET
            contents = gather(
                design, tuple(set_ or ()), simulate_s, optimize, drills, step, verify, budget
            )
    except NapkinError as error:
        _fail(error)
        return
    for path, kind in chosen.items():
        if kind == "html":
            from napkin.report.html import render_html

            text = render_html(contents)
        elif kind == "markdown":
            from napkin.report.markdown import render_markdown

            text = render_markdown(contents)
        else:
            text = _json(contents.to_json())
        try:
            _write(path, text)
        except NapkinError as error:
            _fail(error)
        if not quiet:
            typer.echo(f"napkin: wrote {path} ({len(text) / 1024:,.0f} KiB)", err=True)


def _exec_streamlit(command: list[str], env: dict[str, str]) -> None:
    """Replace this process with Streamlit, so stopping `napkin ui` (Ctrl-C, SIGTERM) stops
    the server itself: no child is left running. Where exec cannot replace the process
    (Windows), run it as a child, pass on Ctrl-C and SIGTERM, and wait for it to end."""
    import os

    sys.stdout.flush()
    sys.stderr.flush()
    if os.name == "posix":
        os.execve(command[0], command, env)
    import signal
    import subprocess

    child = subprocess.Popen(command, env=env)

    def forward(signum: int, frame: object) -> None:  # noqa: ARG001 - signal handler shape
        child.send_signal(signum)

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, forward)
    raise typer.Exit(child.wait())


@app.command("ui")
def ui_command(
    design: Annotated[str, typer.Argument(help="design to open first")] = "chatbot",
    port: Annotated[int, typer.Option(help="port to serve on")] = 8501,
    host: Annotated[
        str,
        typer.Option(help="address to listen on (0.0.0.0 exposes the page to the network)"),
    ] = "127.0.0.1",
) -> None:
    """Open the interactive page: edit the traffic, model, GPU and SLA; see the sheet,
    whiteboard and verdict; run simulations and drills; save the YAML or a report."""
    import importlib.util
    import os

    if importlib.util.find_spec("streamlit") is None:
        _fail(NapkinError("needs Streamlit: pip install 'napkin[ui]'", field="napkin ui"))
    try:
        from napkin.specs.loader import load_design

        load_design(design)
    except NapkinError as error:
        _fail(error)
    page = Path(__file__).parent / "ui" / "app.py"
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(page),
        "--server.address",
        host,
        "--server.port",
        str(port),
        "--browser.gatherUsageStats",
        "false",
    ]
    _exec_streamlit(command, {**os.environ, "NAPKIN_UI_DESIGN": design})


@app.command("validate")
def validate_command(
    path: Annotated[
        Path | None,
        typer.Argument(
            help="measurements: napkin CSV, vLLM bench JSON or GuideLLM JSON "
            "(default: the shipped published set)"
        ),
    ] = None,
    profile: Annotated[
        str | None,
        typer.Option("--profile", help="predict with this profile instead of the shipped ones"),
    ] = None,
    gpu: Annotated[str | None, typer.Option(help="GPU the JSON benchmark ran on")] = None,
    model: Annotated[str | None, typer.Option(help="model the JSON benchmark ran")] = None,
    tp: Annotated[int, typer.Option(min=1, help="tensor-parallel degree")] = 1,
    precision: Annotated[Precision, typer.Option(help="weight precision")] = Precision.bf16,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """Measured vs predicted for every row, then median and P90 error per metric."""
    from napkin.calibration.ingest import read_measurements
    from napkin.calibration.validate import compare, statistics, unexplained
    from napkin.specs.profile import load_profile

    try:
        source = path or PUBLISHED
        rows = compare(
            read_measurements(source, _conditions(gpu, model, tp, precision, "")),
            load_profile(profile) if profile else None,
        )
    except NapkinError as error:
        _fail(error)
        return
    stats = statistics(rows)
    if as_json:
        typer.echo(
            _json(
                {
                    "source": str(source),
                    "rows": [r.to_json() for r in rows],
                    "stats": [s.to_json() for s in stats],
                    "unexplained": [r.measurement.id for r in unexplained(rows)],
                }
            )
        )
        return
    from napkin.render.validation import render_validation

    _console().print(render_validation(rows, stats))
    missing = unexplained(rows)
    if missing:
        typer.echo(
            f"rows off by more than 2x with no explanation: "
            f"{', '.join(r.measurement.id for r in missing)}"
        )


@app.command("calibrate")
def calibrate_command(
    path: Annotated[Path, typer.Argument(help="napkin CSV, vLLM bench JSON or GuideLLM JSON")],
    name: Annotated[str, typer.Option("--name", help="name to save the profile under")],
    gpu: Annotated[str | None, typer.Option(help="GPU the benchmark ran on")] = None,
    model: Annotated[str | None, typer.Option(help="model the benchmark ran")] = None,
    tp: Annotated[int, typer.Option(min=1, help="tensor-parallel degree")] = 1,
    precision: Annotated[Precision, typer.Option(help="weight precision")] = Precision.bf16,
    engine: Annotated[str, typer.Option(help="engine and version, for the record")] = "user",
    force: Annotated[bool, typer.Option("--force", help="replace a profile of this name")] = False,
) -> None:
    """Fit the efficiency knobs to your own benchmark runs and save a named profile."""
    from napkin.calibration.fit import fit, profile_from_fit
    from napkin.calibration.ingest import read_measurements
    from napkin.calibration.validate import compare, statistics
    from napkin.specs.profile import check_profile_name, save_profile

    try:
        check_profile_name(name)
        rows = read_measurements(path, _conditions(gpu, model, tp, precision, engine))
        gpus = sorted({m.gpu for m in rows})
        if len(gpus) != 1:
            raise NapkinError(f"a profile is for one GPU; this file has {gpus}", file=str(path))
        result = fit(rows, gpus[0])
        profile = profile_from_fit(result, name, engine, f"{path} ({len(rows)} rows)")
        saved = save_profile(profile, force)
    except NapkinError as error:
        _fail(error)
        return
    for stat in statistics(compare(rows, profile)):
        typer.echo(
            f"{stat.metric.value}: {stat.rows} rows, median error {stat.median_ape:.1%},"
            f" P90 {stat.p90_ape:.1%}"
        )
    typer.echo(
        f"compute_fraction {profile.compute_fraction}, bandwidth_fraction "
        f"{profile.bandwidth_fraction}, step_overhead_s {profile.step_overhead_s}"
    )
    for warning in profile.warnings:
        typer.echo(f"warning: {warning}", err=True)
    typer.echo(f"saved {saved}; use it with: napkin plan DESIGN --profile {name}")


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except NapkinError as error:  # raised outside a command body (e.g. a broken catalog)
        typer.echo(f"napkin: error: {error}", err=True)
        sys.exit(USAGE_ERROR)


if __name__ == "__main__":
    main()
