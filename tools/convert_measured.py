"""Convert shared/calibration/measured.csv into napkin's measurement CSV.

Run from the repository root: python tools/convert_measured.py ../shared/calibration/measured.csv
It writes src/napkin/calibration/published.csv. Every choice (which rows, how names map, what
lengths are assumed where a source gives none) is written here and in each row's `note`.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from napkin.calibration.measurement import Measurement, Metric, write_csv

OUT = Path("src/napkin/calibration/published.csv")

MODELS = {
    "Llama-3.1-8B-Instruct": "llama-3.1-8b",
    "Llama-3-8B": "llama-3.1-8b",
    "Llama 3.1 8B": "llama-3.1-8b",
    "Llama-3.1-8B": "llama-3.1-8b",
    "Llama-3.1-70B-Instruct": "llama-3.1-70b",
    "Llama-3.3-70B-Instruct": "llama-3.1-70b",
    "Llama-3-70B": "llama-3.1-70b",
    "Llama 3.1 70B": "llama-3.1-70b",
    "Llama-3.1-405B-Instruct": "llama-3.1-405b",
    "Llama 3.1 405B": "llama-3.1-405b",
    "LLaMA 7B": "llama-2-7b",
    "LLaMA 70B (Llama-2-70B)": "llama-2-70b",
    "LLaMA 70B": "llama-2-70b",
    "Llama-2-70B (llama_70b)": "llama-2-70b",
    "GPT-J 6B": "gpt-j-6b",
}
SAME_SHAPE = "Llama 3 and 3.3 share Llama 3.1's shape (context aside)"


def _gpu(text: str) -> str | None:
    for key, name in (
        ("H200", "H200"),
        ("H100", "H100-SXM"),
        ("A100", "A100-80GB"),
        ("L40S", "L40S"),
        ("MI300X", "MI300X"),
    ):
        if key in text:
            return name
    return None


def _precision(text: str) -> str:
    text = text.upper()
    return "fp8" if "FP8" in text else "fp16" if "FP16" in text else "bf16"


# ShareGPT as vLLM's benchmark samples it: 202 input and 179 output tokens on average
# (vLLM blog, 2024-09-05, shared/calibration row 98).
SHAREGPT = (202, 179)

# id -> (metric, concurrency, value in SI, input, output, note); None = take from the row.
SPECIAL: dict[int, tuple[Metric, int | None, float | None, float | None, float | None, str]] = {
    83: (Metric.output_tokens_per_s_per_gpu, 768, None, None, None, "static batch 768"),
    84: (Metric.output_tokens_per_s_per_gpu, 1024, None, None, None, "static batch 1024"),
    85: (Metric.output_tokens_per_s_per_gpu, 384, None, None, None, "static batch 384"),
    89: (Metric.output_tokens_per_s_per_gpu, 512, None, None, None, "static batch 512"),
    86: (Metric.ttft_s, 1, 0.109, None, 1, "batch 1"),
    87: (Metric.ttft_s, 1, 0.377, None, 1, "batch 1"),
    88: (Metric.ttft_s, 1, 0.036, None, 1, "batch 1"),
    103: (Metric.e2e_latency_s, 8, 0.833421, None, None, "batch 8; precision not stated"),
    104: (Metric.e2e_latency_s, 8, 2.07753, None, None, "batch 8; precision not stated"),
    105: (
        Metric.output_tokens_per_s_per_gpu,
        None,
        22.5674 * SHAREGPT[1],
        *SHAREGPT,
        "ShareGPT request rate x 179 mean output tokens",
    ),
    106: (
        Metric.output_tokens_per_s_per_gpu,
        None,
        9.8391 * SHAREGPT[1] / 4,
        *SHAREGPT,
        "ShareGPT request rate x 179 mean output tokens, / 4 GPUs",
    ),
    107: (
        Metric.output_tokens_per_s_per_gpu,
        None,
        19.5005 * SHAREGPT[1],
        *SHAREGPT,
        "ShareGPT request rate x 179 mean output tokens",
    ),
    100: (
        Metric.output_tokens_per_s_per_gpu,
        None,
        5.76 * SHAREGPT[1] / 8,
        *SHAREGPT,
        "ShareGPT request rate x 179 mean output tokens, / 8 GPUs",
    ),
    108: (Metric.output_tokens_per_s_per_gpu, 1, 51.67 / 2, None, None, "system / 2 GPUs"),
    109: (Metric.output_tokens_per_s_per_gpu, 50, 814.37 / 2, None, None, "system / 2 GPUs"),
    110: (Metric.output_tokens_per_s_per_gpu, 100, 917.26 / 2, None, None, "system / 2 GPUs"),
    111: (Metric.output_tokens_per_s_per_gpu, 1, 52.85 / 2, None, None, "system / 2 GPUs"),
    115: (
        Metric.output_tokens_per_s_per_gpu,
        1,
        185.0,
        None,
        128,
        "batch 1; output length not stated, 128 assumed",
    ),
    116: (
        Metric.output_tokens_per_s_per_gpu,
        1,
        111.0,
        None,
        128,
        "batch 1; output length not stated, 128 assumed",
    ),
    117: (
        Metric.output_tokens_per_s_per_gpu,
        1,
        158.34,
        100,
        200,
        "single stream; MT-Bench "
        "lengths not stated, 100 in / 200 out assumed; precision not stated",
    ),
}
# Extra metrics stated inside another row's metric text (TTFT and ITL of NIM rows etc.).
EXTRA = [
    ("108-ttft", 108, Metric.ttft_s, 1, 0.40677),
    ("108-tpot", 108, Metric.tpot_s, 1, 0.01858),
    ("109-tpot", 109, Metric.tpot_s, 50, 0.05973),
    ("110-tpot", 110, Metric.tpot_s, 100, 0.09291),
    ("111-ttft", 111, Metric.ttft_s, 1, 0.04777),
    ("111-tpot", 111, Metric.tpot_s, 1, 0.01891),
    ("115-ttft", 115, Metric.ttft_s, 1, 0.0071),
    ("116-ttft", 116, Metric.ttft_s, 1, 0.0125),
]
MAX_LOAD = set(range(33, 83)) | {112, 113, 114}
# Software generation each row ran on: a fitted profile stands for one of them.
SOFTWARE = {
    **dict.fromkeys([*range(33, 71), 108, 109, 110, 111], "TensorRT-LLM 2025"),
    **dict.fromkeys([*range(71, 90), 115, 116], "TensorRT-LLM 2023-24"),
    **dict.fromkeys([100, 103, 104, 105, 106, 107], "vLLM 2024"),
    117: "SGLang 2025",
    **dict.fromkeys([112, 113, 114], "unknown"),
}
# Why a row may sit far from any profile: written here, printed by `napkin validate`.
WHY = {
    **dict.fromkeys(
        [105, 106, 107],
        "an offline run of only 200 ShareGPT prompts never "
        "reaches a steady full batch, and its lengths vary around the means used",
    ),
    100: "no MI300X profile is fitted (one row); ROCm 6.2 vLLM with fp16 405B at napkin's "
    "default efficiencies",
    **dict.fromkeys([112, 113, 114], "engine and token definition not stated in the source"),
}
AMBIGUOUS = {
    **dict.fromkeys(range(71, 83), "the table says 'token throughput' (output tokens assumed)"),
    **dict.fromkeys((112, 113, 114), "labelled tokens/s; output tokens assumed"),
}


def _row(
    r: dict[str, str],
    rid: str,
    metric: Metric,
    conc: int | None,
    value: float,
    isl: float,
    osl: float,
    note: str,
) -> Measurement | None:
    model, gpu = MODELS.get(r["model"].strip()), _gpu(r["hardware"])
    if model is None or gpu is None or "FP4" in r["precision"].upper():
        return None
    tp = int(r["tp_pp"].split()[0].removeprefix("TP") or 1)
    extra = [note, AMBIGUOUS.get(int(r["id"]), "")]
    if r["model"].startswith(("Llama-3-", "Llama-3.3")):
        extra.append(SAME_SHAPE)
    return Measurement(
        id=rid,
        gpu=gpu,
        model=model,
        tp=tp,
        precision=_precision(r["precision"]),
        input_tokens=isl,
        output_tokens=osl,
        concurrency=conc,
        metric=metric,
        value=value,
        engine=_engine(r["engine"]),
        software=SOFTWARE.get(int(r["id"]), "unknown"),
        trust=r["trust"].split()[0],
        source=f"shared/calibration row {r['id']}: {r['source']}",  # whole, never cut
        note="; ".join(p for p in extra if p),
        explanation=WHY.get(int(r["id"]), ""),
    )


def _engine(text: str) -> str:
    """The engine as the source names it; "" (napkin's default engine) when it does not."""
    return "" if "not stated" in text else text


def convert(rows: dict[int, dict[str, str]]) -> list[Measurement]:
    out: list[Measurement | None] = []
    for rid, r in rows.items():
        isl = float(r["isl"]) if r["isl"].strip().isdigit() else None
        osl = float(r["osl"]) if r["osl"].strip().isdigit() else None
        if rid in MAX_LOAD:
            per_gpu = float(r["per_gpu_value_derived"] or r["value"])
            if "per GPU" not in r["metric"] and "/GPU" not in r["unit"]:
                per_gpu = float(r["value"]) / int(r["num_gpus"] or 1)
            out.append(
                _row(
                    r,
                    str(rid),
                    Metric.output_tokens_per_s_per_gpu,
                    None,
                    per_gpu,
                    isl or 0,
                    osl or 0,
                    "max load",
                )
            )
        elif rid in SPECIAL:
            metric, conc, value, isl2, osl2, note = SPECIAL[rid]
            value = float(r["per_gpu_value_derived"] or r["value"]) if value is None else value
            out.append(
                _row(r, str(rid), metric, conc, value, isl2 or isl or 0, osl2 or osl or 0, note)
            )
    for rid, source_id, metric, conc, value in EXTRA:
        r = rows[source_id]
        isl, osl = (
            SPECIAL[source_id][3] or float(r["isl"]),
            SPECIAL[source_id][4] or float(r["osl"]),
        )
        out.append(_row(r, rid, metric, conc, value, isl, osl, "stated in the metric text"))
    return [m for m in out if m is not None]


def main() -> None:
    with open(sys.argv[1], newline="") as handle:
        rows = {int(r["id"]): r for r in csv.DictReader(handle)}
    measurements = convert(rows)
    write_csv(measurements, OUT)
    print(f"wrote {len(measurements)} measurements to {OUT}")


if __name__ == "__main__":
    main()
