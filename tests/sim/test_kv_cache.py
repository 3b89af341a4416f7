"""The KV cache's verbs and invariants (sim/kv_cache.py), by hand."""

from __future__ import annotations

import pytest

from napkin.sim.kv_cache import KVCache


def test_admission_leaves_room_for_margins_and_one_block():
    # 1,000 tokens, 16-token blocks, 2 sequences held using 500 tokens:
    #   margin = 2 × 15 = 30; room = 1,000 − 500 − 30 = 470
    #   a 454-token prompt needs 454 + 16 = 470 ≤ 470: fits; 455 does not
    kv = KVCache(1000, 16)
    kv.allocate(500)
    assert kv.margin(2) == 30 and kv.room(2) == 470
    assert kv.can_allocate(454, 2)
    assert not kv.can_allocate(455, 2)


def test_free_gives_back_and_never_below_zero():
    kv = KVCache(1000, 16)
    kv.allocate(300)
    kv.free(120)
    assert kv.used == 180
    with pytest.raises(AssertionError, match="freeing 181"):
        kv.free(181)  # more than is held: a bookkeeping bug, caught where it happens
    kv.clear()
    assert kv.used == 0


def test_checked_allocations_never_exceed_capacity():
    kv = KVCache(10_000, 16)
    held = 0
    for prompt in [900, 1200, 3000, 2500, 4000, 700, 1600]:
        if kv.can_allocate(prompt, held):
            kv.allocate(prompt)
            held += 1
        assert kv.used + kv.margin(held) <= kv.capacity
    # 900, 1,200, 3,000, 2,500 fit: 7,600 held, room 10,000 − 7,600 − 4 × 15 = 2,340;
    # 4,000 + 16 > 2,340: refused; 700 + 16 ≤ 2,340: fits (8,300 held, room
    # 10,000 − 8,300 − 5 × 15 = 1,625); 1,600 + 16 = 1,616 ≤ 1,625: fits
    assert held == 6
