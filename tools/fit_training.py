"""Predict the MFU of published training runs with `perf.training`, fit one GEMM fraction
per GPU, and report the leave-one-out error (issue #17).

    python tools/fit_training.py benchmarks/training_rows.csv [REPOSITORY]

Fits on the rows of one source repository (default mosaicml/llm-foundry: one MFU
definition throughout) in bf16 on the GPUs of GPU_NAMES.

ROWS.csv carries one published step per row (its source repository, path and commit
kept whole): model shape, GPU, parallelism, batch, checkpointing and the MFU the source
reports. A row whose model is a catalog name uses the catalog's shape; else the shape
columns. The fraction is fitted per GPU on a grid (0.30 to 1.00 by 0.005) by the median
absolute relative error; leave-one-out refits without each row before predicting it.
"""

from __future__ import annotations

import csv
import sys
from dataclasses import replace
from pathlib import Path
from statistics import median

from napkin.errors import NapkinError
from napkin.perf.efficiency import ResolvedEfficiency, resolve
from napkin.perf.training import Training, training_step
from napkin.specs.catalog import find_gpu, find_model
from napkin.specs.model import Model

GPU_NAMES = {"H100-SXM-80GB": "H100-SXM", "A100-80GB": "A100-80GB"}


def _model(row: dict[str, str]) -> Model:
    try:
        return find_model(row["model"])
    except NapkinError:
        hidden, heads = int(row["hidden"]), int(row["heads"])
        return Model(
            name=row["model"],
            num_layers=int(row["layers"]),
            hidden_size=hidden,
            num_attention_heads=heads,
            num_kv_heads=heads,
            head_dim=hidden // heads,
            ffn_size=int(row["ffn"]),
            ffn_gated=False,
            vocab_size=int(row["vocab"]),
            tie_word_embeddings=True,
            max_context=max(int(float(row["seq_len"])), 1),
        )


def _job(row: dict[str, str], eff: ResolvedEfficiency) -> Training:
    gpu = find_gpu(GPU_NAMES.get(row["gpu"], row["gpu"]))
    gpus = int(row["num_gpus"])
    tp, pp = int(row["tp"] or 1), int(row["pp"] or 1)
    dp = int(row["dp"] or gpus // (tp * pp))
    micro = int(float(row["micro_batch"] or 1))
    return Training(
        _model(row),
        gpu,
        eff,
        tp=tp,
        pp=pp,
        dp=dp,
        micro_batch=micro,
        global_batch=int(float(row["global_batch"] or micro * dp)),
        seq_len=int(float(row["seq_len"])),
        checkpointing=row["activation_checkpointing"].strip().lower()
        not in ("", "false", "no", "none", "0", "off"),
        zero_stage=3 if "3" in row["fsdp_or_zero"] or "fsdp" in row["fsdp_or_zero"].lower() else 1,
    )


def predict(row: dict[str, str], fraction: float) -> float:
    gpu = find_gpu(GPU_NAMES.get(row["gpu"], row["gpu"]))
    eff = replace(resolve(None, gpu, None, "vllm"), compute_fraction=fraction)
    return training_step(_job(row, eff)).mfu


GRID = [0.30 + 0.005 * i for i in range(141)]  # GEMM fractions 0.30 to 1.00


def errors(row: dict[str, str]) -> list[float]:
    """The row's relative MFU error at every fraction of GRID."""
    published = float(row["mfu"])
    return [predict(row, fraction) / published - 1 for fraction in GRID]


def fit(table: list[list[float]]) -> int:
    """The GRID index with the least median absolute relative error over the rows."""
    return min(range(len(GRID)), key=lambda i: median(abs(e[i]) for e in table))


def main(path: str, repository: str = "mosaicml/llm-foundry") -> None:
    with Path(path).open() as handle:
        rows = [
            r
            for r in csv.DictReader(handle)
            if r["mfu"]
            and r["seq_len"]
            and r["precision"] == "bf16"
            and r["source_repo"] == repository
            and r["gpu"] in GPU_NAMES
        ]
    by_gpu: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_gpu.setdefault(GPU_NAMES.get(row["gpu"], row["gpu"]), []).append(row)
    for gpu, group in sorted(by_gpu.items()):
        table = [errors(row) for row in group]
        fraction = GRID[fit(table)]
        loo = []
        for i, row_errors in enumerate(table):
            rest = table[:i] + table[i + 1 :]
            loo.append(row_errors[fit(rest) if rest else fit(table)])
        within = sum(abs(e) <= 0.15 for e in loo) / len(loo)
        print(
            f"{gpu}: {len(group)} rows, fitted GEMM fraction {fraction:.3f}; leave-one-out "
            f"|error| median {median(abs(e) for e in loo):.1%}, {within:.0%} within 15%"
        )
        for row, e in zip(group, loo, strict=True):
            print(
                f"  {row['model']:>14} {row['num_gpus']:>5} GPUs tp{row['tp'] or 1} "
                f"pp{row['pp'] or 1} s{row['seq_len']} mfu {float(row['mfu']):.3f} "
                f"loo {e:+.1%}  ({row['source_repo']})"
            )


if __name__ == "__main__":
    main(*sys.argv[1:3])
