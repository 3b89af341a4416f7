"""Catalog listings for the terminal. Under 120 columns (and in a pipe) each catalog splits
into two narrower tables, so every column stays whole instead of being cut with "…"."""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from rich.console import Group, RenderableType
from rich.table import Table

from napkin.render.format import ByWidth
from napkin.specs.engine import EnginePreset
from napkin.specs.hardware import GPU
from napkin.specs.model import Model
from napkin.specs.prices import ApiPrice, GpuPrice

GPU_TITLE = "GPU catalog (dense peaks; sources: napkin catalog gpus --json)"
MODEL_TITLE = "model catalog (shapes from each model's config.json)"
# Columns that hold words or sentences; every other column is a right-aligned number.
TEXT_COLUMNS = ("name", "price source", "attention", "link", "interconnect", "engine")
TEXT_COLUMNS += ("mixes steps", "KV reserved", "KV memory", "plan", "provider", "date")


def _opt(value: float | None, fmt: str = "{:,.0f}") -> str:
    return "–" if value is None else fmt.format(value)


def _snug(column: str, cells: list[str]) -> int:
    """The narrowest width that keeps every cell and every word of the header whole."""
    return max(cell_len(text) for text in [*column.split(), *cells])


def _table(title: str, columns: Sequence[str], rows: list[list[str]], snug: bool = False) -> Table:
    """A table whose cells wrap, and fold words too long for their column, never cut.
    `snug` fixes each number column and the name column at its narrowest whole width, so
    that only the text columns wrap when the table is squeezed."""
    table = Table(title=title, title_justify="left")
    for index, column in enumerate(columns):
        justify = "left" if column in TEXT_COLUMNS else "right"
        fixed = snug and (column == "name" or column not in TEXT_COLUMNS)
        width = _snug(column, [row[index] for row in rows]) if fixed else None
        table.add_column(column, justify=justify, overflow="fold", width=width)
    for row in rows:
        table.add_row(*row)
    return table


def _gpu_numbers(g: GPU) -> list[str]:
    return [
        g.name,
        _opt(g.bf16_dense_tflops, "{:,.1f}"),
        _opt(g.fp8_dense_tflops, "{:,.1f}"),
        _opt(g.int8_dense_tops, "{:,.1f}"),
        f"{g.hbm_gib:g}",
        f"{g.hbm_bandwidth_tb_per_s:g}",
        f"{g.interconnect_gb_per_s:g}",
        f"{g.price_per_gpu_hour_usd:.2f}",
    ]


def _price_source(g: GPU) -> str:
    return f"{g.price_source.split(',')[0].strip()} ({g.price_date or 'undated'})"


GPU_NUMBERS = (
    "name",
    "BF16 TFLOP/s",
    "FP8 TFLOP/s",
    "INT8 TOP/s",
    "HBM GiB",
    "HBM TB/s",
    "link GB/s",
    "$/GPU-h",
)


def render_gpus(entries: Sequence[GPU]) -> RenderableType:
    """Every GPU: peaks, memory, link and price; the link kind and price source in a second
    table when narrow."""
    wide = _table(
        GPU_TITLE,
        [*GPU_NUMBERS, "interconnect", "price source"],
        [[*_gpu_numbers(g), g.interconnect, _price_source(g)] for g in entries],
    )
    narrow = Group(
        _table(GPU_TITLE, GPU_NUMBERS, [_gpu_numbers(g) for g in entries], snug=True),
        _table(
            "interconnect and price source",
            ["name", "interconnect", "price source"],
            [[g.name, g.interconnect, _price_source(g)] for g in entries],
            snug=True,
        ),
    )
    return ByWidth(narrow, wide)


MODEL_SIZES = ("name", "params", "active", "layers", "context", "attention")
MODEL_SHAPES = ("name", "hidden", "heads", "kv heads", "head dim", "FFN", "vocab")


def _model_cells(m: Model) -> dict[str, str]:
    return {
        "name": m.name,
        "params": f"{m.total_params / 1e9:.1f}B",
        "active": f"{m.active_params / 1e9:.1f}B" if m.moe else "–",
        "layers": str(m.num_layers),
        "hidden": f"{m.hidden_size:,}",
        "heads": str(m.num_attention_heads),
        "kv heads": str(m.num_kv_heads),
        "head dim": str(m.head_dim),
        "FFN": f"{m.ffn_size:,}",
        "vocab": f"{m.vocab_size:,}",
        "context": f"{m.max_context:,}",
        "attention": m.kv_heads_or_latent + (" + MoE" if m.moe else ""),
    }


def _model_table(
    title: str, columns: Sequence[str], entries: Sequence[Model], snug: bool = False
) -> Table:
    cells = [_model_cells(m) for m in entries]
    return _table(title, columns, [[row[c] for c in columns] for row in cells], snug)


def render_models(entries: Sequence[Model]) -> RenderableType:
    """Every model's shape in one table when wide; sizes and layer shapes apart when narrow."""
    every = [*MODEL_SIZES[:-1], *MODEL_SHAPES[1:], "attention"]
    narrow = Group(
        _model_table(MODEL_TITLE, MODEL_SIZES, entries, snug=True),
        _model_table("model shapes", MODEL_SHAPES, entries, snug=True),
    )
    return ByWidth(narrow, _model_table(MODEL_TITLE, every, entries))


def render_engines(entries: Sequence[EnginePreset]) -> RenderableType:
    """Each engine's defaults, one row per engine; `napkin catalog engines --json` has the
    source of every field."""
    rows = [
        [
            e.name,
            f"{e.label} {e.version} ({e.date})",
            f"{e.max_seqs:,}",
            f"{e.max_batched_tokens:,}",
            "yes" if e.mixes_prefill_and_decode else "prefill first",
            "whole request" if e.reserves_whole_request else "as it grows",
            f"{e.kv_memory_fraction:g} of {e.kv_memory_of.value.replace('_', ' ')}",
        ]
        for e in entries
    ]
    columns = ("name", "engine", "seqs", "tokens/step", "mixes steps", "KV reserved", "KV memory")
    return _table("engines (sources: --json)", columns, rows)


PRICE_TITLE = "GPU prices, USD a GPU-hour, dated (sources: napkin catalog prices --json)"
API_TITLE = "API prices, USD a million tokens, dated (cached: – when the list has none)"


def render_prices(entries: Sequence[GpuPrice | ApiPrice]) -> RenderableType:
    """Both price lists: a GPU's plans side by side with their dates, then the API prices."""
    gpus = [e for e in entries if isinstance(e, GpuPrice)]
    apis = [e for e in entries if isinstance(e, ApiPrice)]
    gpu_rows = [
        [p.gpu, p.pricing.value, f"{p.usd_per_gpu_hour:,.2f}", p.provider, p.date]
        for p in sorted(gpus, key=lambda p: (p.gpu, p.pricing.value, p.usd_per_gpu_hour))
    ]
    api_rows = [
        [
            p.model,
            p.provider,
            f"{p.usd_per_m_input:,.3g}",
            _opt(p.usd_per_m_cached_input, "{:,.3g}"),
            f"{p.usd_per_m_output:,.3g}",
            p.date,
        ]
        for p in sorted(apis, key=lambda p: (p.model, p.usd_per_m_output))
    ]
    return Group(
        _table(PRICE_TITLE, ["name", "plan", "USD/GPU-h", "provider", "date"], gpu_rows),
        _table(API_TITLE, ["name", "provider", "input", "cached", "output", "date"], api_rows),
    )
