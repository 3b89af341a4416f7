"""napkin's simulator against Vidur: same requests, same step costs, both as whole processes.

What is compared. One Llama-3-70B replica (napkin's llama-3.1-70b shape) at TP4 on H100,
Poisson 4 req/s, 200 input / 300 output tokens, 20,000 requests, 128 sequences at most,
chunked prefill with napkin's token budget per step. Both tools read one trace file (arrival
times drawn once from a seeded Poisson process), so they simulate the very same requests.

How the step costs are made equal. Vidur 0.0.26 fetches GPU profiles from a model hub; here
its profile CSVs are written from napkin's own roofline (`perf.ops`, `perf.communication`),
on the grid Vidur's predictor queries (tokens rounded up to 8, KV to 256, chunks to 32):
- napkin's per-step overhead and its LM head go on Vidur's `add` op, divided by the layer
  count (Vidur sums its ops per layer; it never reads the `emb` op). Vidur keys these ops by
  tokens only, so rows through the LM head (and any per-sequence overhead) are taken as
  min(tokens, sequence cap);
- Vidur runs its `sarathi` scheduler with napkin's token budget as chunk size, the same
  sequence cap, and its own extra costs off (NCCL launch overhead, the 10% decode-attention
  batching overhead), which napkin does not model.

How speed is measured. Each tool runs as its own process, start-up and imports included.
Vidur's first run trains its random-forest predictors and caches them (reported as its cold
time); the timed repetitions reuse that cache, as a Vidur user's runs do. napkin and Vidur
runs alternate (2 noisy cores); the ratio is the median over repetitions of napkin's process
time / Vidur's, for wall and for CPU time.
TTFT, TPOT ((E2E - TTFT) / (output tokens - 1), vLLM's definition, computed the same way for
both) and E2E are compared at mean, P50 and P99.

Vidur is a benchmark-only dependency, never napkin's: install it in its own venv,

    python3 -m venv /tmp/vidurvenv && /tmp/vidurvenv/bin/pip install vidur==0.0.26
    python benchmarks/vs_vidur.py --vidur-python /tmp/vidurvenv/bin/python

(shared/peers/VIDUR.md documents the offline set-up this follows).
"""

from __future__ import annotations

import argparse
import csv
import json
import lzma
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import NamedTuple

import numpy as np

from napkin.perf.batching import Engine
from napkin.perf.communication import ALLREDUCES_PER_LAYER, allreduce_time_s
from napkin.perf.operating_point import DEFAULT_TOKEN_BUDGET
from napkin.perf.ops import Batch, forward_ops
from napkin.planner import plan
from napkin.sim.options import steps_of
from napkin.specs.loader import load_design

VIDUR_MODEL = "meta-llama/Llama-3-70B"
ORG = "napkin/roofline-h100"
REVISION = "0" * 40
TRACE_DATE = "2024-01-01"
TP, QPS, PROMPT, OUTPUT, MAX_SEQS = 4, 4.0, 200, 300, 128
SETS = [
    "model=llama-3.1-70b",
    "hardware=H100-SXM",
    f"deployment.tp={TP}",
    "deployment.precision=bf16",
]
# Profile grid, on the points Vidur's predictor asks (tokens per step rounded up to 8, KV to
# 256, prefill chunks to 32, decode batches up to the cap) where this workload runs, sparser
# beyond: a random forest predicts a step function between the rows it was trained on.
TOKENS = [*range(8, 1024, 8), *range(1024, 8193, 128)]
KV = [*range(0, 2048, 256), *range(2048, 8193, 512)]
CHUNKS = [*range(32, 1024, 32), *range(1024, 4097, 256)]
BATCHES = [*range(1, 32), *range(32, MAX_SEQS + 1, 4)]
METRICS = ("ttft", "tpot", "e2e")


class Times(NamedTuple):
    wall: float
    cpu: float


def _engine() -> Engine:
    """The engine napkin's simulator uses for this design (`sim.options.steps_of`)."""
    return steps_of(plan(load_design("chatbot", SETS))).engine


def _op_ms(engine: Engine, batch: Batch, name: str) -> float:
    """One layer's time of a napkin op (ms): max(compute, memory) / layers."""
    m, d, g, e = engine.model, engine.deployment, engine.gpu, engine.efficiency
    flops_s = g.peak_flops_per_s(d.precision) * e.compute_fraction * d.tp
    bytes_s = g.bandwidth_bytes_per_s * e.bandwidth_fraction * d.tp
    op = next(o for o in forward_ops(m, batch, d.precision, d.kv_format) if o.name == name)
    return max(op.flops / flops_s, op.bytes / bytes_s) / m.num_layers * 1e3


