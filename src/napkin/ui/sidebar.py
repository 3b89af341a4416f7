"""The sidebar: a text field per design number (bounds from the schema, an inline error for
a bad entry), the model, GPU and its price, precision, parallelism, batch and SLA targets.
It returns the `--set` overrides the edits make, and the fields in error."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from napkin.specs.catalog import find_gpu, gpus, models
from napkin.specs.design import Design
from napkin.specs.engine import engines
from napkin.specs.loader import raw_design
from napkin.specs.prices import Pricing, prices_of, typical_price
from napkin.ui.controls import (
    Bounds,
    hardware_overrides,
    numeric_fields,
    overrides,
    parse_number,
    section_bounds,
    shown,
    workload_section,
)
from napkin.ui.labels import field_label
from napkin.units import Precision

SLA_TARGETS = ("ttft_p50_s", "ttft_p99_s", "tpot_s", "e2e_p99_s")
TPS = (1, 2, 4, 8, 16, 32, 64)


@dataclass
class Edits:
    """The overrides the sidebar's values make, and each field in error (by its override
    path) with its message, label first."""

    changes: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)


def widget_key(design: str, path: str) -> str:
    """One key per design and field, so a value typed for one design never leaks into
    another design's field of the same name."""
    return f"{design}/{path}"


def number_field(design: str, path: str, value: Any, bounds: Bounds, edits: Edits) -> Any:
    """A text field that takes `2e7`, `20,000,000` or `0.15`; an entry the schema forbids
    shows its error under the field and returns None (the edit is not applied)."""
    key = widget_key(design, path)
    if key not in st.session_state:
        st.session_state[key] = shown(value)
    label = field_label(path.rsplit(".", 1)[-1])
    text = st.sidebar.text_input(label, key=key, help=f"{path}: {bounds.describe()}")
    number, error = parse_number(text, bounds)
    if error is not None:
        edits.errors[path] = f"{label}: {error}"
        st.sidebar.error(edits.errors[path])
    return number


def _section(design: str, kind: str, section: str, values: dict[str, Any], edits: Edits) -> None:
    bounds = section_bounds(kind, section)
    chosen = {}
    for key, value in values.items():
        path = f"{section}.{key}"
        number = number_field(design, path, value, bounds.get(key, Bounds()), edits)
        if path not in edits.errors:
            chosen[key] = number
    edits.changes += overrides(section, values, chosen)


def _choice(design: str, label: str, path: str, options: list[Any], current: Any) -> Any:
    options = options if current in options else [current, *options]
    return st.sidebar.selectbox(
        label, options, index=options.index(current), key=widget_key(design, path)
    )


def _catalog_price(design: str) -> None:
    """When the GPU changes, its price field takes the catalog's price for the new GPU."""
    gpu = st.session_state[widget_key(design, "hardware.gpu")]
    price = find_gpu(gpu).price_per_gpu_hour_usd
    st.session_state[widget_key(design, "hardware.price_per_gpu_hour_usd")] = shown(price)
    st.session_state[widget_key(design, "hardware.pricing")] = Pricing.on_demand.value


def _plan_price(design: str) -> None:
    """When the pricing plan changes, the price field takes the price list's median for it
    (on-demand: the GPU catalog's price)."""
    gpu = st.session_state[widget_key(design, "hardware.gpu")]
    plan = Pricing(st.session_state[widget_key(design, "hardware.pricing")])
    price = (
        find_gpu(gpu).price_per_gpu_hour_usd
        if plan is Pricing.on_demand
        else typical_price(gpu, plan).usd_per_gpu_hour
    )
    st.session_state[widget_key(design, "hardware.price_per_gpu_hour_usd")] = shown(price)


def _pricing(design: str, gpu: str, edits: Edits) -> None:
    """The pricing plans the price list has for the GPU; a choice sets the price field."""
    plans = [p.value for p in Pricing if p is Pricing.on_demand or prices_of(gpu, p)]
    plan = st.sidebar.selectbox(
        "Pricing (sets the price below)",
        plans,
        key=widget_key(design, "hardware.pricing"),
        on_change=_plan_price,
        args=(design,),
    )
    if plan != Pricing.on_demand.value:
        edits.changes.append(f"hardware.pricing={plan}")


def _hardware(design: str, kind: str, written: Design, edits: Edits) -> None:
    gpu_names = [g.name for g in gpus()]
    current = written.hardware.name
    if current not in gpu_names:  # a design's own GPU entry: not switchable here
        return
    gpu = st.sidebar.selectbox(
        "GPU",
        gpu_names,
        index=gpu_names.index(current),
        key=widget_key(design, "hardware.gpu"),
        on_change=_catalog_price,
        args=(design,),
    )
    _pricing(design, gpu, edits)
    path = "hardware.price_per_gpu_hour_usd"
    bounds = section_bounds(kind, "hardware")["price_per_gpu_hour_usd"]
    price = number_field(design, path, written.hardware.price_per_gpu_hour_usd, bounds, edits)
    written_price = written.hardware.price_per_gpu_hour_usd
    edits.changes += hardware_overrides(current, written_price, gpu, price)


def _model_and_hardware(design: str, raw: dict[str, Any], written: Design, edits: Edits) -> None:
    st.sidebar.subheader("Model and hardware")
    kind, raw_model = written.kind, raw.get("model")
    names = [m.name for m in models()]
    if isinstance(raw_model, str) and raw_model in names:
        model = _choice(design, "Model", "model", names, raw_model)
        if model != raw_model:
            edits.changes.append(f"model={model}")
    _hardware(design, kind, written, edits)
    deployment = written.deployment
    precision = deployment.precision.value
    formats = [p.value for p in Precision]
    chosen = _choice(design, "Precision (weights)", "deployment.precision", formats, precision)
    if chosen != precision:
        edits.changes.append(f"deployment.precision={chosen}")
    label = "Tensor parallel (GPUs per replica)"
    tp = _choice(design, label, "deployment.tp", list(TPS), deployment.tp)
    if tp != deployment.tp:
        edits.changes.append(f"deployment.tp={tp}")
    if kind != "finetune-service":  # its deployment trains; there is no serving batch
        names = [e.name for e in engines()]
        engine = _choice(design, "Serving engine", "deployment.engine", names, deployment.engine)
        if engine != deployment.engine:
            edits.changes.append(f"deployment.engine={engine}")
        _section(design, kind, "deployment", {"max_batch": deployment.max_batch}, edits)


def _sla(design: str, kind: str, written: Design, edits: Edits) -> None:
    sla = getattr(written, "sla", None)
    if sla is None:
        return
    st.sidebar.subheader("SLA targets (blank: none)")
    _section(design, kind, "sla", {key: getattr(sla, key) for key in SLA_TARGETS}, edits)


def controls(design: str, written: Design) -> Edits:
    """Every sidebar control of a design as written; the edits they make."""
    edits = Edits()
    raw = raw_design(design)
    section = workload_section(raw)
    if section is not None:
        st.sidebar.subheader("Traffic")
        _section(design, written.kind, section, numeric_fields(raw[section]), edits)
    _model_and_hardware(design, raw, written, edits)
    _sla(design, written.kind, written, edits)
    return edits
