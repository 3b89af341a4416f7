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
# both (SGLang's large-scale EP layout). A layout a model cannot take (EP for a dense
# model, more experts' ranks than experts) is screened out with its reason.
LAYOUTS: dict[str, tuple[str, ...]] = {
    "tp": (),
    "dp": ("deployment.dp_attention={tp}",),
    "ep": ("deployment.ep={tp}",),
    "dp-ep": ("deployment.dp_attention={tp}", "deployment.ep={tp}"),
}


class Space(BaseModel):
    """GPU x weight precision x tensor parallelism x layout x batch cap x model x engine
    (and, where the design has them, speculative decoding and the agent's prefix caching).
    No engines or layouts: the design's own."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    gpus: tuple[str, ...] = DEFAULT_GPUS
    precisions: tuple[str, ...] = DEFAULT_PRECISIONS
    tps: tuple[int, ...] = DEFAULT_TPS
    batch_caps: tuple[int | None, ...] = DEFAULT_BATCH_CAPS
    models: tuple[str, ...] = ()
    engines: tuple[str, ...] = ()
    layouts: tuple[str, ...] = ()
    speculation: tuple[bool, ...] = (True,)
    prefix_caching: tuple[str, ...] = ()
    price_overrides: dict[str, float] = Field(default_factory=dict)


def candidates(space: Space, kind: str) -> list[tuple[str, ...]]:
    """Each candidate as `--set` overrides on the design."""
    models = space.models or (None,)
    engines = space.engines or (None,)
    speculation = space.speculation if kind == "code-completion" else (True,)
    caching = space.prefix_caching if kind == "coding-agent" else ()
    out = []
    for gpu, precision, tp, layout, cap, model, engine, spec, cache in product(
        space.gpus,
        space.precisions,
        space.tps,
        space.layouts or (None,),
        space.batch_caps,
        models,
        engines,
        speculation,
        caching or (None,),
    ):
        sets = [f"hardware={gpu}", f"deployment.precision={precision}", f"deployment.tp={tp}"]
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
