"""A replica's scheduler settings: batch and token limits, KV cache, and the engine's
policies (speculative decoding, KV reservation, whether prefill and decode share a step).
`sim/replica.py` runs them."""

from __future__ import annotations

from dataclasses import dataclass
from math import inf

from napkin.perf.step_model import StepModel


@dataclass(frozen=True)
class DraftConfig:
    """Speculative decoding: each step verifies `draft_tokens` + 1 rows per sequence and yields
    `tokens_per_step` tokens on average; `draft` prices the draft model's passes."""

    draft_tokens: int
    tokens_per_step: float
    draft: StepModel


@dataclass(frozen=True)
class ReplicaConfig:
    """- `max_seqs`: concurrent sequences (vLLM max_num_seqs).
    - `token_budget`: rows per step, decode and prefill together (max_num_batched_tokens).
    - `kv_capacity_tokens` / `block_tokens`: the paged KV cache.
    - `prefix_cache_tokens`: KV kept for finished sessions' prefixes (LRU); 0 disables it.
    - `queue_timeout_s`: a request still waiting this long after arriving times out.
    - `reserve_output`: admit a request only when the KV cache holds its whole prompt and
      output, reserved at once, so nothing is ever preempted (TensorRT-LLM's default
      GUARANTEED_NO_EVICT); off, KV grows token by token and the newest sequence is
      recomputed when it runs out (vLLM).
    - `mixes_prefill_and_decode`: prompt chunks ride in the decode step (vLLM, TensorRT-LLM);
      off, a step prefills only and the decoding sequences wait while prompts are pending
      (SGLang's default, prefill first).
    - `prefilled`: a disaggregated decode replica: requests arrive with their prompt's KV
      (sent from the prefill pool), so admission starts them decoding at once; a request
      preempted there recomputes its context locally."""

    max_seqs: int
    token_budget: int
    kv_capacity_tokens: int
    block_tokens: int = 16
    prefix_cache_tokens: int = 0
    queue_timeout_s: float = inf
    speculation: DraftConfig | None = None
    reserve_output: bool = False
    mixes_prefill_and_decode: bool = True
    prefilled: bool = False