def _csv_xz(rows: list[dict[str, object]]) -> bytes:
    lines = [",".join(rows[0])] + [",".join(str(v) for v in r.values()) for r in rows]
    return lzma.compress(("\n".join(lines) + "\n").encode())


def mlp_rows(engine: Engine) -> list[dict[str, object]]:
    """Per-layer GEMM times by tokens per step; once-per-step costs spread over the layers."""
    m, layers = engine.model, engine.model.num_layers
    rows = []
    for tokens in TOKENS:
        batch = Batch(tokens, min(tokens, MAX_SEQS), 0, 0, 0, 0)
        ffn = _op_ms(engine, batch, "ffn")
        per_step_ms = engine.efficiency.overhead_s(batch.sequences, layers) * 1e3
        zero = ("input_layernorm", "attn_rope", "post_attention_layernorm", "mlp_act", "emb")
        rows.append(
            {
                **{f"time_stats.{k}.median": 0.0 for k in zero},
                "time_stats.add.median": per_step_ms / layers + _op_ms(engine, batch, "lm_head"),
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
                "num_tensor_parallel_workers": TP,
            }
        )
    return rows


def attention_rows(engine: Engine) -> list[dict[str, object]]:
    """Vidur asks prefill attention by (KV after the chunk, chunk) for one request, decode
    attention by (batch size, mean KV); napkin's attention op answers both."""
    m = engine.model
    base = {
        "n_embd": m.hidden_size,
        "n_q_head": m.num_attention_heads,
        "n_kv_head": m.num_kv_heads,
        "block_size": 16,
        "num_tensor_parallel_workers": TP,
    }
    rows = []
    for kv in KV:
        for chunk in CHUNKS:
            prior = max(kv - chunk, 0)
            attended = chunk * (prior + (chunk + 1) / 2)
            batch = Batch(chunk, 1, attended, prior + chunk, attended, prior + chunk)
            rows.append(
                {
                    **base,
                    "batch_size": 1,
                    "prefill_chunk_size": chunk,
                    "kv_cache_size": kv,
                    "time_stats.attn_prefill.median": _op_ms(engine, batch, "attention"),
                    "time_stats.attn_decode.median": 0.0,
                    "time_stats.attn_kv_cache_save.median": 0.0,
                }
            )
        for size in BATCHES:
            batch = Batch(size, size, size * kv, size * kv, size * kv, size * kv)
            rows.append(
                {
                    **base,
                    "batch_size": size,
                    "prefill_chunk_size": 0,
                    "kv_cache_size": kv,
                    "time_stats.attn_prefill.median": 0.0,
                    "time_stats.attn_decode.median": _op_ms(engine, batch, "attention"),
                    "time_stats.attn_kv_cache_save.median": 0.0,
                }
            )
    return rows


def network_rows(engine: Engine, collective: str) -> list[dict[str, object]]:
    """One all-reduce of tokens x hidden bf16 activations; Vidur does 2 a layer."""
    workers = TP if collective == "all_reduce" else 2
    scale = ALLREDUCES_PER_LAYER / 2
    rows = []
    for tokens in TOKENS:
        size = tokens * engine.model.hidden_size * 2
        seconds = allreduce_time_s(size, workers, engine.gpu, engine.efficiency) * scale
        rows.append(
            {
                f"time_stats.{collective}.median": seconds * 1e3,
                "rank": 0,
                "num_workers": workers,
                "size": size,
                "collective": collective,
                # Vidur keeps all-reduce rows whose devices_per_node equals the TP degree,
                # and send/recv rows with 2 devices per node
                "devices_per_node": workers,
                "max_devices_per_node": 8,
            }
        )
    return rows


def write_profiles(cache: Path, engine: Engine) -> None:
    """A Hugging-Face-hub-style cache Vidur reads with HF_HUB_OFFLINE=1."""
    compute = {"mlp.csv.xz": mlp_rows(engine), "attention.csv.xz": attention_rows(engine)}
    network = {
        "all_reduce.csv.xz": network_rows(engine, "all_reduce"),
        "send_recv.csv.xz": network_rows(engine, "send_recv"),
    }
    for kind, files, config in (
        ("compute", compute, {"model": VIDUR_MODEL, "device_sku": "h100"}),
        ("network", network, {"sku": "h100_dgx"}),
    ):
        root = cache / "profiling_data" / kind / f"datasets--{ORG.replace('/', '--')}"
        snapshot = root / "snapshots" / REVISION
        snapshot.mkdir(parents=True, exist_ok=True)
        (root / "refs").mkdir(exist_ok=True)
        (root / "refs" / "main").write_text(REVISION)
        (snapshot / "config.json").write_text(json.dumps(config))
        for name, rows in files.items():
            (snapshot / name).write_bytes(_csv_xz(rows))


