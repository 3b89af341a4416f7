"""What every command shares: the Typer app, the console, progress, strict JSON output,
writing files, and turning a NapkinError into one message and exit status 2."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from napkin.errors import NapkinError

if TYPE_CHECKING:
    from napkin.sim.options import SimOptions

app = typer.Typer(
    name="napkin",
    help="LLM systems-design napkin math you can trust: every figure with unit and provenance.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
USAGE_ERROR = 2
PUBLISHED = Path(__file__).parents[1] / "calibration" / "published.csv"
UNDER_LOAD = Path(__file__).parents[1] / "calibration" / "under_load.csv"  # at a load


def stdout_console():  # noqa: ANN201 - rich is imported lazily to keep start-up fast
    from rich.console import Console

    return Console()


@contextmanager
def progress_steps(quiet: bool, total: int | None = None) -> Iterator[Callable[[str], None]]:
    """A Rich progress bar on stderr; each `step(text)` names the stage now running and counts
    the one before it done. Silent under --quiet or --json, so scripts get clean output."""
    if quiet:
        yield lambda text: None
        return
    from rich.progress import Progress

    with Progress(transient=True, console=stderr_console()) as bar:
        task = bar.add_task("starting", total=total)
        begun: list[bool] = []

        def step(text: str) -> None:
            bar.update(task, description=text, advance=1 if begun else 0)
            begun.append(True)

        yield step


def json_text(value: object) -> str:
    """Strict JSON (`napkin.strict_json`): NaN and infinities are written as null."""
    from napkin import strict_json

    return strict_json.dumps(value)


def write_new_file(path: Path, text: str) -> None:
    """Write text to a file; an OS error becomes one message naming the path."""
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise NapkinError(f"cannot write: {error.strerror or error}", file=str(path)) from None


def emit(result: object, as_json: bool, render: Callable[[], object]) -> None:
    """Print `result` as strict JSON (`--json`), or what `render()` draws for the terminal."""
    if as_json:
        typer.echo(json_text(result.to_json()))  # type: ignore[attr-defined]
        return
    stdout_console().print(render())


def fail(error: NapkinError) -> None:
    typer.echo(f"napkin: error: {error}", err=True)
    raise typer.Exit(USAGE_ERROR)


def with_price(overrides: list[str] | None, price: str | None) -> tuple[str, ...]:
    """`--set` overrides, then what `--price` sets: the GPU-hour price, or the plan (and
    provider) whose listed price replaces the design's."""
    base = tuple(overrides or ())
    if price is None:
        return base
    try:
        usd = float(price)
    except ValueError:
        plan, _, provider = price.partition("@")
        plans = ("on_demand", "reserved_1y", "reserved_3y", "spot")
        if plan not in plans:
            raise NapkinError(
                f"{price!r} is neither a price nor a plan; allowed: USD a GPU-hour (e.g. "
                f"2.5) or {', '.join(plans)}, optionally @PROVIDER",
                field="--price",
            ) from None
        chosen = [f"hardware.pricing={plan}", "hardware.price_per_gpu_hour_usd=null"]
        return (*base, *chosen, *([f"hardware.price_provider={provider}"] if provider else []))
    if not 0 < usd < float("inf"):
        raise NapkinError(f"{price!r}: a GPU-hour price must be above 0", field="--price")
    return (*base, f"hardware.price_per_gpu_hour_usd={usd!r}")


def csv_items(text: str | None) -> tuple[str, ...] | None:
    return tuple(x.strip() for x in text.split(",") if x.strip()) if text else None


SIM_FLAGS = {
    "duration_s": "--duration",
    "prefix_cache_fraction": "--prefix-cache",
    "queue_timeout_s": "--queue-timeout",
    "max_context_tokens": "--max-context",
    "scale_lag_s": "--scale-lag",
    "cold_start_s": "--cold-start",
}


def sim_options(**flags: object) -> SimOptions:
    """SimOptions from a command's flags: the seed checked, and a bad value named by the
    flag the user typed (a NapkinError, exit 2)."""
    from pydantic import ValidationError

    from napkin.sim.options import SimOptions

    check_seed(int(flags.get("seed", 0)))  # type: ignore[call-overload]
    try:
        return SimOptions(**flags)  # type: ignore[arg-type]
    except ValidationError as error:
        raise option_error(error) from None


def check_seed(seed: int) -> None:
    """A seed numpy accepts: 0 to 2**32 - 1 (bounded, not mapped, so runs stay comparable)."""
    if not 0 <= seed < 2**32:
        raise NapkinError(f"must be between 0 and {2**32 - 1}, got {seed}", field="--seed")


def option_error(error: Exception) -> NapkinError:
    """The first pydantic error of SimOptions, naming the real CLI flag."""
    item = error.errors()[0]  # type: ignore[attr-defined]
    name = str(item["loc"][0]) if item["loc"] else ""
    return NapkinError(item["msg"], field=SIM_FLAGS.get(name, "--" + name.replace("_", "-")))


def stderr_console():  # noqa: ANN201 - as stdout_console
    from rich.console import Console

    return Console(stderr=True)


# Options every family shares, defined once (help text included).
Overrides = Annotated[
    list[str] | None, typer.Option("--set", help="override a field, e.g. deployment.tp=4")
]
Price = Annotated[
    str | None,
    typer.Option(
        "--price",
        help="USD a GPU-hour, or a plan from the price list: on_demand, reserved_1y, "
        "reserved_3y, spot (its median; PLAN@PROVIDER for one provider's)",
    ),
]
JsonOut = Annotated[bool, typer.Option("--json", help="print one JSON object")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="no progress bar")]
Seed = Annotated[int, typer.Option(help="seed for every random draw (0 to 2**32 - 1)")]
Force = Annotated[bool, typer.Option("--force", help="overwrite an existing file")]
Yes = Annotated[bool, typer.Option("--yes", help="run even when estimated over 2 min or 4 GB")]
