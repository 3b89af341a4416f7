"""The KV-transfer stall drill: the link from the prefill pool to the decode pool stops."""

from __future__ import annotations

from dataclasses import replace

from napkin.drills.arm import Arm, Context
from napkin.drills.params import Params


def kv_transfer_stall(ctx: Context, params: Params, mitigated: bool) -> Arm:
    """The prefill-to-decode link of a disaggregated fleet carries nothing for `stall_s`
    from `at_s` (a hung RDMA queue pair, a flapping switch port): every transfer it
    overlaps starts again when it is back, and prompts pile up behind it. Mitigation:
    a transfer stuck for `resend_after_s` is sent again over a fallback path
    `slowdown` × slower (TCP instead of RDMA). An aggregated fleet moves no KV: both arms
    are the baseline, and the drill says so."""
    pool = ctx.config.decode
    if pool is None:
        return Arm(ctx.requests, ctx.config, notes=["the fleet is not disaggregated: no KV link"])
    stall = float(params.get("stall_s", 30.0))
    start = float(params.get("at_s", ctx.duration_s / 3))
    resend = float(params.get("resend_after_s", 1.0)) if mitigated else None
    stalled = replace(
        pool,
        stall=(start, start + stall),
        resend_after_s=resend,
        resend_slowdown=float(params.get("slowdown", 4.0)),
    )
    config = replace(ctx.config, decode=stalled)
    return Arm(ctx.requests, config, window=(start, start + stall))
