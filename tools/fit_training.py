"""Predict the MFU of published training runs with `perf.training`, fit a GEMM curve per
GPU (`perf.training.GemmCurve`), and report the leave-one-out error (issue #17).

    python tools/fit_training.py benchmarks/training_rows.csv [REPOSITORY]
    python tools/fit_training.py benchmarks/training_rows.csv --check

`--check` fits nothing: it predicts the bf16 rows of the other sources (torchtitan on A100,
Megatron-LM on H100 with TP and PP) with the shipped `perf.training.GEMM_CURVES`, an
out-of-sample test of the curves and of the TP, PP and FSDP terms. There, Llama rows take the
catalog's shape (CATALOG_NAMES) and "selective" checkpointing counts as none (it recomputes
only cheap ops, or some layers); a row with no micro-batch runs one sequence.

Fits on the rows of one source repository (default mosaicml/llm-foundry: one MFU
definition throughout) in bf16 on the GPUs of GPU_NAMES.

ROWS.csv carries one published step per row (its source repository, path and commit
kept whole): model shape, GPU, parallelism, batch, checkpointing and the MFU the source
reports. A row whose model is a catalog name uses the catalog's shape; else the shape
columns. The curve is fitted per GPU on a grid (GRID: its peak, half-size rows and width,
and the attention fraction) by the sum of absolute relative errors, each capped at 50% (one
odd row does not pull the curve); leave-one-out refits
without each row before predicting it. The grid's predictions run on every core.
"""

from __future__ import annotations

import csv
import itertools
import sys
from dataclasses import replace
from multiprocessing import Pool
from pathlib import Path
from statistics import median

from napkin.errors import NapkinError
from napkin.perf.efficiency import ResolvedEfficiency, resolve
from napkin.perf.training import GemmCurve, Training, training_step
from napkin.specs.catalog import find_gpu, find_model
from napkin.specs.model import Model

GPU_NAMES = {"H100-SXM-80GB": "H100-SXM", "A100-80GB": "A100-80GB", "H100": "H100-SXM"}
CATALOG_NAMES = {
    "Llama 3 8B": "llama-3.1-8b",
    "Llama 3 70B": "llama-3.1-70b",
    "Llama 2 13B (torchtitan run)": "llama-2-13b",
    "Llama 2 70B (torchtitan run)": "llama-2-70b",
}


def _model(row: dict[str, str]) -> Model:
    try:
        return find_model(CATALOG_NAMES.get(row["model"], row["model"]))
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
        checkpointing=row["activation_checkpointing"].strip().lower() == "full",
        zero_stage=3 if "3" in row["fsdp_or_zero"] or "fsdp" in row["fsdp_or_zero"].lower() else 1,
    )


def job_of(row: dict[str, str]) -> Training:
    gpu = find_gpu(GPU_NAMES.get(row["gpu"], row["gpu"]))
    return _job(row, resolve(None, gpu, None, "vllm"))


def predict(row: dict[str, str], curve: GemmCurve) -> float:
    return training_step(replace(job_of(row), curve=curve)).mfu


GRID = [
    GemmCurve(peak, m_half, k_half, attention)
    for peak, m_half, k_half, attention in itertools.product(
        [0.50 + 0.025 * i for i in range(21)],  # peak: 0.50 to 1.00
        [0.0, 512.0, 1024.0, 1536.0, 2048.0, 3072.0, 4096.0],  # m_half: a micro-batch's tokens
        [0.0, 256.0, 512.0, 768.0, 1024.0, 1536.0, 2048.0],  # k_half: hidden
        [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9],  # FlashAttention's fraction of peak
    )
]


def errors(row: dict[str, str]) -> list[float]:
    """The row's relative MFU error at every curve of GRID."""
    published, job = float(row["mfu"]), job_of(row)
    return [training_step(replace(job, curve=curve)).mfu / published - 1 for curve in GRID]


CAP = 0.5  # an error counts at most this much: one odd row does not pull the curve


def fit(table: list[list[float]]) -> int:
    """The GRID index with the least sum of absolute relative errors, each capped at CAP."""
    return min(range(len(GRID)), key=lambda i: sum(min(abs(e[i]), CAP) for e in table))


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
        with Pool() as pool:
            table = pool.map(errors, group)
        curve = GRID[fit(table)]
        loo = []
        for i, row_errors in enumerate(table):
            rest = table[:i] + table[i + 1 :]
            loo.append(row_errors[fit(rest) if rest else fit(table)])
        within = sum(abs(e) <= 0.15 for e in loo) / len(loo)
        print(
            f"{gpu}: {len(group)} rows, fitted {curve}; leave-one-out "
            f"|error| median {median(abs(e) for e in loo):.1%}, {within:.0%} within 15%"
        )
        for row, e in zip(group, loo, strict=True):
            print(
                f"  {row['model']:>14} {row['num_gpus']:>5} GPUs tp{row['tp'] or 1} "
                f"pp{row['pp'] or 1} s{row['seq_len']} mfu {float(row['mfu']):.3f} "
                f"loo {e:+.1%}  ({row['source_repo']})"
            )


def check(path: str, fitted_on: str = "mosaicml/llm-foundry") -> None:
    """Out-of-sample: the other sources' bf16 rows against the shipped curves."""
    from napkin.perf.training import GEMM_CURVES

    with Path(path).open() as handle:
        rows = [
            r
            for r in csv.DictReader(handle)
            if r["mfu"]
            and r["source_repo"] != fitted_on
            and r["precision"] in ("bf16", "")
            and r["gpu"] in GPU_NAMES
            and r["layers"]
            and r["tp"]  # Megatron's GPT-3 175B rows give no layout
        ]
    errs = []
    for row in rows:
        curve = GEMM_CURVES[GPU_NAMES[row["gpu"]]]
        e = predict(row, curve) / float(row["mfu"]) - 1
        errs.append(e)
        print(
            f"  {row['model']:>30} {row['num_gpus']:>5} GPUs tp{row['tp'] or 1} "
            f"pp{row['pp'] or 1} s{row['seq_len']} mfu {float(row['mfu']):.3f} "
            f"predicted {e:+.1%}  ({row['source_repo']})"
        )
    within = sum(abs(e) <= 0.15 for e in errs) / len(errs)
    print(
        f"out of sample: {len(errs)} rows, |error| median {median(abs(e) for e in errs):.1%}, "
        f"{within:.0%} within 15%"
    )


if __name__ == "__main__":
    if "--check" in sys.argv:
        check(sys.argv[1])
    else:
        main(*sys.argv[1:3])
