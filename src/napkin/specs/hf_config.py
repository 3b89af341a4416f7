"""Read a Hugging Face `config.json` into a `Model`, offline.

Handles the spellings in the wild: GQA/MQA (`num_key_value_heads`), explicit `head_dim`,
MoE (`num_local_experts` / `num_experts` / `n_routed_experts`, `num_experts_per_tok`,
`moe_intermediate_size`, `n_shared_experts`, `first_k_dense_replace`), MLA (`kv_lora_rank`,
...), sliding windows (`sliding_window`, `use_sliding_window`, per-layer `layer_types`), GPT-2
style names (`n_embd`, `n_layer`, `n_head`), and a language model nested under
`text_config`, `language_config`, `llm_config` or `text_model`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from napkin.errors import NapkinError
from napkin.specs.model import MLA, Model, MoE

NESTED_KEYS = ("text_config", "language_config", "llm_config", "text_model", "language_model")
# Shape keys read below. A present value must be a positive whole number (JSON 4096, not
# "4096" or 0); the second set may also be 0, which configs in the wild use for "off".
COUNT_KEYS = (
    "hidden_size", "n_embd", "d_model", "num_attention_heads", "n_head", "num_hidden_layers",
    "n_layer", "num_layers", "vocab_size", "num_key_value_heads", "num_kv_heads", "head_dim",
    "intermediate_size", "n_inner", "ffn_dim", "max_position_embeddings", "n_positions",
    "seq_length", "num_experts_per_tok", "moe_topk", "moe_intermediate_size",
    "shared_expert_intermediate_size", "qk_rope_head_dim", "qk_nope_head_dim", "v_head_dim",
    "sliding_window_pattern", "intermediate_size_mlp", "experts_per_token",
)  # fmt: skip
ZERO_MEANS_OFF_KEYS = (
    "num_local_experts", "n_routed_experts", "num_experts", "n_shared_experts",
    "first_k_dense_replace", "kv_lora_rank", "q_lora_rank", "sliding_window",
    "interleave_moe_layer_step", "decoder_sparse_step",
)  # fmt: skip
UNGATED_TYPES = {"gpt2", "gptj", "gpt_neox", "opt", "bloom", "falcon", "gpt_bigcode", "phi"}


def _first(config: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        if config.get(key) is not None:
            return config[key]
    return None


def _check_counts(config: dict[str, Any], source: str | None) -> None:
    """Every shape value present is a whole number (> 0, or >= 0 where 0 means "off")."""
    for key in COUNT_KEYS + ZERO_MEANS_OFF_KEYS:
        value = config.get(key)
        if value is None:
            continue
        whole = not isinstance(value, bool) and (
            isinstance(value, int) or (isinstance(value, float) and value.is_integer())
        )
        floor = 0 if key in ZERO_MEANS_OFF_KEYS else 1
        if not whole or value < floor:
            kind = "a non-negative" if floor == 0 else "a positive"
            raise NapkinError(
                f"must be {kind} whole number, as a JSON number (got {value!r})",
                file=source,
                field=key,
            )
        config[key] = int(value)


def _language_part(config: dict[str, Any]) -> dict[str, Any]:
    """The dict that holds the decoder's shape (following nested configs)."""
    for key in NESTED_KEYS:
        inner = config.get(key)
        if isinstance(inner, dict) and _first(inner, "hidden_size", "n_embd", "d_model"):
            return _language_part(inner)
    return config


def _dense_layers(config: dict[str, Any], layers: int) -> int:
    """Layers with a dense FFN instead of experts. napkin counts them, not where they sit:
    DeepSeek's first `first_k_dense_replace`; Qwen-MoE's `mlp_only_layers`, and all but
    every `decoder_sparse_step`-th; Llama 4's all but every `interleave_moe_layer_step`-th."""
    if config.get("first_k_dense_replace"):
        return int(config["first_k_dense_replace"])
    step = _first(config, "interleave_moe_layer_step", "decoder_sparse_step") or 1
    sparse = {i for i in range(layers) if (i + 1) % step == 0} if step > 1 else set(range(layers))
    only = config.get("mlp_only_layers")
    if isinstance(only, list):
        sparse -= {i for i in only if isinstance(i, int)}
    return layers - len(sparse)


