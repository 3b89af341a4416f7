"""Hugging Face config.json files become the same shapes as the catalog's (offline)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from napkin.errors import NapkinError
from napkin.specs.catalog import find_model
from napkin.specs.hf_config import load_hf_config, model_from_hf_config

FIXTURES = Path(__file__).parent.parent / "fixtures"

SHAPE = (
    "num_layers",
    "hidden_size",
    "num_attention_heads",
    "num_kv_heads",
    "head_dim",
    "ffn_size",
    "vocab_size",
    "tie_word_embeddings",
    "moe",
    "mla",
)


@pytest.mark.parametrize(
    "file, name",
    [
        ("llama-3.1-8b.json", "llama-3.1-8b"),
        ("mixtral-8x7b.json", "mixtral-8x7b"),
        ("deepseek-v3.json", "deepseek-v3"),
    ],
)
def test_fixture_matches_catalog(file, name):
    loaded = load_hf_config(FIXTURES / "hf_configs" / file)
    catalog = find_model(name)
    for field in SHAPE:
        assert getattr(loaded, field) == getattr(catalog, field), field
    assert loaded.total_params == catalog.total_params


def test_nested_text_config_is_found():
    model = load_hf_config(FIXTURES / "hf_configs" / "mistral-small-3.1-24b-instruct.json")
    # Mistral-Small-3.1-24B's language model: 40 layers, hidden 5120, 32/8 heads, dim 128.
    assert (model.num_layers, model.hidden_size, model.num_kv_heads, model.head_dim) == (
        40,
        5120,
        8,
        128,
    )
    assert model.total_params / 1e9 == pytest.approx(23.6, rel=0.02)


def test_sliding_window_disabled_by_flag_and_per_layer_patterns():
    base = {
        "hidden_size": 64,
        "num_attention_heads": 4,
        "num_hidden_layers": 6,
        "vocab_size": 100,
        "intermediate_size": 128,
        "sliding_window": 32,
    }
    assert model_from_hf_config({**base, "use_sliding_window": False}, "q").sliding_window is None
    gemma = {**base, "layer_types": ["sliding_attention"] * 5 + ["full_attention"]}
    model = model_from_hf_config(gemma, "g")
    assert (model.sliding_window, model.windowed_layers) == (32, 5)
    assert model_from_hf_config({**base, "sliding_window_pattern": 3}, "p").windowed_layers == 4


def test_missing_key_names_file_and_field(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"hidden_size": 64, "num_attention_heads": 4}))
    with pytest.raises(NapkinError, match="num_hidden_layers") as caught:
        load_hf_config(path)
    assert str(path) in str(caught.value)


def test_not_json(tmp_path):
    path = tmp_path / "config.json"
    path.write_text("{not json")
    with pytest.raises(NapkinError, match="not a readable JSON config"):
        load_hf_config(path)
