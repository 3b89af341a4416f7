"""Serving engines as presets: the scheduler defaults that change latency, each sourced.

`catalog/engines.yaml` holds one entry per engine (vLLM V1, SGLang, TensorRT-LLM, and
`trtllm-bench`'s settings where TensorRT-LLM's published measurements come from), each
field with the engine's source file or document, version and date. A design, a measured row
or a command names an engine; `find_engine` forgives case and the spellings benchmarks use.
"""

from __future__ import annotations

from enum import Enum
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from napkin.errors import NapkinError
from napkin.specs.yaml_reader import load_yaml

ENGINES_FILE = Path(__file__).parent / "catalog" / "engines.yaml"
DEFAULT_ENGINE = "vllm"  # the most common engine: what a design or row that names none runs
# An engine whose KV fraction is of the memory the weights leave (TensorRT-LLM) is modelled
# as that fraction of the card with 1 GiB held back; one whose fraction is of the whole card
# keeps the deployment's default reserve for activations and CUDA graphs.
FREE_AFTER_WEIGHTS_RESERVED_GIB = 1.0


class KVMemoryOf(str, Enum):
    """What an engine's KV memory fraction is a fraction of."""

    gpu = "gpu"  # the whole card (vLLM gpu_memory_utilization, SGLang mem_fraction_static)
    free_after_weights = "free_after_weights"  # TensorRT-LLM free_gpu_memory_fraction


class EnginePreset(BaseModel):
    """One engine's defaults (per replica): running sequences, tokens per step, the prefill
    chunk, whether prefill and decode share a step, CUDA-graph decode, prefix caching, the
    KV memory fraction, and whether a request's whole KV is reserved at admission. Every
    field has its source in `sources` (checked when the catalog loads)."""

    def model_post_init(self, context: object) -> None:
        unsourced = set(type(self).model_fields) - {"name", "label", "aliases", "sources"}
        missing = sorted(unsourced - set(self.sources) - {"version", "date"})
        if missing:
            raise ValueError(f"engine {self.name}: no source for {', '.join(missing)}")

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    name: str
    label: str
    aliases: tuple[str, ...] = ()
    version: str
    date: str
    max_seqs: int = Field(ge=1, le=1_000_000)
    max_batched_tokens: int = Field(ge=1, le=10_000_000)
    chunk_tokens: int = Field(ge=1, le=10_000_000)
    chunked_prefill: bool
    mixes_prefill_and_decode: bool
    decode_cuda_graphs: bool
    cuda_graph_max_batch: int = Field(ge=0, le=1_000_000)
    prefix_caching: bool
    kv_memory_fraction: float = Field(gt=0, le=1)
    kv_memory_of: KVMemoryOf
    scheduling_policy: str
    reserves_whole_request: bool
    sources: dict[str, str]

    def __hash__(self) -> int:  # frozen, and a dict field: hash the name and version
        return hash((self.name, self.version))


@cache
def engines() -> tuple[EnginePreset, ...]:
    """Every shipped engine preset, in file order."""
    with ENGINES_FILE.open() as handle:
        rows = load_yaml(handle)
    out = []
    for index, row in enumerate(rows):
        try:
            out.append(EnginePreset.model_validate(row))
        except ValidationError as error:  # a broken shipped catalog is our bug: say where
            raise NapkinError(str(error), file=str(ENGINES_FILE), field=f"[{index}]") from None
    return tuple(out)


def find_engine(name: str, field: str | None = "engine") -> EnginePreset:
    """The preset called `name`, one of its aliases, or the first whose name or alias
    starts the text (a benchmark's 'TensorRT-LLM (trtllm-bench)' finds trtllm-bench)."""
    wanted = name.strip().lower()
    for engine in engines():
        if wanted in (engine.name, *(a.lower() for a in engine.aliases)):
            return engine
    spellings = sorted(
        ((s.lower(), e) for e in engines() for s in (e.name, *e.aliases)),
        key=lambda item: -len(item[0]),
    )
    for spelling, engine in spellings:  # longest first: "trtllm-bench" before "trtllm"
        if spelling in wanted:
            return engine
    known = ", ".join(e.name for e in engines())
    raise NapkinError(f"unknown engine {name!r}; engines: {known}", field=field)
