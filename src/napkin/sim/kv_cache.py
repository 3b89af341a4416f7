"""One replica's paged KV cache, counted in tokens: nano-vllm's block manager without block
ids (napkin needs how much is held, not where).

A sequence holds its context in blocks of `block_tokens`; the last block of each is partly
empty, so a replica holding n sequences may waste up to n × (block_tokens − 1) tokens
(`margin`). The verbs:

- `can_allocate(tokens, sequences)`: a new sequence of `tokens` fits next to `sequences`
  held, with their margin and one block of its own to grow into (vLLM's watermark);
- `allocate(tokens)`: reserve them (a prompt at admission, decode growth, recompute);
- `free(tokens)`: give them back (a finished, cancelled or preempted sequence).

Invariants (tests/sim/test_kv_cache.py): `used` never goes below zero, and never above
`capacity` when every allocation was first checked with `can_allocate` or `room`.
"""

from __future__ import annotations


class KVCache:
    def __init__(self, capacity_tokens: int, block_tokens: int) -> None:
        self.capacity = capacity_tokens
        self.block_tokens = block_tokens
        self.used = 0.0  # tokens held: decoding contexts and reserved prompts

    def margin(self, sequences: int) -> float:
        """Tokens lost to partly filled last blocks, at most (upper bound)."""
        return sequences * (self.block_tokens - 1)

    def room(self, sequences: int) -> float:
        """Tokens the held sequences may still grow into."""
        return self.capacity - self.used - self.margin(sequences)

    def can_allocate(self, tokens: float, sequences: int) -> bool:
        return tokens + self.block_tokens <= self.room(sequences)

    def allocate(self, tokens: float) -> None:
        self.used += tokens

    def free(self, tokens: float) -> None:
        if tokens > self.used + 1e-6:
            raise AssertionError(f"freeing {tokens:g} KV tokens of {self.used:g} held")
        self.used = max(0.0, self.used - tokens)

    def clear(self) -> None:
        self.used = 0.0
