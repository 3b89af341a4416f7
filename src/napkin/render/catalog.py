"""Catalog listings for the terminal."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table

from napkin.specs.hardware import GPU
from napkin.specs.model import Model


def _opt(value: float | None, fmt: str = "{:,.0f}") -> str:
    return "–" if value is None else fmt.format(value)


def render_gpus(entries: Sequence[GPU]) -> Table:
    table = Table(
        title="GPU catalog (dense peaks; sources: napkin catalog gpus --json)", title_justify="left"
    )
    for column in (
        "name",
        "BF16 TFLOP/s",
        "FP8 TFLOP/s",
        "INT8 TOP/s",
        "HBM GiB",
        "HBM TB/s",
        "link GB/s",
        "USD/GPU-h",
        "price source",
    ):
        table.add_column(
            column,
            justify="left" if column in ("name", "price source") else "right",
            no_wrap=column == "name",
        )
    for g in entries:
        table.add_row(
            g.name,
            _opt(g.bf16_dense_tflops, "{:,.1f}"),
            _opt(g.fp8_dense_tflops, "{:,.1f}"),
            _opt(g.int8_dense_tops, "{:,.1f}"),
            f"{g.hbm_gib:g}",
            f"{g.hbm_bandwidth_tb_per_s:g}",
            f"{g.interconnect_gb_per_s:g} ({g.interconnect})",
            f"{g.price_per_gpu_hour_usd:.2f}",
            f"{g.price_source.split(',')[0].strip()} ({g.price_date or 'undated'})",
        )
    return table


def render_models(entries: Sequence[Model]) -> Table:
    table = Table(
        title="model catalog (shapes from each model's config.json)", title_justify="left"
    )
    for column in (
        "name",
        "params",
        "active",
        "layers",
        "hidden",
        "heads",
        "kv heads",
        "head dim",
        "FFN",
        "vocab",
        "context",
        "attention",
    ):
        table.add_column(
            column,
            justify="left" if column in ("name", "attention") else "right",
            no_wrap=column == "name",
        )
    for m in entries:
        active = f"{m.active_params / 1e9:.1f}B" if m.moe else "–"
        table.add_row(
            m.name,
            f"{m.total_params / 1e9:.1f}B",
            active,
            str(m.num_layers),
            f"{m.hidden_size:,}",
            str(m.num_attention_heads),
            str(m.num_kv_heads),
            str(m.head_dim),
            f"{m.ffn_size:,}",
            f"{m.vocab_size:,}",
            f"{m.max_context:,}",
            m.kv_heads_or_latent + (" + MoE" if m.moe else ""),
        )
    return table
