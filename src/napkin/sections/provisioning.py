"""Fleet and queueing sections: replicas and GPUs at peak, and Little's law."""

from __future__ import annotations

from napkin.capacity import fleet, queueing
from napkin.figures import Sheet, Source
from napkin.perf.sizing import Sizing
from napkin.specs.design import ServingDesign


def add_reference_method(sheet: Sheet, design: ServingDesign) -> None:
    """The design's own rule of thumb (tokens/s per GPU), when it gives one: the reference
    method's arithmetic, kept so its stated figures can be checked as claims."""
    rule = getattr(design, "rule_of_thumb", None)
    if rule is None:
        return
    sheet.section = "reference method (checked as claims)"
    sheet.add(
        "tokens_per_s_per_gpu",
        rule.output_tokens_per_s_per_gpu,
        "tokens/s",
        Source.assumption,
        detail=f"design field rule_of_thumb: {rule.source}",
    )
    sheet.assume("headroom", design.deployment.headroom, "×", "deployment.headroom")
    sheet.derive(fleet.gpus_needed, "GPUs")
    sheet.derive(fleet.replicas_provisioned, "replicas")
    sheet.derive(fleet.gpus_provisioned, "GPUs")


def add_fleet(sheet: Sheet, design: ServingDesign, sizing: Sizing) -> None:
    """The fleet that meets every SLA target at peak × headroom (`perf.sizing`)."""
    sheet.section = "fleet"
    if "headroom" not in sheet:
        sheet.assume("headroom", design.deployment.headroom, "×", "deployment.headroom")
    sheet.derive(fleet.model_replicas_needed, "replicas", detail="every slot busy, no headroom")
    sheet.add(
        "model_replicas_provisioned",
        sizing.replicas,
        "replicas",
        Source.formula,
        formula="model_replicas_provisioned = fewest replicas meeting every SLA target at "
        "peak_qps × headroom, queueing included",
        detail=f"slot utilisation {sizing.utilization:.0%} at peak × headroom",
    )
    sheet.derive(fleet.model_gpus_provisioned, "GPUs")


def add_queueing(sheet: Sheet) -> None:
    sheet.section = "queueing"
    sheet.derive(queueing.in_flight_at_peak, "requests")
    sheet.derive(queueing.littles_max_qps_per_replica, "req/s")
    sheet.derive(queueing.peak_utilization, "fraction")
