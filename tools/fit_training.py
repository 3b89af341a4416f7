"""Predict the MFU of published training runs with `perf.training`, fit one GEMM fraction
per GPU, and report the leave-one-out error (issue #17).

    python tools/fit_training.py ROWS.csv

ROWS.csv carries one published step per row (its source repository, path and commit
kept whole): model shape, GPU, parallelism, batch, checkpointing and the MFU the source
reports. A row whose model is a catalog name uses the catalog's shape; else the shape
columns. The fraction is fitted per GPU by golden-section search on the median absolute
relative error; leave-one-out refits without each row before predicting it.
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

GPU_NAMES = {"H100": "H100-SXM", "A100": "A100-80GB", "A100-80GB": "A100-80GB"}


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
        checkpointing=row["activation_checkpointing"].strip().lower() in ("true", "yes", "1"),
        zero_stage=3 if "3" in row["fsdp_or_zero"] or "fsdp" in row["fsdp_or_zero"].lower() else 1,
    )


def predict(row: dict[str, str], fraction: float) -> float:
    gpu = find_gpu(GPU_NAMES.get(row["gpu"], row["gpu"]))
    eff = replace(resolve(None, gpu, None, "vllm"), compute_fraction=fraction)
    return training_step(_job(row, eff)).mfu


def error(rows: list[dict[str, str]], fraction: float) -> float:
    return median(abs(predict(r, fraction) / float(r["mfu"]) - 1) for r in rows)


def fit(rows: list[dict[str, str]]) -> float:
    """The GEMM fraction with the least median absolute relative MFU error (0.3 to 1)."""
    low, high = 0.3, 1.0
    golden = 0.618033988749895
    for _ in range(40):
        a, b = high - golden * (high - low), low + golden * (high - low)
        low, high = (low, b) if error(rows, a) <= error(rows, b) else (a, high)
    return (low + high) / 2


def main(path: str) -> None:
    with Path(path).open() as handle:
        rows = [r for r in csv.DictReader(handle) if r["mfu"] and r["seq_len"]]
    by_gpu: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_gpu.setdefault(GPU_NAMES.get(row["gpu"], row["gpu"]), []).append(row)
    for gpu, group in sorted(by_gpu.items()):
        fraction = fit(group)
        loo = []
        for i, row in enumerate(group):
            rest = group[:i] + group[i + 1 :]
            held = fit(rest) if rest else fraction
            loo.append(predict(row, held) / float(row["mfu"]) - 1)
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
    main(sys.argv[1])
