"""The compiled simulator core and its pure-Python fallback give bit-identical results.

`battery()` runs simulations and drills that reach every path of the core (preemption,
prefix cache, cancellations, timeouts, rate limits, a central queue, MoE, speculation,
disaggregation, crashes, hangs and retries). This process runs it on whichever core it
loaded; a subprocess runs it with NAPKIN_SIM_CORE=python; the JSON must match to the bit.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from napkin import native
from napkin.drills.runner import run_drill
from napkin.planner import plan
from napkin.sim.options import SimOptions
from napkin.sim.run import simulate
from napkin.specs.loader import load_design

REPO = Path(__file__).parents[2]
EIGHT_B = ["model=llama-3.1-8b", "deployment.tp=1"]
SPLIT = [
    *EIGHT_B,
    "disaggregation.prefill.deployment.tp=1",
    "disaggregation.decode.deployment.tp=1",
]
LONG = [*EIGHT_B, "workload.input_tokens_per_turn=4000", "workload.output_tokens_per_turn=2000"]
CASES: list[tuple[str, list[str], dict[str, Any]]] = [
    ("chatbot", EIGHT_B, {"replicas": 2, "qps": 40, "duration_s": 60}),
    ("chatbot", LONG, {"replicas": 1, "qps": 20, "duration_s": 30, "max_seqs": 1024}),
    (
        "chatbot",
        EIGHT_B,
        {"replicas": 3, "qps": 30, "duration_s": 40, "router": "session"}
        | {"prefix_cache_fraction": 0.3, "shared_prefix_tokens": 500}
        | {"arrival": "gamma", "cv": 3.0},
    ),
    (
        "chatbot",
        EIGHT_B,
        {"replicas": 1, "qps": 400, "duration_s": 20, "central_queue": True}
        | {"queue_timeout_s": 0.5, "cancel_after_s": 1.0, "max_context_tokens": 4000.0},
    ),
    (
        "chatbot",
        EIGHT_B,
        {"replicas": 4, "qps": 40, "duration_s": 30, "router": "least-loaded"}
        | {"tenant_qps": 5.0, "tenant_shares": (0.7, 0.3)},
    ),
    ("code-completion", [], {"replicas": 4, "qps": 100, "duration_s": 30, "records": False}),
    ("moe-chat", [], {"replicas": 1, "qps": 5, "duration_s": 30}),
    ("code-completion", [], {"replicas": 1, "qps": 30, "duration_s": 20}),
    ("chatbot", SPLIT, {"qps": 20, "duration_s": 30}),
]
DRILLS = [
    ("replica-crash", {"count": 1, "restart_s": 20}),
    ("stalled-replica", {}),
    ("retry-storm", {}),
    ("region-failover", {}),
    ("cancellation", {}),
]


def battery(cases: int = len(CASES)) -> dict[str, Any]:
    """Every case's seeded results, without what differs run to run (wall clock, memory)."""
    out: dict[str, Any] = {"core": native.CORE_KIND}
    for i, (design, sets, options) in enumerate(CASES[:cases]):
        result = simulate(plan(load_design(design, sets)), SimOptions(seed=i, **options))
        out[f"{i} {design}"] = {k: v for k, v in result.to_json().items() if k != "run"}
    chatbot = plan(load_design("chatbot", EIGHT_B))
    for name, params in DRILLS if cases == len(CASES) else []:
        drill = run_drill(chatbot, name, params, SimOptions(duration_s=60, replicas=4, qps=60))
        out[name] = {k: v for k, v in drill.to_json().items() if k != "wall_s"}
    return out


def _pure_battery(cases: int = len(CASES), before: str = "pass") -> dict[str, Any]:
    """The battery on the pure-Python core, in a fresh process; `before` runs first."""
    code = (
        f"import json; {before}; from tests.sim.test_native import battery; "
        f"print(json.dumps(battery({cases})))"
    )
    env = {**os.environ, native.ENV: "python"}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def test_setup_compiles_the_modules_native_loads():
    """setup.py compiles native.py's CORE (what the stamp checks), read from its source."""
    source = (REPO / "setup.py").read_text()
    reader = next(
        node
        for node in ast.parse(source).body
        if isinstance(node, ast.FunctionDef) and node.name == "_core"
    )
    namespace: dict[str, Any] = {"ast": ast, "SRC": REPO / "src"}
    exec(ast.get_source_segment(source, reader) or "", namespace)  # the reader, not the build
    assert namespace["_core"]() == native.CORE and len(native.CORE) == 13


