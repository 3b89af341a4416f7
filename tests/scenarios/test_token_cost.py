"""Token classes on the chatbot's fleet (issue #18): each class's GPU time and price, the
fleet's utilisation, and the bill they rebuild, with a prefix cache at 0, 0.5 and 0.95."""

from __future__ import annotations

import pytest

from napkin.planner import plan
from napkin.sections.token_cost import CLASSES
from napkin.specs.loader import load_design


def _figures(*changes: str) -> dict[str, float]:
    return {k: f.value for k, f in plan(load_design("chatbot", list(changes))).figures.items()}


@pytest.mark.parametrize("hit", [0.0, 0.5, 0.95])
def test_the_classes_split_the_bill(hit: float) -> None:
    """400M requests a day of 200 input tokens: 80e9 input tokens a day, (1 − hit) of them
    prefilled and the rest read from the prefix cache; the classes' prices times their
    tokens are the fleet's whole monthly bill."""
    f = _figures(f"workload.prefix_cache_hit_rate={hit}")
    assert f["input_tokens_per_day"] == pytest.approx(80e9 * (1 - hit))
    assert f["cached_input_tokens_per_day"] == pytest.approx(80e9 * hit)
    assert f["context_tokens"] == 500  # cached or not, every input token is in the KV cache
    bill = sum(
        f[f"{name}_tokens_per_day"] * 30 * f[f"model_{name}_usd_per_million_tokens"] / 1e6
        for name in CLASSES
    )
    assert bill == pytest.approx(f["model_monthly_cost_usd"], rel=1e-9)
    busy = sum(f[f"{name}_tokens_per_day"] * f[f"{name}_gpu_s_per_token"] for name in CLASSES)
    assert f["model_fleet_utilisation"] == pytest.approx(
        busy / (f["model_gpus_provisioned"] * 86_400), rel=1e-12
    )
    if hit:
        assert f["model_cached_input_usd_per_million_tokens"] > 0
        assert (
            f["model_cached_input_usd_per_million_tokens"]
            < f["model_input_usd_per_million_tokens"] / 10
        )


def test_a_class_price_is_its_gpu_time_over_utilisation() -> None:
    """$2/GPU-h × input_gpu_s_per_token / 3,600 / utilisation × 10⁶."""
    f = _figures()
    by_hand = 2.0 * f["input_gpu_s_per_token"] / 3600 / f["model_fleet_utilisation"] * 1e6
    assert f["model_input_usd_per_million_tokens"] == pytest.approx(by_hand, rel=1e-12)
    full = f["model_usd_per_million_output_tokens"] * f["model_fleet_utilisation"]
    assert f["model_usd_per_million_output_tokens_at_full_load"] == pytest.approx(full)


def test_a_prefix_cache_shrinks_the_fleet() -> None:
    assert (
        _figures("workload.prefix_cache_hit_rate=0.9")["model_monthly_cost_usd"]
        < _figures()["model_monthly_cost_usd"]
    )


def test_reasoning_tokens_are_output_nobody_reads() -> None:
    f = _figures("workload.reasoning_tokens_per_turn=100")
    # 100 × 400M requests a day × 30 d at the output price
    expected = 100 * 400e6 * 30 * f["model_output_usd_per_million_tokens"] / 1e6
    assert f["model_reasoning_monthly_cost_usd"] == pytest.approx(expected)
    assert "model_reasoning_monthly_cost_usd" not in _figures()


def test_reasoning_cannot_exceed_output() -> None:
    from napkin.errors import NapkinError

    with pytest.raises(NapkinError, match="reasoning_tokens_per_turn"):
        load_design("chatbot", ["workload.reasoning_tokens_per_turn=301"])


def test_a_disaggregated_fleet_prices_each_class_on_its_own_pool() -> None:
    """moe-chat: prompts on the prefill pool, output on the decode pool, each at its
    pool's price and utilisation; the classes still rebuild the bill."""
    f = {k: v.value for k, v in plan(load_design("moe-chat")).figures.items()}
    prefill_busy = f["input_tokens_per_day"] * f["input_gpu_s_per_token"]
    assert f["prefill_utilisation"] == pytest.approx(
        prefill_busy / (f["prefill_gpus"] * 86_400), rel=1e-12
    )
    by_hand = (
        f["decode_price_per_gpu_hour_usd"]
        * f["output_gpu_s_per_token"]
        / 3600
        / f["decode_utilisation"]
        * 1e6
    )
    assert f["model_output_usd_per_million_tokens"] == pytest.approx(by_hand, rel=1e-12)
    bill = sum(
        f[f"{name}_tokens_per_day"] * 30 * f[f"model_{name}_usd_per_million_tokens"] / 1e6
        for name in CLASSES
    )
    assert bill == pytest.approx(f["model_monthly_cost_usd"], rel=1e-9)
    assert f["api_usd_per_request"] > 0  # DeepSeek-R1 is in the API list
