"""Design files in, validated `Design` out, or one clear error naming file and field.

A design file is YAML. Before validation, `--set path=value` overrides are applied to the
raw mapping, and catalog references (`model: llama-3.1-70b`, `hardware: H100-SXM`) are
expanded to their catalog entries, so an override can reach into them
(`--set hardware.price_per_gpu_hour_usd=3`).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError

from napkin.errors import NapkinError
from napkin.specs import catalog
from napkin.specs.design import KINDS, CompletionDesign, Design, FinetuneDesign
from napkin.specs.hf_config import load_hf_config
from napkin.specs.prices import Pricing, prices_of, typical_price
from napkin.specs.profile import load_profile
from napkin.specs.yaml_reader import load_yaml

DESIGN = TypeAdapter(Design)

BUILTIN_DIR = Path(__file__).resolve().parent.parent / "designs"


def builtin_designs() -> list[str]:
    """Names of the designs shipped with napkin."""
    return sorted(p.stem for p in BUILTIN_DIR.glob("*.yaml"))


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text()
    except FileNotFoundError:
        known = ", ".join(builtin_designs())
        raise NapkinError(
            f"no such file or built-in design (built-in: {known})", file=str(path)
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise NapkinError(f"cannot read: {error}", file=str(path)) from None
    try:
        data = copy.deepcopy(_parsed(text))  # the caller may change it
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or error
        raise NapkinError(f"invalid YAML{where}: {problem}", file=str(path)) from None
    if not isinstance(data, dict):
        raise NapkinError("a design file must be a YAML mapping (key: value)", file=str(path))
    return data


def _expand_model(value: Any, base: Path) -> Any:
    """Catalog name or {hf_config: path} -> a full model mapping; anything else unchanged."""
    if isinstance(value, str):
        return catalog.find_model(value, field="model").model_dump()
    if isinstance(value, dict) and "hf_config" in value:
        extra = set(value) - {"hf_config", "name"}
        if extra:
            raise NapkinError(
                f"unexpected keys {sorted(extra)} next to hf_config (allowed: hf_config, name)",
                field="model",
            )
        path = Path(str(value["hf_config"]))
        model = load_hf_config(path if path.is_absolute() else base / path, value.get("name"))
        return model.model_dump()
    return value


def _expand_hardware(value: Any, field: str = "hardware") -> Any:
    """Catalog name or {gpu: name, overrides...} -> a full GPU mapping."""
    if isinstance(value, str):
        return catalog.find_gpu(value, field=field).model_dump()
    if isinstance(value, dict) and "gpu" in value:
        entry = catalog.find_gpu(str(value["gpu"]), field=f"{field}.gpu").model_dump()
        overrides = {k: v for k, v in value.items() if k != "gpu"}
        if "price_per_gpu_hour_usd" in overrides and overrides["price_per_gpu_hour_usd"] is None:
            del overrides["price_per_gpu_hour_usd"]  # null: the list's price for `pricing`
        if "price_per_gpu_hour_usd" in overrides and "price_source" not in overrides:
            overrides["price_source"] = "assumption of the design"
            overrides["price_date"] = None
        elif overrides.get("pricing", "on_demand") in LISTED:
            listed = _listed_price(
                entry["name"], overrides["pricing"], overrides.get("price_provider"), field
            )
            overrides = {**listed, **overrides}
        return {**entry, **overrides}
    return value


LISTED = {p.value for p in Pricing} - {"on_demand"}  # on-demand: the GPU catalog's own


def _listed_price(gpu: str, pricing: str, provider: str | None, field: str) -> dict[str, Any]:
    """The price list's typical price of `gpu` on the plan `pricing` (`specs/prices.py`)."""
    plan = Pricing(pricing)
    row = typical_price(gpu, plan, provider, field=f"{field}.pricing")
    count = len(prices_of(gpu, plan, provider))
    return {
        "price_per_gpu_hour_usd": row.usd_per_gpu_hour,
        "price_source": f"median of {count} {plan.value} price(s) in the price list: "
        f"{row.provider} {row.region_or_sku} ({row.source}); {row.note}".rstrip("; "),
        "price_date": row.date,
    }


