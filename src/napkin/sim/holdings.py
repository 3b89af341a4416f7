"""What the fleet holds, read across its replicas: sampled for the series, ended as
unfinished when the run stops, and (streaming, `sim.slots`) which rows are still in use."""

from __future__ import annotations

from typing import TYPE_CHECKING

from napkin.sim.requests import PENDING, UNFINISHED
from napkin.sim.series import Series

if TYPE_CHECKING:
    from napkin.sim.event_loop import Fleet


def sample(fleet: Fleet, series: Series, row: int, time_s: float) -> None:
    """Row `row` of the series: waiting (queues and KV transfers), running, the decode
    pool's count and the KV cache's fill, at time_s."""
    # One pass, in plain adds: a sample reads every replica, so with many replicas it is
    # the run's cost (`sim.footprint`), and `sum` of floats rounds differently by version.
    waiting = len(fleet.central) + len(fleet.in_transfer)
    running = 0
    used = capacity = 0.0
    for x in fleet.replicas:
        waiting += len(x.waiting)
        running += len(x.decoding) + len(x.prefilling)
        used += x.kv.used
        capacity += x.config.kv_capacity_tokens
    series.time_s[row] = time_s
    series.waiting[row] = waiting
    series.running[row] = running
    series.decode[row] = sum([x.outstanding for x in fleet.replicas[fleet.entry :]])
    series.kv_fraction[row] = used / capacity if capacity else 0.0  # no cache: none used


def end_leftovers(fleet: Fleet, time_s: float) -> None:
    """Requests the fleet still holds (central queue, a replica's queue, prefill or decode)
    when the drain limit ends the run are `unfinished`. Only those: a request the fleet no
    longer holds but never gave an outcome stays pending, and the summary's conservation
    check reports it."""
    held = list(fleet.central) + sorted(fleet.in_transfer)
    for replica in fleet.replicas:
        held += replica.waiting
        held += [entry.rid for entry in replica.prefilling]
        held += replica.decoding
    records = fleet.records
    for rid in dict.fromkeys(held):
        if records.outcome[rid] == PENDING:
            records.end(rid, UNFINISHED, time_s)


def held(fleet: Fleet) -> set[int]:
    """Rows the fleet still works on: prefilling, decoding, in a KV transfer."""
    rows = set(fleet.in_transfer)
    for replica in fleet.replicas:
        rows.update(entry.rid for entry in replica.prefilling)
        rows.update(replica.decoding)
    return rows


def forget(fleet: Fleet, lo: int, hi: int) -> None:
    """Drop queue entries and recompute notes that name rows lo..hi-1 (all ended)."""
    for queue in [fleet.central, *(replica.waiting for replica in fleet.replicas)]:
        kept = [rid for rid in queue if not lo <= rid < hi]
        if len(kept) < len(queue):
            queue.clear()
            queue.extend(kept)
    for replica in fleet.replicas:
        for rid in [rid for rid in replica.recompute if lo <= rid < hi]:
            del replica.recompute[rid]
