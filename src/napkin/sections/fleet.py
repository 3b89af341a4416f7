"""Fleet and queueing sections: replicas and GPUs at peak, and Little's law."""

from __future__ import annotations

from napkin.capacity import fleet, queueing
from napkin.figures import Sheet, Source
from napkin.specs.design import ServingDesign


def add_fleet(sheet: Sheet, design: ServingDesign) -> None:
    sheet.section = "fleet"
    dep, rule = design.deployment, getattr(design, "rule_of_thumb", None)
    if rule is not None:
        sheet.add(
            "tokens_per_s_per_gpu",
            rule.output_tokens_per_s_per_gpu,
            "tokens/s",
            Source.assumption,
            detail=f"design field rule_of_thumb: {rule.source}",
        )
    else:
        sheet.alias("tokens_per_s_per_gpu", "model_tokens_per_s_per_gpu")
    sheet.assume("headroom", dep.headroom, "×", "deployment.headroom")
    sheet.derive(fleet.gpus_needed, "GPUs")
    sheet.derive(fleet.replicas_provisioned, "replicas")
    sheet.derive(fleet.gpus_provisioned, "GPUs")
    sheet.derive(fleet.model_replicas_needed, "replicas")
    sheet.derive(fleet.model_gpus_needed, "GPUs")
    sheet.derive(fleet.model_replicas_provisioned, "replicas")
    sheet.derive(fleet.model_gpus_provisioned, "GPUs")


def add_queueing(sheet: Sheet) -> None:
    sheet.section = "queueing"
    sheet.derive(queueing.in_flight_at_peak, "requests")
    sheet.derive(queueing.littles_max_qps_per_replica, "req/s")
    sheet.derive(queueing.peak_utilization, "fraction")