def _expand_bases(data: dict[str, Any], base: Path) -> None:
    """A fine-tune base given as `{hf_config: path}`, read into its full shape."""
    finetune = data.get("finetune")
    bases = finetune.get("bases") if isinstance(finetune, dict) else None
    for entry in bases if isinstance(bases, list) else ():
        if isinstance(entry, dict) and isinstance(entry.get("model"), dict):
            entry["model"] = _expand_model(entry["model"], base)


def _expand_pools(data: dict[str, Any]) -> None:
    """Each disaggregated pool's `hardware` as the design's own, and its `deployment` as
    the design's with the pool's fields over it (a pool that sets only `tp` keeps the
    design's engine and precision)."""
    pools = data.get("disaggregation")
    if not isinstance(pools, dict):
        return
    shared = data.get("deployment")
    for name in ("prefill", "decode"):
        pool = pools.get(name)
        if not isinstance(pool, dict):
            continue
        own = pool.get("deployment")
        if isinstance(own, dict) and isinstance(shared, dict):
            pool["deployment"] = {**shared, **own}
        if pool.get("hardware") is not None:
            where = f"disaggregation.{name}.hardware"
            pool["hardware"] = _expand_hardware(pool["hardware"], where)


def parse_override(text: str) -> tuple[list[str], Any]:
    if "=" not in text:
        raise NapkinError(f"--set expects path=value (e.g. workload.dau=20e6), got {text!r}")
    path, raw = text.split("=", 1)
    keys = [k for k in path.strip().split(".") if k]
    if not keys:
        raise NapkinError(f"--set has an empty field path in {text!r}")
    try:
        value = copy.deepcopy(_parsed(raw)) if raw.strip() else None
    except yaml.YAMLError:
        value = raw
    return keys, _number_if_numeric(value)


@lru_cache(maxsize=4096)
def _parsed(text: str) -> Any:
    """YAML text, parsed once: an optimizer's thousands of candidates repeat the same file
    and the same few `--set` values (callers copy before changing the result)."""
    return load_yaml(text)


def _number_if_numeric(value: Any) -> Any:
    """YAML reads `20e6` as a string; a value that parses as a finite number is one."""
    if not isinstance(value, str):
        return value
    try:
        number = float(value)
    except ValueError:
        return value
    if number != number or number in (float("inf"), float("-inf")):
        return value
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def apply_override(data: dict[str, Any], keys: list[str], value: Any, base: Path) -> None:
    node: Any = data
    for depth, key in enumerate(keys[:-1]):
        here = ".".join(keys[: depth + 1])
        child = node.get(key) if isinstance(node, dict) else None
        if here == "model":
            child = _expand_model(child, base)
        elif here.split(".")[-1] == "hardware" and isinstance(child, str):
            child = {"gpu": child}  # overrides merge onto the catalog entry at validation
        elif child is None:
            child = {}
        if not isinstance(child, dict):
            raise NapkinError(
                f"cannot set a field inside {here!r}: it is {child!r}", field=".".join(keys)
            )
        node[key] = child
        node = child
    node[keys[-1]] = value


def _field_path(loc: Iterable[Any]) -> str:
    parts: list[str] = []
    loc = list(loc)
    if loc and loc[0] in KINDS:  # the union's tag, not a field
        loc = loc[1:]
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        elif not str(item).startswith(("function-", "tagged-union")):
            parts.append(("." if parts else "") + str(item))
    return "".join(parts)


