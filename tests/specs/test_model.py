"""Parameter counts derived from a model's shape, checked by hand and against publishers."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from napkin.specs.catalog import find_model, models
from napkin.specs.model import Model


def test_llama_8b_parameters_by_hand(llama8b):
    # embeddings: 128256 x 4096 x 2 (untied) = 1,050,673,152
    # per layer: q 4096*4096 + k,v 2*4096*1024 + o 4096*4096 = 41,943,040
    #            FFN 3*4096*14336 = 176,160,768; norms 2*4096 = 8,192 -> 218,112,000
    # 32 layers = 6,979,584,000; final norm 4,096
    assert llama8b.total_params == 1_050_673_152 + 6_979_584_000 + 4_096 == 8_030_261_248


def test_llama_70b_parameters_by_hand(llama70b):
    # embeddings 128256*8192*2 = 2,101,346,304; per layer: attention 150,994,944,
    # FFN 3*8192*28672 = 704,643,072, norms 16,384 -> 855,654,400; x80 = 68,452,352,000
    assert llama70b.total_params == 2_101_346_304 + 68_452_352_000 + 8_192


@pytest.mark.parametrize("model", models(), ids=lambda m: m.name)
def test_shape_agrees_with_publisher_count(model: Model):
    """A wrong layer count or width in the catalog shows up as a parameter mismatch.

    Publishers round (Kimi-K2's "1T" is 1.026T by shape: 3%) and differ on whether the
    input embedding, a lookup, counts as active (OpenAI's gpt-oss counts exclude it)."""
    assert model.params_b is not None, f"{model.name} has no stated parameter count"
    assert model.total_params / 1e9 == pytest.approx(model.params_b, rel=0.03)
    if model.active_params_b is not None:
        lookup = model.vocab_size * model.hidden_size
        counts = (model.active_params / 1e9, (model.active_params - lookup) / 1e9)
        assert any(c == pytest.approx(model.active_params_b, rel=0.03) for c in counts), counts


def test_deepseek_v3_moe_and_mla():
    model = find_model("deepseek-v3")
    assert model.mla is not None and model.moe is not None
    assert model.total_params / 1e9 == pytest.approx(671, rel=0.01)
    assert model.active_params / 1e9 == pytest.approx(37, rel=0.03)
    assert model.kv_heads_or_latent == "MLA (latent 512+64)"


def test_mixtral_active_is_two_of_eight_experts():
    model = find_model("mixtral-8x7b")
    assert model.moe is not None and model.moe.num_active_experts == 2
    # Removing 6 of 8 experts' FFNs (3 * 4096 * 14336 each, 32 layers) from the total.
    assert model.total_params - model.active_params == 6 * 3 * 4096 * 14336 * 32


def test_heads_must_divide():
    with pytest.raises(ValidationError, match="multiple of num_kv_heads"):
        Model(
            name="bad",
            num_layers=2,
            hidden_size=64,
            num_attention_heads=6,
            num_kv_heads=4,
            head_dim=16,
            ffn_size=128,
            vocab_size=100,
            max_context=512,
        )


def test_window_layers_default_to_all_when_a_window_is_set():
    base = dict(
        name="w",
        num_layers=4,
        hidden_size=64,
        num_attention_heads=4,
        num_kv_heads=4,
        head_dim=16,
        ffn_size=128,
        vocab_size=100,
        max_context=512,
    )
    assert Model(**base).windowed_layers == 0
    assert Model(**base, sliding_window=128).windowed_layers == 4
    assert Model(**base, sliding_window=128, sliding_window_layers=3).windowed_layers == 3
