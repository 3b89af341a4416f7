"""Measure engine-step latency of a Llama-architecture model on a real GPU.

Random bf16 weights in the shape of a catalog model (no download), plain PyTorch: RMSNorm,
GQA attention through scaled_dot_product_attention over a pre-filled KV cache, SwiGLU FFN,
LM head. Over a grid of batch sizes and context lengths it times one decode step (CUDA
events, warm-up, median of repeats) and one prefill, and writes rows in napkin's
measurement CSV format, ready for `napkin validate` and `napkin calibrate`.

    python benchmarks/gpu/step_latency.py --model llama-3.1-8b --out step_latency.csv

Needs PyTorch with CUDA and a GPU; never runs in CI. Without an eager-mode engine's fused
kernels and CUDA graphs, the per-step overhead it measures is an upper bound for vLLM's.
"""

from __future__ import annotations

import argparse
import statistics
from datetime import date
from functools import partial
from pathlib import Path

from napkin.calibration.measurement import Measurement, Metric, write_csv
from napkin.specs.catalog import find_model


def build(model_name: str, device: str):  # noqa: ANN201 - torch types are imported lazily
    import torch

    m = find_model(model_name)
    h, heads, kv, d, f = (
        m.hidden_size,
        m.num_attention_heads,
        m.num_kv_heads,
        m.head_dim,
        (m.ffn_size),
    )

    def w(*shape: int) -> torch.Tensor:
        return torch.randn(*shape, device=device, dtype=torch.bfloat16) * 0.02

    layers = [
        dict(
            qkv=w(h, (heads + 2 * kv) * d),
            o=w(heads * d, h),
            gate_up=w(h, 2 * f),
            down=w(f, h),
            n1=torch.ones(h, device=device, dtype=torch.bfloat16),
            n2=torch.ones(h, device=device, dtype=torch.bfloat16),
        )
        for _ in range(m.num_layers)
    ]
    head = w(h, m.vocab_size)
    return m, layers, head


def forward(m, layers, head, x, cache_k, cache_v):  # noqa: ANN001, ANN201
    """x: [batch, new, hidden]; caches: per layer [batch, kv_heads, context, head_dim]."""
    import torch
    import torch.nn.functional as F

    b, t, _ = x.shape
    heads, kv, d = m.num_attention_heads, m.num_kv_heads, m.head_dim
    for layer, k_cache, v_cache in zip(layers, cache_k, cache_v, strict=True):
        y = F.rms_norm(x, (x.shape[-1],), layer["n1"])
        q, k, v = (y @ layer["qkv"]).split([heads * d, kv * d, kv * d], dim=-1)
        q = q.view(b, t, heads, d).transpose(1, 2)
        k = torch.cat([k_cache, k.view(b, t, kv, d).transpose(1, 2)], dim=2)
        v = torch.cat([v_cache, v.view(b, t, kv, d).transpose(1, 2)], dim=2)
        a = F.scaled_dot_product_attention(q, k, v, is_causal=t > 1, enable_gqa=True)
        x = x + a.transpose(1, 2).reshape(b, t, heads * d) @ layer["o"]
        y = F.rms_norm(x, (x.shape[-1],), layer["n2"])
        gate, up = (y @ layer["gate_up"]).chunk(2, dim=-1)
        x = x + (F.silu(gate) * up) @ layer["down"]
    return x[:, -1] @ head


def time_ms(fn, repeats: int, device: str) -> float:  # noqa: ANN001
    """Median milliseconds of `fn` after warm-up: CUDA events on a GPU, a wall clock on CPU
    (the CPU path only checks that the script runs)."""
    import time

    import torch

    for _ in range(3):
        fn()
    samples = []
    for _ in range(repeats):
        if device == "cuda":
            start = torch.cuda.Event(enable_timing=True)
            end = torch.cuda.Event(enable_timing=True)
            start.record()
            fn()
            end.record()
            torch.cuda.synchronize()
            samples.append(start.elapsed_time(end))
        else:
            began = time.perf_counter()
            fn()
            samples.append((time.perf_counter() - began) * 1e3)
    return statistics.median(samples)


def main() -> None:
    import torch

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="llama-3.1-8b")
    parser.add_argument("--gpu", default="H100-SXM", help="catalog name of the GPU")
    parser.add_argument("--batches", default="1,8,32,64,128")
    parser.add_argument("--contexts", default="128,1024,4096")
    parser.add_argument("--prefills", default="128,512,2048")
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--out", type=Path, default=Path("step_latency.csv"))
    parser.add_argument("--device", default="cuda", help="cpu only checks the script runs")
    args = parser.parse_args()
    device = args.device
    device_name = torch.cuda.get_device_name() if device == "cuda" else "cpu"
    m, layers, head = build(args.model, device)
    kv, d = m.num_kv_heads, m.head_dim
    rows: list[Measurement] = []
    common = dict(
        gpu=args.gpu,
        model=m.name,
        tp=1,
        precision="bf16",
        engine="PyTorch eager",
        software=f"torch {torch.__version__}",
        trust="measured",
        source=f"benchmarks/gpu/step_latency.py on {device_name}, {date.today()}",
    )
    with torch.inference_mode():
        for batch in map(int, args.batches.split(",")):
            for context in map(int, args.contexts.split(",")):
                shape = (batch, kv, context, d)
                cache_k = [torch.randn(shape, device=device, dtype=torch.bfloat16) for _ in layers]
                cache_v = [torch.randn_like(c) for c in cache_k]
                x = torch.randn(batch, 1, m.hidden_size, device=device, dtype=torch.bfloat16)
                step = partial(forward, m, layers, head, x, cache_k, cache_v)
                ms = time_ms(step, args.repeats, device)
                rows.append(
                    Measurement(
                        id=f"decode-b{batch}-c{context}",
                        input_tokens=context,
                        output_tokens=1,
                        concurrency=batch,
                        metric=Metric.decode_step_s,
                        value=ms / 1e3,
                        **common,
                    )
                )
                print(f"decode batch {batch:4d} context {context:6d}: {ms:8.3f} ms", flush=True)
        for prompt in map(int, args.prefills.split(",")):
            empty = [torch.empty(1, kv, 0, d, device=device, dtype=torch.bfloat16) for _ in layers]
            x = torch.randn(1, prompt, m.hidden_size, device=device, dtype=torch.bfloat16)
            ms = time_ms(partial(forward, m, layers, head, x, empty, empty), args.repeats, device)
            rows.append(
                Measurement(
                    id=f"prefill-{prompt}",
                    input_tokens=prompt,
                    output_tokens=1,
                    concurrency=1,
                    metric=Metric.ttft_s,
                    value=ms / 1e3,
                    **common,
                )
            )
            print(f"prefill {prompt:6d} tokens: {ms:8.3f} ms", flush=True)
    write_csv(rows, args.out)
    print(f"wrote {len(rows)} rows to {args.out}")


if __name__ == "__main__":
    main()