def _allowed_fields(loc: tuple[Any, ...]) -> list[str]:
    """The field names allowed at the parent of `loc`, for 'unknown field' messages."""
    if not loc or loc[0] not in KINDS:
        return []
    current: Any = KINDS[loc[0]]
    for item in loc[1:-1]:
        if isinstance(item, int) or not (
            isinstance(current, type) and issubclass(current, BaseModel)
        ):
            continue
        field = current.model_fields.get(str(item))
        if field is None:
            return []
        current = model_in(field.annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def model_in(annotation: Any) -> Any:
    """The BaseModel class inside an annotation like `X | None` or `tuple[X, ...]`."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = model_in(arg)
        if found is not None:
            return found
    return None


def explain(error: ValidationError, file: str | None) -> NapkinError:
    """Turn pydantic's report into napkin's: field path, what was given, what is allowed."""
    lines = []
    paths: list[str] = []
    for item in error.errors():
        loc = tuple(item["loc"])
        message = item["msg"].removeprefix("Value error, ")  # pydantic's wrapper of our text
        if item["type"] in ("union_tag_not_found", "union_tag_invalid"):
            given = item["input"].get("kind") if isinstance(item["input"], dict) else None
            problem = f"unknown kind {given!r}" if given is not None else "required field"
            lines.append(f"kind: {problem}; allowed: {', '.join(KINDS)}")
            paths.append("kind")
            continue
        if item["type"] == "extra_forbidden":
            allowed = _allowed_fields(loc)
            message = "unknown field" + (f"; allowed: {', '.join(allowed)}" if allowed else "")
        elif item["type"] == "missing":
            message = "required field is missing"
        elif "input" in item and not isinstance(item["input"], dict | list):
            message += f" (got {item['input']!r})"
        lines.append(f"{_field_path(loc) or '(top level)'}: {message}")
        paths.append(_field_path(loc))
    text = lines[0] if len(lines) == 1 else "\n  " + "\n  ".join(lines)
    # `field` is the first problem's path (for the Python API); the text already names it
    return NapkinError(text, file=file, field=paths[0] if paths else None, show_field=False)


def _check_catalog_references(design: Design) -> None:
    """Model names inside a kind's workload must be catalog entries too."""
    if isinstance(design, FinetuneDesign):
        for index, base in enumerate(design.finetune.bases):
            if isinstance(base.model, str):
                catalog.find_model(base.model, field=f"finetune.bases[{index}].model")
    if isinstance(design, CompletionDesign) and design.completion.speculation:
        name = design.completion.speculation.draft_model
        catalog.find_model(name, field="completion.speculation.draft_model")


def resolve_design(
    data: dict[str, Any],
    *,
    file: str | None = None,
    overrides: Iterable[str] = (),
    base: Path = Path("."),
) -> Design:
    """Validate a raw design mapping after applying `--set` overrides (on a deep copy:
    the caller's mapping is never changed)."""
    data = copy.deepcopy(data)
    try:
        for text in overrides:
            keys, value = parse_override(text)
            apply_override(data, keys, value, base)
        if "model" in data:
            data["model"] = _expand_model(data["model"], base)
        if "hardware" in data:
            data["hardware"] = _expand_hardware(data["hardware"])
        _expand_pools(data)
        _expand_bases(data, base)
        if isinstance(data.get("profile"), str):
            data["profile"] = load_profile(data["profile"]).model_dump()
        design = DESIGN.validate_python(data)
        _check_catalog_references(design)
        return design
    except ValidationError as error:
        raise explain(error, file) from None
    except NapkinError as error:
        error.file = error.file or file
        raise


def design_path(source: str | Path) -> Path:
    """The file behind a built-in design name, or the path as given."""
    path = Path(source)
    if not path.suffix and str(source) in builtin_designs():
        return BUILTIN_DIR / f"{source}.yaml"
    return path


def raw_design(source: str | Path, overrides: Iterable[str] = ()) -> dict[str, Any]:
    """The design's YAML mapping as written, with overrides applied but nothing expanded."""
    path = design_path(source)
    data = _read_yaml(path)
    for text in overrides:
        keys, value = parse_override(text)
        apply_override(data, keys, value, path.parent)
    return data


def design_yaml(source: str | Path, overrides: Iterable[str], header: str) -> str:
    """The design rewritten with overrides, for saving; its claims describe the original, so
    they are dropped."""
    data = raw_design(source, overrides)
    data.pop("claims", None)
    return f"# {header}\n" + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def load_design(
    source: str | Path, overrides: Iterable[str] = (), profile: str | None = None
) -> Design:
    """A built-in design by name (e.g. "chatbot") or a YAML file path, with overrides and an
    optional efficiency profile (a name saved by `napkin calibrate`, or a profile file).

    Raises NapkinError (file, field, what is allowed) for any bad input.
    """
    path = design_path(source)
    data = _read_yaml(path)
    if profile is not None:
        data["profile"] = profile
    return resolve_design(data, file=str(source), overrides=overrides, base=path.parent)
