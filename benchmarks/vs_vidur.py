"""napkin's simulator against Vidur on the same workload and the same step times.

Workload (a) of sim_speed.py: one Llama-3-70B replica at TP4 on H100, Poisson 4 req/s,
fixed 200 input / 300 output tokens, 20,000 requests. Vidur fetches GPU profiles from a
model hub at run time; here its profile CSVs are written from napkin's own performance
model (per-layer op times from `perf.ops` and the roofline, all-reduce from
`perf.communication`, napkin's per-step overhead on the embedding op), so the two
simulators share step times and differ only as simulators.

Vidur is a benchmark-only dependency, never napkin's: install it in its own venv and pass
its python,

    python3 -m venv /tmp/vidurvenv && /tmp/vidurvenv/bin/pip install vidur
    python benchmarks/vs_vidur.py --vidur-python /tmp/vidurvenv/bin/python

(shared/peers/VIDUR.md documents the offline set-up this follows).
"""

from __future__ import annotations

import argparse
import json
import lzma
import os
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from napkin.perf.batching import Engine
from napkin.perf.communication import allreduce_time_s
from napkin.perf.efficiency import resolve
from napkin.perf.ops import Batch, forward_ops
from napkin.planner import plan
from napkin.sim.options import SimOptions
from napkin.sim.run import simulate
from napkin.specs.catalog import find_gpu, find_model
from napkin.specs.deployment import Deployment
from napkin.specs.loader import load_design

VIDUR_MODEL = "meta-llama/Llama-3-70B"
ORG = "napkin/roofline-h100"
REVISION = "0" * 40
TOKENS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096]
TPS = (1, 2, 4, 8)
CASE = [
    "model=llama-3.1-70b",
    "hardware=H100-SXM",
    "deployment.tp=4",
    "deployment.precision=bf16",
    "workload.input_tokens_per_turn=200",
    "workload.output_tokens_per_turn=300",
]


def _op_ms(engine: Engine, batch: Batch, name: str) -> float:
    """One layer's time of a napkin op (ms): max(compute, memory) / layers."""
    m, d, g, e = engine.model, engine.deployment, engine.gpu, engine.efficiency
    flops_s = g.peak_flops_per_s(d.precision) * e.compute_fraction * d.tp
    bytes_s = g.bandwidth_bytes_per_s * e.bandwidth_fraction * d.tp
    op = next(o for o in forward_ops(m, batch, d.precision, d.kv_format) if o.name == name)
    return max(op.flops / flops_s, op.bytes / bytes_s) / m.num_layers * 1e3


def _engine(tp: int) -> Engine:
    gpu = find_gpu("H100-SXM")
    return Engine(find_model("llama-3.1-70b"), gpu, Deployment(tp=tp), resolve(None, gpu))


def _csv(rows: list[dict[str, object]]) -> bytes:
    header = list(rows[0])
    lines = [",".join(header)] + [",".join(str(r[h]) for h in header) for r in rows]
    return lzma.compress(("\n".join(lines) + "\n").encode())


def mlp_rows() -> list[dict[str, object]]:
    m = find_model("llama-3.1-70b")
    rows = []
    for tp in TPS:
        engine = _engine(tp)
        for tokens in TOKENS:
            batch = Batch(tokens, tokens, 0, 0, 0, 0)
            ffn = _op_ms(engine, batch, "ffn")
            row = {
                f"time_stats.{k}.median": 0.0
                for k in (
                    "input_layernorm",
                    "attn_rope",
                    "post_attention_layernorm",
                    "mlp_act",
                    "add",
                )
            }
            row.update(
                {
                    # Once-per-step costs ride on the embedding op: napkin's step overhead
                    # and the LM head (Vidur's operator list has no LM head of its own).
                    "time_stats.emb.median": engine.efficiency.step_overhead_s * 1e3
                    + _op_ms(engine, batch, "lm_head") * m.num_layers,
                    "time_stats.attn_pre_proj.median": _op_ms(engine, batch, "attn_qkv"),
                    "time_stats.attn_post_proj.median": _op_ms(engine, batch, "attn_out"),
                    "time_stats.mlp_up_proj.median": ffn * 2 / 3,
                    "time_stats.mlp_down_proj.median": ffn / 3,
                    "n_head": m.num_attention_heads,
                    "n_kv_head": m.num_kv_heads,
                    "n_embd": m.hidden_size,
                    "n_expanded_embd": m.ffn_size,
                    "vocab_size": m.vocab_size,
                    "use_gated_mlp": True,
                    "num_tokens": tokens,
                    "num_tensor_parallel_workers": tp,
                }
            )
            rows.append(row)
    return rows


