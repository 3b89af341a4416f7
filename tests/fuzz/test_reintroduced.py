"""The fuzzer finds the known failures of issue #13 when they come back.

Each test puts one old defect back (a monkeypatch standing in for the old code), runs the
same fuzz case and strategy CI runs, and requires a Defect. Hypothesis stops at the first
failing case and does not shrink it (shrinking a hang costs 5 s a step)."""

from __future__ import annotations

import pytest
from hypothesis import Phase, given, settings

import napkin.capacity.queueing as queueing
import napkin.sim.footprint
import napkin.sim.traffic as workload
import napkin.specs.hf_config
import napkin.strict_json
from napkin.errors import NapkinError
from napkin.planner import plan
from napkin.sim.footprint import Budget
from napkin.specs.loader import load_design, raw_design

from .harness import Defect, fuzz, survive
from .mutate import mutated
from .test_cli import command_lines, invoke
from .test_inputs import _model_planned, design_case, hf_configs, trace_case, traces


def hunt(examples: int) -> settings:
    """CI's settings, generating only: stop at the first defect, do not shrink."""
    return settings(fuzz(examples), phases=[Phase.generate])


def test_a_linear_server_count_hangs_and_is_found(monkeypatch: pytest.MonkeyPatch) -> None:
    """The old `servers_for_wait`: one server at a time (minutes at 10^6 jobs/h)."""

    def one_at_a_time(
        arrival: float, service: float, wait_s: float, quantile: float, peakedness: float = 1.0
    ) -> int:
        del peakedness  # the old code knew only M/M/c
        servers = 1
        while queueing.wait_exceeds_probability(servers, arrival, service, wait_s) > (1 - quantile):
            servers += 1
        return servers

    monkeypatch.setattr(queueing, "servers_for_wait", one_at_a_time)

    @hunt(3000)
    @given(mutated(raw_design("finetune-service")))
    def case(data: dict) -> None:
        design_case("finetune-service", data)

    with pytest.raises(Defect, match="no answer within"):
        case()


def test_an_undecoded_binary_trace_is_found(monkeypatch: pytest.MonkeyPatch) -> None:
    """The old `read_trace`: a binary file ended in UnicodeDecodeError."""
    original = workload.read_trace

    def old_read_trace(path):  # noqa: ANN001, ANN202
        try:
            return original(path)
        except NapkinError as error:
            if "not a text trace" in str(error):
                raise UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte") from None
            raise

    monkeypatch.setattr(workload, "read_trace", old_read_trace)
    planned = plan(load_design("chatbot"))

    @hunt(1500)
    @given(traces())
    def case(trace: tuple[str, bytes]) -> None:
        trace_case(planned, trace)

    with pytest.raises(Defect, match="UnicodeDecodeError"):
        case()


def test_infinity_printed_as_json_is_found(monkeypatch: pytest.MonkeyPatch) -> None:
    """The old --json: an infinite figure (a drill's open window) reached json.dumps."""
    monkeypatch.setattr(napkin.strict_json, "finite", lambda value: value)
    monkeypatch.setattr(napkin.sim.footprint, "DEFAULT_BUDGET", Budget(2.0, 1e9))

    @hunt(200)
    @given(command_lines(("drill",)))
    def case(args: list[str]) -> None:
        survive(lambda: invoke(args))

    with pytest.raises(Defect):
        case()


def test_hf_counts_taken_as_given_are_found(monkeypatch: pytest.MonkeyPatch) -> None:
    """The old HF import: counts written as strings or zeros went straight into formulas."""
    monkeypatch.setattr(napkin.specs.hf_config, "_check_counts", lambda config, source: None)

    @hunt(1500)
    @given(hf_configs())
    def case(config: dict) -> None:
        survive(lambda: _model_planned(config))

    with pytest.raises(Defect):
        case()


def test_the_hunt_is_not_vacuous() -> None:
    """Without a reintroduced defect the same hunts pass (they can fail only because of it)."""

    @hunt(200)
    @given(mutated(raw_design("finetune-service")))
    def case(data: dict) -> None:
        design_case("finetune-service", data)

    case()