def _moe(config: dict[str, Any], layers: int) -> MoE | None:
    experts = _first(config, "num_local_experts", "n_routed_experts", "num_experts")
    if not experts or experts <= 1:
        return None
    width = _first(config, "moe_intermediate_size", "intermediate_size")
    shared = config.get("n_shared_experts") or 0
    shared_width = config.get("shared_expert_intermediate_size")
    if not shared and shared_width:  # Qwen-MoE: one shared expert of its own width
        shared = round(shared_width / width)
    if not shared and str(config.get("model_type", "")).startswith("llama4"):
        shared = 1  # Llama 4's MoE layers add one shared expert; its config has no key
    return MoE(
        num_experts=experts,
        num_active_experts=_first(config, "num_experts_per_tok", "experts_per_token", "moe_topk")
        or 1,
        expert_ffn_size=width,
        num_shared_experts=shared,
        first_dense_layers=_dense_layers(config, layers),
    )


def _mla(config: dict[str, Any], source: str | None = None) -> MLA | None:
    if not config.get("kv_lora_rank"):
        return None
    for key in ("qk_rope_head_dim", "qk_nope_head_dim", "v_head_dim"):
        if config.get(key) is None:
            raise NapkinError(
                f"config has kv_lora_rank (MLA) but no {key!r}", file=source, field=key
            )
    return MLA(
        kv_lora_rank=config["kv_lora_rank"],
        q_lora_rank=config.get("q_lora_rank"),
        qk_rope_head_dim=config["qk_rope_head_dim"],
        qk_nope_head_dim=config["qk_nope_head_dim"],
        v_head_dim=config["v_head_dim"],
    )


def _sliding(config: dict[str, Any], layers: int) -> tuple[int | None, int | None]:
    """(window, layers using it). Qwen2 sets a window but disables it with a flag."""
    window = config.get("sliding_window")
    if not window or config.get("use_sliding_window") is False:
        return None, None
    types = config.get("layer_types")
    if isinstance(types, list) and types:
        windowed = sum(1 for t in types if "sliding" in str(t))
        return (window, windowed) if windowed else (None, None)
    pattern = config.get("sliding_window_pattern")  # Gemma 3: every Nth layer is global
    if isinstance(pattern, int) and pattern > 1:
        return window, layers - layers // pattern
    return window, None


def model_from_hf_config(config: dict[str, Any], name: str, source: str | None = None) -> Model:
    """Map a `config.json` dict to a Model; raises NapkinError naming a missing key."""
    lm = dict(_language_part(config))
    _check_counts(lm, source)
    hidden = _first(lm, "hidden_size", "n_embd", "d_model")
    heads = _first(lm, "num_attention_heads", "n_head")
    layers = _first(lm, "num_hidden_layers", "n_layer", "num_layers")
    for key, value in (
        ("hidden_size", hidden),
        ("num_attention_heads", heads),
        ("num_hidden_layers", layers),
        ("vocab_size", lm.get("vocab_size")),
    ):
        if value is None:
            raise NapkinError(
                f"config has no {key!r} (nor a nested language-model config)",
                file=source,
                field=key,
            )
    window, windowed = _sliding(lm, layers)
    model_type = str(lm.get("model_type", ""))
    try:
        return Model(
            name=name,
            hf_repo=config.get("_name_or_path") or None,
            source=source,
            num_layers=layers,
            hidden_size=hidden,
            num_attention_heads=heads,
            num_kv_heads=_first(lm, "num_key_value_heads", "num_kv_heads") or heads,
            head_dim=lm.get("head_dim") or hidden // heads,
            ffn_size=_first(lm, "intermediate_size_mlp", "intermediate_size", "n_inner", "ffn_dim")
            or 4 * hidden,
            ffn_gated=model_type not in UNGATED_TYPES,
            vocab_size=lm["vocab_size"],
            tie_word_embeddings=bool(
                _first(lm, "tie_word_embeddings") or config.get("tie_word_embeddings")
            ),
            max_context=_first(lm, "max_position_embeddings", "n_positions", "seq_length") or 2048,
            sliding_window=window,
            sliding_window_layers=windowed,
            attention_bias=bool(lm.get("attention_bias") or model_type.startswith("qwen2")),
            moe=_moe(lm, layers),
            mla=_mla(lm, source),
        )
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise NapkinError(first["msg"], file=source, field=field) from None


def load_hf_config(path: str | Path, name: str | None = None) -> Model:
    """Read a `config.json` file from disk (no network) into a Model."""
    path = Path(path)
    try:
        config = json.loads(path.read_text())
    except FileNotFoundError:
        raise NapkinError("file not found", file=str(path)) from None
    except (OSError, json.JSONDecodeError) as error:
        raise NapkinError(f"not a readable JSON config: {error}", file=str(path)) from None
    if not isinstance(config, dict):
        raise NapkinError("expected a JSON object", file=str(path))
    return model_from_hf_config(config, name or path.parent.name or path.stem, str(path))