def attention_rows() -> list[dict[str, object]]:
    m = find_model("llama-3.1-70b")
    rows = []
    base = {
        "n_embd": m.hidden_size,
        "n_q_head": m.num_attention_heads,
        "n_kv_head": m.num_kv_heads,
        "block_size": 16,
    }
    for tp in TPS:
        engine = _engine(tp)
        for chunk in (32, 64, 128, 256, 512, 1024, 2048, 4096):
            for kv in (0, 512, 1024, 2048, 4096, 8192):
                batch = Batch(
                    chunk,
                    1,
                    chunk * (kv + (chunk + 1) / 2),
                    kv + chunk,
                    chunk * (kv + (chunk + 1) / 2),
                    kv + chunk,
                )
                rows.append(
                    {
                        **base,
                        "num_tensor_parallel_workers": tp,
                        "batch_size": 1,
                        "prefill_chunk_size": chunk,
                        "kv_cache_size": kv,
                        "time_stats.attn_prefill.median": _op_ms(engine, batch, "attention"),
                        "time_stats.attn_decode.median": 0.0,
                        "time_stats.attn_kv_cache_save.median": 0.0,
                    }
                )
        for size in (1, 2, 4, 8, 16, 32, 64, 128):
            for kv in (16, 512, 1024, 2048, 4096, 8192):
                batch = Batch(size, size, size * kv, size * kv, size * kv, size * kv)
                rows.append(
                    {
                        **base,
                        "num_tensor_parallel_workers": tp,
                        "batch_size": size,
                        "prefill_chunk_size": 0,
                        "kv_cache_size": kv,
                        "time_stats.attn_prefill.median": 0.0,
                        "time_stats.attn_decode.median": _op_ms(engine, batch, "attention"),
                        "time_stats.attn_kv_cache_save.median": 0.0,
                    }
                )
    return rows


def network_rows(collective: str) -> list[dict[str, object]]:
    engine = _engine(8)
    rows = []
    workers = (2, 4, 8) if collective == "all_reduce" else (2,)
    for n in workers:
        for size in (2**k for k in range(10, 31, 2)):
            seconds = allreduce_time_s(size, n, engine.gpu, engine.efficiency)
            rows.append(
                {
                    f"time_stats.{collective}.median": seconds * 1e3,
                    "rank": 0,
                    "num_workers": n,
                    "size": size,
                    "collective": collective,
                    # Vidur keeps all-reduce rows whose devices_per_node equals the TP
                    # degree, and send/recv rows with 2 devices per node
                    "devices_per_node": n,
                    "max_devices_per_node": 8,
                }
            )
    return rows


def write_profiles(cache: Path) -> None:
    for kind, files, config in (
        (
            "compute",
            {"mlp.csv.xz": mlp_rows(), "attention.csv.xz": attention_rows()},
            {"model": VIDUR_MODEL, "device_sku": "h100"},
        ),
        (
            "network",
            {
                "all_reduce.csv.xz": network_rows("all_reduce"),
                "send_recv.csv.xz": network_rows("send_recv"),
            },
            {"sku": "h100_dgx"},
        ),
    ):
        root = cache / "profiling_data" / kind / f"datasets--{ORG.replace('/', '--')}"
        snapshot = root / "snapshots" / REVISION
        snapshot.mkdir(parents=True, exist_ok=True)
        (root / "refs").mkdir(exist_ok=True)
        (root / "refs" / "main").write_text(REVISION)
        (snapshot / "config.json").write_text(json.dumps(config))
        for name, rows in files.items():
            (snapshot / name).write_bytes(_csv(rows))


