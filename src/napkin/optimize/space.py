"""The search space: which knobs of a design to vary, and the candidates they make."""

from __future__ import annotations

from itertools import product

from pydantic import BaseModel, ConfigDict, Field

from napkin.specs.axes import DEFAULT_BATCH_CAPS, DEFAULT_GPUS, DEFAULT_PRECISIONS, DEFAULT_TPS
from napkin.specs.design import Design


def design_prices(design: Design) -> dict[str, float]:
    """The design's own price for its GPU when it assumes one (else the catalog's applies),
    so a search prices the design as written the way its plan does."""
    gpu = design.hardware
    if gpu.price_source.startswith("assumption"):
        return {gpu.name: gpu.price_per_gpu_hour_usd}
    return {}


# How a candidate's tp GPUs split the work (`Deployment`): plain tensor parallelism,
# attention data parallelism across all of them, expert parallelism across all of them, or
# both (SGLang's large-scale EP layout), with two-batch overlap or without. A layout a
# model cannot take (EP for a dense model, more experts' ranks than experts) is screened
# out with its reason.
LAYOUTS: dict[str, tuple[str, ...]] = {
    "tp": (),
    "dp": ("deployment.dp_attention={tp}",),
    "ep": ("deployment.ep={tp}",),
    "dp-ep": ("deployment.dp_attention={tp}", "deployment.ep={tp}"),
    "dp-ep-tbo": (
        "deployment.dp_attention={tp}",
        "deployment.ep={tp}",
        "deployment.two_batch_overlap=true",
    ),
}


class Space(BaseModel):
    """GPU x weight precision x tensor parallelism x layout x batch cap x model x engine
    (and, where the design has them, speculative decoding and the agent's prefix caching).
    No engines or layouts: the design's own."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    gpus: tuple[str, ...] = DEFAULT_GPUS
    precisions: tuple[str, ...] = DEFAULT_PRECISIONS
    tps: tuple[int, ...] = DEFAULT_TPS
    pps: tuple[int, ...] = (1,)  # pipeline stages; a replica is tp × pp GPUs
    batch_caps: tuple[int | None, ...] = DEFAULT_BATCH_CAPS
    models: tuple[str, ...] = ()
    engines: tuple[str, ...] = ()
    layouts: tuple[str, ...] = ()
    speculation: tuple[bool, ...] = (True,)
    prefix_caching: tuple[str, ...] = ()
    price_overrides: dict[str, float] = Field(default_factory=dict)
    # Prefill/decode disaggregation: "aggregated", "disaggregated" or both (default: the
    # design's own). A disaggregated candidate is a decode pool drawn from the axes above
    # and a prefill pool on each of `prefill_gpus` × `prefill_tps` (default: the same
    # GPUs and degrees), plain TP, the same precision and engine; each pool's replica
    # count is sized by the plan to its own SLA term, so the xPyD ratio is an outcome.
    modes: tuple[str, ...] = ()
    prefill_gpus: tuple[str, ...] = ()
    prefill_tps: tuple[int, ...] = ()


MODES = ("aggregated", "disaggregated")


def candidates(space: Space, kind: str, split: bool = False) -> list[tuple[str, ...]]:
    """Each candidate as `--set` overrides on the design (`split`: the design as written
    is disaggregated, the default mode)."""
    modes = space.modes or (MODES[1] if split else MODES[0],)
    out = []
    for mode in modes:
        for sets in _aggregated(space, kind):
            if mode == MODES[0]:
                out.append((*sets, "disaggregation=null") if split else sets)
                continue
            for gpu, tp in product(
                space.prefill_gpus or space.gpus, space.prefill_tps or space.tps
            ):
                out.append((*sets, *_split(space, sets, gpu, tp)))
    return out


def _split(space: Space, decode: tuple[str, ...], gpu: str, tp: int) -> list[str]:
    """A prefill pool on `tp` × `gpu` beside the decode pool `decode` describes: the decode
    settings go to both the design and its decode pool (a pool's own fields win)."""
    sets = [f"disaggregation.decode.{s}" for s in decode if s.startswith("deployment.")]
    sets.append(next(f"disaggregation.decode.{s}" for s in decode if s.startswith("hardware=")))
    shared = [s for s in decode if s.startswith(("deployment.precision=", "deployment.engine="))]
    sets += [f"disaggregation.prefill.{s}" for s in shared]
    sets += [
        f"disaggregation.prefill.hardware={gpu}",
        f"disaggregation.prefill.deployment.tp={tp}",
        "disaggregation.prefill.deployment.dp_attention=1",
        "disaggregation.prefill.deployment.ep=1",
        "disaggregation.prefill.deployment.moe_tp=null",
    ]
    if gpu in space.price_overrides:
        price = space.price_overrides[gpu]
        sets.append(f"disaggregation.prefill.hardware.price_per_gpu_hour_usd={price}")
    decode_gpu = next(s.split("=", 1)[1] for s in decode if s.startswith("hardware="))
    if decode_gpu in space.price_overrides:
        price = space.price_overrides[decode_gpu]
        sets.append(f"disaggregation.decode.hardware.price_per_gpu_hour_usd={price}")
    return sets


def _aggregated(space: Space, kind: str) -> list[tuple[str, ...]]:
    """The candidates of one replica type, as `--set` overrides on the design."""
    models = space.models or (None,)
    engines = space.engines or (None,)
    speculation = space.speculation if kind == "code-completion" else (True,)
    caching = space.prefix_caching if kind == "coding-agent" else ()
    out = []
    for gpu, precision, tp, pp, layout, cap, model, engine, spec, cache in product(
        space.gpus,
        space.precisions,
        space.tps,
        space.pps,
        space.layouts or (None,),
        space.batch_caps,
        models,
        engines,
        speculation,
        caching or (None,),
    ):
        sets = [f"hardware={gpu}", f"deployment.precision={precision}", f"deployment.tp={tp}"]
        if pp > 1:
            sets.append(f"deployment.pp={pp}")
        if layout is not None:
            sets.extend(s.format(tp=tp) for s in LAYOUTS[layout] if tp > 1)
        if gpu in space.price_overrides:
            sets.append(f"hardware.price_per_gpu_hour_usd={space.price_overrides[gpu]}")
        if cap is not None:
            sets.append(f"deployment.max_batch={cap}")
        if model is not None:
            sets.append(f"model={model}")
        if engine is not None:
            sets.append(f"deployment.engine={engine}")
        if not spec:
            sets.append("completion.speculation=null")
        if cache is not None:
            sets.append(f"agent.prefix_caching={cache}")
        out.append(tuple(sets))
    return out
