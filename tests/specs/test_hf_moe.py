"""MoE config.json fields of 2025-26 models read into the catalog's shapes."""

from __future__ import annotations

from napkin.specs.catalog import find_model
from napkin.specs.hf_config import model_from_hf_config

# Llama-4 Maverick's text_config, as its config.json states it (catalog source).
MAVERICK = {
    "model_type": "llama4",
    "text_config": {
        "model_type": "llama4_text",
        "num_hidden_layers": 48,
        "hidden_size": 5120,
        "num_attention_heads": 40,
        "num_key_value_heads": 8,
        "head_dim": 128,
        "intermediate_size": 8192,
        "intermediate_size_mlp": 16384,
        "num_local_experts": 128,
        "num_experts_per_tok": 1,
        "interleave_moe_layer_step": 2,
        "vocab_size": 202048,
        "max_position_embeddings": 1048576,
    },
}


def test_llama4_interleaved_moe_and_its_shared_expert():
    # Every second layer is MoE (24 of 48) with 128 experts of width 8,192 and one shared
    # expert; the other 24 have a dense FFN of width 16,384 (intermediate_size_mlp).
    model = model_from_hf_config(MAVERICK, "maverick")
    assert model.moe is not None
    assert (model.moe.first_dense_layers, model.moe.num_shared_experts) == (24, 1)
    assert (model.ffn_size, model.moe.expert_ffn_size) == (16384, 8192)
    catalog = find_model("llama-4-maverick")
    assert model.total_params == catalog.total_params
    assert model.active_params == catalog.active_params


def test_qwen3_moe_dense_layers_and_gpt_oss_top_k():
    qwen = {
        "model_type": "qwen3_moe",
        "num_hidden_layers": 48,
        "hidden_size": 2048,
        "num_attention_heads": 32,
        "num_key_value_heads": 4,
        "head_dim": 128,
        "intermediate_size": 6144,
        "moe_intermediate_size": 768,
        "num_experts": 128,
        "num_experts_per_tok": 8,
        "decoder_sparse_step": 1,
        "mlp_only_layers": [0, 1],
        "vocab_size": 151936,
    }
    model = model_from_hf_config(qwen, "qwen3-moe-two-dense")
    assert model.moe is not None and model.moe.first_dense_layers == 2
    assert model.moe.num_shared_experts == 0
    oss = {
        "model_type": "gpt_oss",
        "num_hidden_layers": 36,
        "hidden_size": 2880,
        "num_attention_heads": 64,
        "num_key_value_heads": 8,
        "head_dim": 64,
        "intermediate_size": 2880,
        "num_local_experts": 128,
        "experts_per_token": 4,
        "vocab_size": 201088,
    }
    model = model_from_hf_config(oss, "oss")
    assert model.moe is not None and model.moe.num_active_experts == 4