def run_vidur(python: str, cache: Path, out: Path, requests: int) -> tuple[float, Path]:
    flags = {
        "replica_config_model_name": VIDUR_MODEL,
        "replica_config_device": "h100",
        "replica_config_network_device": "h100_dgx",
        "replica_config_tensor_parallel_size": 4,
        "replica_config_num_pipeline_stages": 1,
        "cluster_config_num_replicas": 1,
        "replica_scheduler_config_type": "vllm",
        "request_generator_config_type": "synthetic",
        "length_generator_config_type": "fixed",
        "fixed_request_length_generator_config_prefill_tokens": 200,
        "fixed_request_length_generator_config_decode_tokens": 300,
        "interval_generator_config_type": "poisson",
        "poisson_request_interval_generator_config_qps": 4,
        "synthetic_request_generator_config_num_requests": requests,
        "execution_time_predictor_config_type": "random_forrest",
        "random_forrest_execution_time_predictor_config_model_profiling_dataset": ORG,
        "random_forrest_execution_time_predictor_config_network_profiling_dataset": ORG,
        "random_forrest_execution_time_predictor_config_cache_dir": cache,
        "random_forrest_execution_time_predictor_config_prediction_max_tokens_per_request": 8192,
        "random_forrest_execution_time_predictor_config_num_estimators": 250,
        "random_forrest_execution_time_predictor_config_max_depth": 16,
        "random_forrest_execution_time_predictor_config_min_samples_split": 2,
        "metrics_config_output_dir": out,
    }
    args = [
        python,
        "-m",
        "vidur.main",
        *(f"--{k}={v}" for k, v in flags.items()),
        "--no-metrics_config_store_plots",
        "--no-metrics_config_enable_chrome_trace",
    ]
    env = {**os.environ, "WANDB_MODE": "disabled", "HF_HUB_OFFLINE": "1", "HF_HOME": str(cache)}
    started = time.perf_counter()
    subprocess.run(args, check=True, env=env, capture_output=True, text=True)
    metrics = sorted(out.rglob("request_metrics.csv"))[-1]
    return time.perf_counter() - started, metrics


def _vidur_percentiles(path: Path) -> dict[str, float]:
    import csv

    rows = list(csv.DictReader(path.open()))
    ttft = np.array([float(r["prefill_e2e_time"]) for r in rows])
    tpot = np.array([float(r["decode_time_execution_plus_preemption_normalized"]) for r in rows])
    return {
        "ttft_p50": np.percentile(ttft, 50),
        "ttft_p99": np.percentile(ttft, 99),
        "tpot_p50": np.percentile(tpot, 50),
        "tpot_p99": np.percentile(tpot, 99),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vidur-python", required=True)
    parser.add_argument("--requests", type=int, default=20_000)
    args = parser.parse_args()
    result = plan(load_design("chatbot", CASE))
    options = SimOptions(qps=4.0, replicas=1, duration_s=args.requests / 4.0, seed=1)
    sim = simulate(result, options)
    s = sim.summary
    napkin = {
        "ttft_p50": s["ttft_s"]["p50"],
        "ttft_p99": s["ttft_s"]["p99"],
        "tpot_p50": s["tpot_s"]["p50"],
        "tpot_p99": s["tpot_s"]["p99"],
    }
    with tempfile.TemporaryDirectory() as tmp:
        cache, out = Path(tmp) / "cache", Path(tmp) / "out"
        write_profiles(cache)
        vidur_wall, metrics = run_vidur(args.vidur_python, cache, out, args.requests)
        vidur = _vidur_percentiles(metrics)
    print(
        f"napkin: {len(sim.requests):,} requests in {sim.wall_s:.2f} s "
        f"({len(sim.requests) / sim.wall_s:,.0f} req/s)"
    )
    print(
        f"vidur:  {args.requests:,} requests in {vidur_wall:.1f} s wall, predictor training "
        f"included ({args.requests / vidur_wall:,.0f} req/s)"
    )
    print(f"speed ratio napkin / vidur: {vidur_wall / sim.wall_s:,.0f}x")
    for key in napkin:
        print(f"{key:9s} napkin {napkin[key] * 1e3:8.2f} ms   vidur {vidur[key] * 1e3:8.2f} ms")


if __name__ == "__main__":
    main()
