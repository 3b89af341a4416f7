"""`napkin optimize` in the terminal names the cheapest design in its first lines, and a
dearer choice reads "costs more", never a negative saving."""

from __future__ import annotations

import io
from math import inf

import pytest
from rich.console import Console

from napkin.optimize.search import Optimum, Screened, optimize
from napkin.optimize.space import Space
from napkin.render.format import format_value
from napkin.render.optimize import gpu_and_tp, named, render_optimum, saving_text

WRITTEN = Screened((), True, "", 6.0e6, 12.0, "llama-3.1-70b", "bf16", 3480)
CHOSEN = Screened(
    ("hardware=H200", "hardware.price_per_gpu_hour_usd=1.0", "deployment.tp=8"),
    True,
    "",
    1.8e6,
    9.0,
    "llama-3.1-70b",
    "fp8",
    96,
)


def _optimum(chosen: Screened | None = CHOSEN, written: Screened = WRITTEN) -> Optimum:
    verified = [(chosen, True, "not simulated")] if chosen else []
    return Optimum("chatbot", written, [written, CHOSEN], [CHOSEN], verified, chosen, "cost", 0.1)


def _lines(o: Optimum) -> list[str]:
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(render_optimum(o))
    return console.export_text().splitlines()


def _money(usd: float) -> str:
    return format_value(usd, "USD/month")


def test_gpu_and_tp_come_from_the_overrides() -> None:
    assert gpu_and_tp(CHOSEN.overrides) == ("H200", 8)
    assert gpu_and_tp(("deployment.tp=2", "model=qwen2.5-32b")) == (None, 2)
    assert gpu_and_tp(()) == (None, None)


def test_named_spells_out_the_choice() -> None:
    n = named(_optimum())
    assert n is not None
    assert (n.gpu, n.precision, n.tp, n.model, n.gpus) == ("H200", "fp8", 8, "llama-3.1-70b", 96)
    assert n.monthly_cost_usd == 1.8e6 and n.saving_usd == pytest.approx(4.2e6)
    assert named(_optimum(chosen=None)) is None


def test_first_line_names_gpu_precision_tp_model_gpus_cost_and_saving() -> None:
    first = _lines(_optimum())[0]
    assert first.startswith("cheapest design: H200, fp8, TP 8, llama-3.1-70b: 96 GPUs")
    assert _money(1.8e6) in first
    assert f"saves {_money(4.2e6)} against the design as written" in first


def test_a_dearer_choice_costs_more_and_no_line_shows_a_negative_saving() -> None:
    assert "saves" in "\n".join(_lines(_optimum()))  # control: the normal case
    dear = _optimum(written=Screened((), True, "", 1.0e6, 12.0, "llama-3.1-70b", "bf16", 500))
    lines = _lines(dear)
    assert f"costs {_money(0.8e6)} more than the design as written" in lines[0]
    assert not any("-$" in line or "saving of" in line for line in lines)


def test_no_candidate_is_said_on_the_first_line() -> None:
    assert "no candidate meets the SLA" in _lines(_optimum(chosen=None))[0]


@pytest.mark.parametrize(
    ("saving", "words"),
    [
        (0.0, "costs the same as the design as written"),
        (inf, "the design as written has no cost to compare with"),
        (-2.0e5, f"costs {format_value(2.0e5, 'USD/month')} more than the design as written"),
        (3.0e5, f"saves {format_value(3.0e5, 'USD/month')} against the design as written"),
    ],
)
def test_saving_text(saving: float, words: str) -> None:
    assert saving_text(saving) == words


def test_a_real_search_is_named_in_the_terminal() -> None:
    space = Space(gpus=("H200",), precisions=("fp8",), tps=(4, 8), batch_caps=(None,))
    result = optimize("chatbot", space, "chatbot", verify=0)
    assert result.chosen is not None
    gpus = f"{result.chosen.gpus:,} GPUs"
    first = _lines(result)[0]
    assert first.startswith("cheapest design: H200, fp8, TP ") and gpus in first
