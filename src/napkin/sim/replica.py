"""One serving replica under continuous batching, as vLLM schedules it, advanced in segments.

Each engine step decodes one token for every running sequence and spends the rest of a
token budget on prompt chunks (chunked prefill), first come first served. A request is
admitted when a sequence slot is free and the KV cache can hold its prompt; when the cache
cannot hold the next decode tokens, the most recently admitted sequence is preempted and
will recompute (vLLM's default policy). Engines that differ (reserving a request's whole KV
at admission, prefill-only steps) are settings of `sim/scheduling.ReplicaConfig`.

The clock never ticks token by token. Between changes of composition (an admission, a
prompt finishing, a completion, a cancellation, a preemption) every step has the same rows
and contexts that grow by a fixed amount, so the segment's duration is a closed-form sum
(`StepModel.segment_time`). An arrival mid-segment ends it at the next step boundary.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Callable
from math import ceil, floor, inf

from napkin.perf.step_model import StepModel, Vector
from napkin.sim import finishing
from napkin.sim.kv_cache import KVCache
from napkin.sim.requests import CANCELLED, COMPLETED, PENDING, TIMED_OUT, Columns, Records
from napkin.sim.scheduling import ReplicaConfig
from napkin.sim.sequences import Decoding, Prefilling, Segment

# SGLang's admission estimate of the output a request will still need, as a fraction of its
# max_new_tokens (python/sglang/srt/managers/scheduler.py @ v0.5.3: init_new_token_ratio
# from SGLANG_INIT_NEW_TOKEN_RATIO, default 0.7).
NEW_TOKEN_RATIO = 0.7


class Replica:
    """A replica's queues, running sequences and KV use; see the module docstring."""

    def __init__(
        self,
        index: int,
        config: ReplicaConfig,
        steps: StepModel,
        columns: Columns,
        records: Records,
    ) -> None:
        self.index, self.config, self.steps = index, config, steps
        self.records = records
        self.arrival, self.prompt, self.output = columns.arrival, columns.prompt, columns.output
        self.session, self.prefix = columns.session, columns.prefix
        spec = config.speculation
        self.rate = spec.tokens_per_step if spec else 1.0  # tokens per sequence per step
        self.rows = spec.draft_tokens + 1 if spec else 1  # verify rows per sequence
        self.now = 0.0
        self.step = 0
        self.waiting: deque[int] = deque()
        self.prefilling: list[Prefilling] = []
        self.heap: list[Decoding] = []  # by finish step, then admission order (`finishing`)
        self.decoding: dict[int, Decoding] = {}
        self.ctx_sum = 0.0  # Σ contexts of decoding sequences
        self.kv = KVCache(config.kv_capacity_tokens, config.block_tokens)
        self.recompute: dict[int, float] = {}  # preempted rid -> tokens to prefill again
        self.reserved: dict[int, float] = {}  # rid -> KV reserved whole (reserve_output)
        self.cache: OrderedDict[int, float] = OrderedDict()  # session -> cached tokens
        self.cached_tokens = 0.0
        self.order = 0
        self.busy_s = 0.0
        self.segment: Segment | None = None
        self.preempted = 0
        self.frozen_until: float | None = None  # a stalled replica makes no progress
        # A disaggregated prefill replica hands each finished prompt here (rid, time).
        self.handoff: Callable[[int, float], None] | None = None

    # --- what the fleet asks ---------------------------------------------------------

    @property
    def outstanding(self) -> int:
        return len(self.waiting) + len(self.prefilling) + len(self.decoding)

    @property
    def next_event_s(self) -> float:
        if self.frozen_until is not None:
            return self.frozen_until
        return self.segment.end_s if self.segment else inf

    def freeze(self, time_s: float, until_s: float) -> None:
        """Stop making progress (a hung collective) from time_s until until_s."""
        self.advance(time_s)
        self.segment = None
        self.frozen_until = until_s

    def evict_all(self, time_s: float) -> list[int]:
        """The replica dies at time_s: every request it holds is returned, its state reset."""
        if self.frozen_until is None:
            self.advance(time_s)
        held = [rid for rid in self.waiting if self.records.outcome[rid] == PENDING]
        held += [entry.rid for entry in self.prefilling]
        held += list(self.decoding)
        self.waiting.clear()
        self.prefilling.clear()
        self.decoding.clear()
        self.heap.clear()
        self.recompute.clear()
        self.reserved.clear()
        self.cache.clear()
        self.kv.clear()
        self.ctx_sum = self.cached_tokens = 0.0
        self.segment, self.frozen_until = None, None
        self.now = max(self.now, time_s)
        return held

    def add(self, rid: int, time_s: float) -> None:
        """A request routed here at time_s joins the queue from the next step boundary."""
        self.advance(time_s)
        self.records.replica[rid] = self.index
        self.waiting.append(rid)
        self._plan()

    def cancel(self, rid: int, time_s: float, outcome: int = CANCELLED) -> None:
        """The client cancelled: free its slot and KV at the next step boundary."""
        self.advance(time_s)
        if self.records.outcome[rid] == COMPLETED:  # it finished in the step under way
            self._plan()
            return
        for entry in self.prefilling:
            if entry.rid == rid:
                self.prefilling.remove(entry)
                reserved = self.reserved.pop(rid, None)
                self.kv.free(self._prompt_of(rid) if reserved is None else reserved)
                break
        else:
            if rid in self.decoding:
                self._release(rid)
        if self.records.outcome[rid] == PENDING:
            self.records.end(rid, outcome, max(time_s, self.now))
        self._plan()

    def on_event(self) -> None:
        """The current segment has ended: apply it and plan the next."""
        if self.frozen_until is not None:  # the stall is over
            self.now, self.frozen_until = self.frozen_until, None
            self._plan()
            return
        segment = self.segment
        assert segment is not None
        self._apply(segment, segment.steps, segment.duration_s)
        self._plan()

    def advance(self, time_s: float) -> None:
        """Bring the replica to the first step boundary at or after time_s."""
        if self.frozen_until is not None:
            return
        while self.segment is not None and self.segment.end_s <= time_s:
            self.on_event()
        segment = self.segment
        if segment is None:
            self.now = max(self.now, time_s)
            return
        if time_s <= segment.start_s:
            return
        done, duration = self.steps.boundary_after(
            segment.first,
            segment.growth,
            segment.steps,
            time_s - segment.start_s,
            segment.duration_s,
        )
        self._apply(segment, done, duration)
        self.segment = None

    # --- the schedule ---------------------------------------------------------------

    def _prompt_of(self, rid: int) -> float:
        return self.recompute.get(rid, self.prompt[rid])

    @property
    def held(self) -> int:
        """Sequences holding KV: decoding and part-way through their prompt."""
        return len(self.decoding) + len(self.prefilling)

    def _admit(self) -> None:
        config, records = self.config, self.records
        while self.waiting and len(self.decoding) + len(self.prefilling) < config.max_seqs:
            rid = self.waiting[0]
            if records.outcome[rid] != PENDING:
                self.waiting.popleft()  # cancelled while waiting
                continue
            if self.now - self.arrival[rid] > config.queue_timeout_s:
                self.waiting.popleft()
                records.end(rid, TIMED_OUT, self.arrival[rid] + config.queue_timeout_s)
                continue
            prompt = self._prompt_of(rid)
            need = prompt + self._output_left(rid) if config.reserve_output else prompt
            if not self.kv.can_allocate(need + self._headroom(rid), self.held):
                break  # head of line waits for KV, as vLLM's FCFS does
            self.waiting.popleft()
            hit = self._prefix_hit(rid)
            self.kv.allocate(need)
            if config.reserve_output:
                self.reserved[rid] = need
            if config.prefilled and rid not in self.recompute:
                self._start_decoding(rid)  # its KV came from the prefill pool
                continue
            self.prefilling.append(Prefilling(rid, max(1.0, prompt - hit), float(hit)))

    def _headroom(self, rid: int) -> float:
        """KV a prefill-first engine keeps free beyond the prompt when it admits: a share of
        the request's output (SGLang's new_token_ratio, 0.7 at start) and the running
        sequences' next decode step, so a new prompt cannot take the room the decodes it
        pauses need (else admission and preemption would chase each other)."""
        if self.config.mixes_prefill_and_decode or self.config.reserve_output:
            return 0.0
        return NEW_TOKEN_RATIO * self._output_left(rid) + len(self.decoding) * self.rate

    def _output_left(self, rid: int) -> float:
        """Tokens still to generate (a recomputed prompt holds the generated ones)."""
        return self.output[rid] - float(self.records.generated[rid])

    def _prefix_hit(self, rid: int) -> float:
        if not self.config.prefix_cache_tokens or rid in self.recompute:
            return 0.0
        cached = self.cache.get(self.session[rid], 0.0)
        if cached:
            self.cache.move_to_end(self.session[rid])
        hit = min(cached, self.prefix[rid])
        self.records.prefix_hit_tokens[rid] = int(hit)
        return hit

    def _remember(self, rid: int, context: float) -> None:
        """Keep a finished request's prefix for its session's next turn (LRU)."""
        limit = self.config.prefix_cache_tokens
        if not limit:
            return
        session = self.session[rid]
        self.cached_tokens += context - self.cache.pop(session, 0.0)
        self.cache[session] = context
        while self.cached_tokens > limit and self.cache:
            self.cached_tokens -= self.cache.popitem(last=False)[1]

    def _preempt(self) -> None:
        """Recompute the most recently admitted sequence (frees its KV; it waits again)."""
        rid = max(self.decoding, key=lambda r: self.decoding[r].order)
        generated = self._generated(rid)
        self._release(rid)
        self.recompute[rid] = self.prompt[rid] + generated
        self.records.generated[rid] = int(generated)
        self.records.preemptions[rid] += 1
        self.preempted += 1
        self.waiting.appendleft(rid)

    def _generated(self, rid: int) -> float:
        seq = self.decoding[rid]
        return seq.start_generated + (self.step - seq.start_step) * self.rate

    def _release(self, rid: int) -> float:
        """Free a decoding sequence's slot and KV; returns its context (tokens)."""
        seq = self.decoding.pop(rid)
        seq.live = False  # its heap entry is skipped when it surfaces
        context = seq.start_context + (self.step - seq.start_step) * self.rate
        self.ctx_sum -= context
        self.kv.free(self.reserved.pop(rid) if self.config.reserve_output else context)
        return context

    def _plan(self) -> None:
        """Admit what fits, then lay out the next segment (or go idle)."""
        if self.frozen_until is not None:
            return
        self._admit()
        decodes = len(self.decoding)
        growth_kv = 0.0 if self.config.reserve_output else decodes * self.rate
        free = self.kv.room(self.held)
        while decodes and free < growth_kv:
            self._preempt()
            decodes = len(self.decoding)
            growth_kv = decodes * self.rate  # only without reservations: they never grow
            free = self.kv.room(self.held)
        decoding = self.config.mixes_prefill_and_decode or not self.prefilling
        decodes = decodes if decoding else 0  # prefill first: the decodes wait a step
        budget = self.config.token_budget - decodes * self.rows
        prefill: list[tuple[Prefilling, int]] = []
        for entry in self.prefilling:
            if budget <= 0:
                break
            chunk = int(min(entry.remaining, budget))
            prefill.append((entry, chunk))
            budget -= chunk
        if not decodes and not prefill:
            self.segment = None
            return
        steps = self._segment_steps(decodes, prefill, free, growth_kv if decodes else 0.0)
        first, growth = self._batches(decodes, prefill)
        duration = self.steps.segment_time(first, growth, steps)
        spec = self.config.speculation
        if spec and decodes:
            draft_first = (decodes, decodes, *first[2:])
            # The draft passes run inside the step: they skip its fixed overhead.
            overhead = spec.draft.engine.efficiency.step_overhead_s * steps
            draft = spec.draft.segment_time(draft_first, growth, steps) - overhead
            duration += spec.draft_tokens * draft
        self.segment = Segment(self.now, steps, first, growth, prefill, duration, decoding)

    def _segment_steps(
        self, decodes: int, prefill: list[tuple[Prefilling, int]], free: float, growth_kv: float
    ) -> int:
        steps = 1 << 62
        while self.heap and not self.heap[0].live:
            finishing.pop(self.heap)  # cancelled or preempted since it was pushed
        if self.heap and decodes:
            steps = max(1, self.heap[0].finish_step - self.step)
        for entry, chunk in prefill:
            steps = min(steps, max(1, ceil(entry.remaining / chunk)))
        if growth_kv > 0:
            steps = min(steps, max(1, floor(free / growth_kv)))
        return steps

    def _batches(
        self, decodes: int, prefill: list[tuple[Prefilling, int]]
    ) -> tuple[Vector, Vector]:
        """Step 0 of the segment, and how each later step differs from the one before."""
        # One pass, plain adds from 0 (see perf.step_model._total: not `sum`).
        chunk_tokens = squares = 0
        chunk_attended = chunk_read = 0.0
        heads = decodes  # rows through the LM head: every decode, and each prompt it finishes
        for e, c in prefill:
            chunk_tokens += c
            squares += c * c
            chunk_attended += c * (e.done + (c + 1) / 2)
            chunk_read += e.done + c
            if e.remaining <= c:
                heads += 1
        held = self.ctx_sum if decodes else 0.0  # decodes waiting a step read no KV
        attended = held + chunk_attended
        read = held + chunk_read
        d_attended = decodes * self.rate + squares
        d_read = decodes * self.rate + chunk_tokens
        first = (decodes * self.rows + chunk_tokens, heads, attended, read, attended, read)
        return first, (0.0, 0.0, d_attended, d_read, d_attended, d_read)

    def _apply(self, segment: Segment, steps: int, duration: float) -> None:
        """Advance time and every sequence by `steps` steps of the segment."""
        self.now = segment.start_s + duration
        self.busy_s += duration
        decoded = steps if segment.decoding else 0  # a decode's clock: steps it ran in
        self.step += decoded
        grown = len(self.decoding) * self.rate * decoded
        self.ctx_sum += grown
        if not self.config.reserve_output:  # reserved at admission otherwise
            self.kv.allocate(grown)
        for entry, chunk in segment.prefill:
            entry.remaining -= chunk * steps
            entry.done += chunk * steps
        finished = [entry for entry, _ in segment.prefill if entry.remaining <= 0]
        for entry in finished:
            self.prefilling.remove(entry)
            self._start_decoding(entry.rid)
        self._complete_due()

    def _start_decoding(self, rid: int) -> None:
        """The prompt is in: the first token is out (TTFT); decoding begins. A prefill
        replica instead frees the prompt's KV and hands the request to the decode pool."""
        records = self.records
        if self.handoff is not None and rid not in self.recompute:
            self.kv.free(self.reserved.pop(rid, self.prompt[rid]))
            self.handoff(rid, self.now)
            return
        if rid not in self.recompute:
            records.first_token_s[rid] = self.now
            records.generated[rid] = 1
        generated = float(records.generated[rid])
        context = self._prompt_of(rid) if rid in self.recompute else self.prompt[rid] + 1.0
        if not self.config.reserve_output:  # the first token (or nothing), unless reserved
            self.kv.allocate(context - self._prompt_of(rid))
        self.recompute.pop(rid, None)
        left = self.output[rid] - generated
        self.order += 1
        finish = self.step + ceil(left / self.rate)
        seq = Decoding(rid, self.step, context, generated, self.order, finish)
        self.decoding[rid] = seq
        self.ctx_sum += context
        if left <= 0:
            self._finish(rid)
            return
        finishing.push(self.heap, seq)

    def _complete_due(self) -> None:
        while self.heap and self.heap[0].finish_step <= self.step:
            seq = finishing.pop(self.heap)
            if seq.live:
                self._finish(seq.rid)

    def _finish(self, rid: int) -> None:
        self._remember(rid, self._release(rid))
        self.records.generated[rid] = self.output[rid]
        if self.records.outcome[rid] == PENDING:  # else its client gave up: work wasted
            self.records.end(rid, COMPLETED, self.now)