@pytest.mark.skipif(not native.COMPILED, reason=f"the core is {native.CORE_KIND}")
def test_compiled_and_pure_cores_agree_to_the_bit():
    from napkin.sim import replica

    assert replica.__file__.endswith(".so")  # this process really runs the compiled core
    compiled, pure = battery(), _pure_battery()
    assert compiled.pop("core") == "compiled (mypyc)"
    assert pure.pop("core") == "pure Python (NAPKIN_SIM_CORE=python)"
    assert json.dumps(compiled) == json.dumps(pure)


def test_the_comparison_sees_a_core_off_by_one_part_in_a_trillion():
    """Mutation: a pure core whose segment sums are 1e-12 s long per segment differs."""
    mutate = (
        "import napkin.perf.step_model as m; f = m._sum_max; m._sum_max = lambda *a: f(*a) + 1e-12"
    )
    exact, mutated = _pure_battery(1), _pure_battery(1, mutate)
    assert exact.pop("core") == mutated.pop("core")
    assert json.dumps(exact) != json.dumps(mutated)


def test_a_stale_or_missing_build_falls_back_to_pure_python(tmp_path, monkeypatch):
    monkeypatch.delenv(native.ENV, raising=False)
    monkeypatch.setattr(native, "STAMP", tmp_path / "missing.json")
    assert native._choose() == (False, "pure Python (not compiled at install)")
    stamp = tmp_path / "native_build.json"
    stale = {path: "0" * 64 for path in native.CORE}
    stamp.write_text(json.dumps({"compiler": "mypyc", "sources": stale}))
    monkeypatch.setattr(native, "STAMP", stamp)
    compiled, why = native._choose()
    assert not compiled and "changed since the build" in why
    fresh = {path: native.source_hash(path) for path in native.CORE}
    stamp.write_text(json.dumps({"compiler": "mypyc", "sources": fresh}))
    monkeypatch.setattr(native, "_extension", lambda path: None)  # a stamp, no modules
    compiled, why = native._choose()
    assert not compiled and "has no compiled module" in why
    monkeypatch.setattr(native, "_extension", lambda path: tmp_path / "built.so")
    assert native._choose() == (True, "compiled (mypyc)")
    monkeypatch.setenv(native.ENV, "python")
    assert native._choose() == (False, "pure Python (NAPKIN_SIM_CORE=python)")


def test_the_source_hook_loads_the_core_from_py_files():
    spec = native._Source.find_spec("napkin.sim.replica")
    assert spec is not None and spec.origin is not None and spec.origin.endswith("replica.py")
    assert native._Source.find_spec("napkin.sim.metrics") is None  # never compiled


# Sums of ints in the core: exact whichever way they are added.
INTEGER_SUMS = {
    "napkin/sim/event_loop.py": ["sum(rep.preempted for rep in self.replicas)"],
    "napkin/sim/holdings.py": ["sum([x.outstanding for x in fleet.replicas[fleet.entry :]])"],
}


def test_the_core_adds_floats_without_the_builtin_sum():
    """From Python 3.12 the interpreter's `sum` of floats compensates rounding (Neumaier),
    while mypyc compiles `sum` to plain adds: a float `sum` in the core would make the two
    cores differ in the last bits there. Floats go through `step_model._total` or explicit
    loops; the sums left are of ints. Mutation: a new `sum(` in any core file goes red."""
    for path in native.CORE:
        source = (native.ROOT / path).read_text()
        calls = [
            ast.get_source_segment(source, node)
            for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "sum"
        ]
        assert calls == INTEGER_SUMS.get(path, []), path