def write_trace(path: Path, requests: int, seed: int) -> None:
    """One CSV both tools read: napkin's columns, then Vidur's (each ignores the other's)."""
    gaps = np.random.default_rng(seed).exponential(1 / QPS, requests)
    arrivals = np.cumsum(gaps) - gaps[0]
    with path.open("w") as f:
        f.write("timestamp,input_tokens,output_tokens,Date,Time,")
        f.write("PromptTokenCount,CompletionTokenCount\n")
        for t in arrivals.tolist():
            f.write(f"{t!r},{PROMPT},{OUTPUT},{TRACE_DATE},{t!r},{PROMPT},{OUTPUT}\n")


def _cpu_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(args: list[str], env: dict[str, str] | None = None) -> tuple[Times, str]:
    """Run a process to its end: (wall, CPU) seconds and its stdout."""
    cpu, started = _cpu_children(), time.perf_counter()
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    times = Times(time.perf_counter() - started, _cpu_children() - cpu)
    if done.returncode:
        sys.exit(f"{args[0]} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return times, done.stdout


def run_napkin(trace: Path) -> tuple[Times, dict[str, dict[str, float]]]:
    """`napkin simulate` on the trace, as a process; its summary's statistics."""
    sets = [arg for s in SETS for arg in ("--set", s)]
    seconds, out = _timed(
        [sys.executable, "-m", "napkin", "simulate", "chatbot", *sets, "--trace", str(trace)]
        + ["--replicas", "1", "--max-seqs", str(MAX_SEQS), "--json", "--quiet"]
    )
    summary = json.loads(out)["summary"]
    if summary["outcomes"]["completed"] != summary["requests"]:
        sys.exit(f"napkin left requests unfinished: {summary['outcomes']}")
    return seconds, {k: summary[f"{k}_s"] for k in METRICS}


def run_vidur(python: str, cache: Path, out: Path, trace: Path) -> tuple[Times, Path]:
    """`vidur.main` on the trace, as a process; the path of its per-request metrics."""
    predictor = "random_forrest_execution_time_predictor_config"
    flags: dict[str, object] = {
        "replica_config_model_name": VIDUR_MODEL,
        "replica_config_device": "h100",
        "replica_config_network_device": "h100_dgx",
        "replica_config_tensor_parallel_size": TP,
        "replica_config_num_pipeline_stages": 1,
        "cluster_config_num_replicas": 1,
        "replica_scheduler_config_type": "sarathi",
        "sarathi_scheduler_config_chunk_size": DEFAULT_TOKEN_BUDGET,
        "sarathi_scheduler_config_batch_size_cap": MAX_SEQS,
        "request_generator_config_type": "trace_replay",
        "trace_request_generator_config_trace_file": trace,
        "trace_request_generator_config_date": TRACE_DATE,
        "trace_request_generator_config_prefill_scale_factor": 1,
        "trace_request_generator_config_decode_scale_factor": 1,
        "trace_request_generator_config_time_scale_factor": 1,
        "execution_time_predictor_config_type": "random_forrest",
        f"{predictor}_model_profiling_dataset": ORG,
        f"{predictor}_network_profiling_dataset": ORG,
        f"{predictor}_cache_dir": cache,
        f"{predictor}_prediction_max_tokens_per_request": max(TOKENS),
        f"{predictor}_prediction_max_batch_size": MAX_SEQS,
        f"{predictor}_num_estimators": 250,
        f"{predictor}_max_depth": 16,
        f"{predictor}_min_samples_split": 2,
        f"{predictor}_nccl_cpu_launch_overhead_ms": 0,
        f"{predictor}_nccl_cpu_skew_overhead_per_device_ms": 0,
        f"{predictor}_attention_decode_batching_overhead_fraction": 0,
        "metrics_config_output_dir": out,
    }
    args = [python, "-m", "vidur.main", *(f"--{k}={v}" for k, v in flags.items())]
    args += ["--no-metrics_config_store_plots", "--no-metrics_config_enable_chrome_trace"]
    env = {**os.environ, "WANDB_MODE": "disabled", "HF_HUB_OFFLINE": "1", "HF_HOME": str(cache)}
    seconds, _ = _timed(args, env)
    return seconds, max(out.rglob("request_metrics.csv"), key=lambda p: p.stat().st_mtime)


def vidur_stats(path: Path, requests: int) -> dict[str, dict[str, float]]:
    """Mean, P50, P99 from Vidur's per-request CSV (seconds), TPOT as napkin defines it."""
    rows = list(csv.DictReader(path.open()))
    if len(rows) != requests:
        sys.exit(f"Vidur finished {len(rows)} of {requests} requests")
    ttft = np.array([float(r["prefill_e2e_time"]) for r in rows])
    e2e = np.array([float(r["request_e2e_time"]) for r in rows])
    tpot = (e2e - ttft) / (np.array([float(r["request_num_decode_tokens"]) for r in rows]) - 1)
    return {
        name: {
            "mean": float(v.mean()),
            "p50": float(np.median(v)),
            "p99": float(np.percentile(v, 99)),
        }
        for name, v in zip(METRICS, (ttft, tpot, e2e), strict=True)
    }


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = [
            ln.split(":", 1)[1].strip()
            for ln in cpuinfo.read_text().splitlines()
            if ln.startswith("model name")
        ]
        cpu = names[0] if names else cpu
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vidur-python", required=True, help="python of Vidur's own venv")
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=5, help="timed runs of each tool")
    parser.add_argument("--seed", type=int, default=1, help="seed of the arrival times")
    args = parser.parse_args()
    if args.repeats < 1 or args.requests < 1:
        parser.error("--repeats and --requests must be at least 1")
    version = subprocess.run(
        [args.vidur_python, "-c", "import importlib.metadata as m; print(m.version('vidur'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    print(f"# {date.today()}  {_machine()}  Vidur {version}")
    with tempfile.TemporaryDirectory() as tmp:
        cache, out, trace = Path(tmp) / "cache", Path(tmp) / "out", Path(tmp) / "trace.csv"
        write_trace(trace, args.requests, args.seed)
        engine = _engine()
        write_profiles(cache, engine)
        cold, _ = run_vidur(args.vidur_python, cache, out, trace)
        print(
            f"vidur cold (trains and caches its predictors): {cold.wall:.1f} s wall "
            f"{cold.cpu:.1f} s CPU"
        )
        runs: list[tuple[Times, Times]] = []
        for i in range(args.repeats):  # alternate, so both see the same machine load
            napkin_t, napkin = run_napkin(trace)
            vidur_t, metrics = run_vidur(args.vidur_python, cache, out, trace)
            runs.append((napkin_t, vidur_t))
            print(
                f"run {i + 1}: napkin {napkin_t.wall:.2f} s wall {napkin_t.cpu:.2f} s CPU, "
                f"vidur {vidur_t.wall:.1f} s wall {vidur_t.cpu:.1f} s CPU"
            )
        vidur = vidur_stats(metrics, args.requests)
    if _engine() != engine:
        sys.exit("napkin's step model changed during the run (files edited?): run it again")
    print(f"{args.requests:,} requests, whole processes, medians of {args.repeats} runs:")
    for kind in Times._fields:
        n = statistics.median(getattr(a, kind) for a, _ in runs)
        v = statistics.median(getattr(b, kind) for _, b in runs)
        ratio = statistics.median(getattr(a, kind) / getattr(b, kind) for a, b in runs)
        print(
            f"  {kind:4s}  napkin {n:6.2f} s ({args.requests / n:7,.0f} req/s)  "
            f"vidur warm {v:6.1f} s ({args.requests / v:5,.0f} req/s)  "
            f"napkin / vidur {ratio:.4f} (napkin {1 / ratio:.0f}x faster)"
        )
    print(f"{'':12s}{'napkin':>10s}{'vidur':>10s}  vidur vs napkin")
    for name in METRICS:
        unit, scale = ("s", 1.0) if name == "e2e" else ("ms", 1e3)
        for stat in ("mean", "p50", "p99"):
            a, b = napkin[name][stat], vidur[name][stat]
            print(
                f"{name} {stat} {unit:2s}  {a * scale:10.2f}{b * scale:10.2f}"
                f"{(b - a) / a * 100:+7.1f}%"
            )


if __name__ == "__main__":
    main()
