"""A request-serial eval harness: `workers` clients against one endpoint replica.

Many eval tools send a prompt, wait for the answer, then send the next (lm-evaluation-
harness's API models with `num_concurrent` 1 by default). The replica then decodes at most
`workers` sequences at once, however much memory it has, so a suite takes far longer than
batched offline generation, and the endpoint's GPUs are held the whole time.

Closed form (`perf.operating_point.point_at`, the planner's own replica at a batch):
    serial_batch = min(workers, decode_batch)
    serial_request_s = TTFT + (output − 1) × TPOT at serial_batch
    serial_pass_wall_s = prompts × serial_request_s / serial_batch
The closed form is the steady state: it holds when the suite is many rounds of its clients.
`napkin simulate` runs the closed loop itself (`sim/eval_pass.py`), start and drain included.
"""

from __future__ import annotations

from math import inf

from napkin.figures import Sheet, Source
from napkin.perf.batching import Engine
from napkin.perf.operating_point import ReplicaSetup, Request, point_at


def serial_batch(workers: int, decode_batch: float) -> int:
    """serial_batch = min(workers, decode_batch)   (more clients queue at the replica)"""
    return int(min(workers, decode_batch))


def serial_pass_wall_s(prompts: float, serial_request_s: float, serial_batch: int) -> float:
    """serial_pass_wall_s = prompts × serial_request_s / serial_batch"""
    return prompts * serial_request_s / serial_batch


def serial_gpu_seconds_per_pass(serial_pass_wall_s: float, gpus_per_replica: int) -> float:
    """serial_gpu_seconds_per_pass = serial_pass_wall_s × gpus_per_replica   (the endpoint's
    GPUs are held for the whole pass)"""
    return serial_pass_wall_s * gpus_per_replica


def request_s(engine: Engine, batch: int, prompt: float, output: float) -> float:
    """A request's time with `batch` in flight: TTFT + (output − 1) × TPOT (`point_at`).
    Should the prompts not keep up at that batch (a closed loop never outruns them), the
    largest halving of it that does."""
    request = Request(prompt, output, prompt + output, prompt, output)
    replica = ReplicaSetup(engine, token_budget=engine.deployment.preset.max_batched_tokens)
    while batch >= 1:
        point = point_at(replica, batch, request)
        if point is not None:
            return point.request_time_s
        batch //= 2
    return inf


def add_serial_pass(sheet: Sheet, engine: Engine, workers: int) -> None:
    """The serial harness's figures in closed form (`napkin simulate` runs the closed loop);
    needs `prompts`, `decode_batch`, the token figures and `gpus_per_replica` on the sheet."""
    sheet.add("workers", workers, "clients", Source.assumption, detail="design field eval.workers")
    sheet.derive(serial_batch, "sequences")
    prompt, output = sheet["input_tokens_per_prompt"], sheet["output_tokens_per_prompt"]
    sheet.add(
        "serial_request_s",
        request_s(engine, sheet["serial_batch"], prompt, output),
        "s",
        Source.formula,
        formula="serial_request_s = TTFT + (output_tokens_per_prompt − 1) × TPOT at "
        "serial_batch (the planner's replica, the engine preset's token budget)",
    )
    sheet.derive(serial_pass_wall_s, "s")
    sheet.derive(serial_gpu_seconds_per_pass, "GPU-s", key="gpu_seconds_per_pass")
