"""Little's law, L = λW, with the reference's own worked example."""

from __future__ import annotations

import pytest

from napkin.capacity import queueing


def test_reference_example_1000_slots_8_seconds():
    # 1000 in-flight slots, 8 s per request -> 125 requests/s sustained per replica.
    assert queueing.littles_max_qps_per_replica(1000, 8.0) == 125.0


def test_in_flight_is_rate_times_time():
    assert queueing.in_flight_at_peak(13_888.9, 12.0) == pytest.approx(166_666.8)


def test_round_trip_l_over_w():
    in_flight = queueing.in_flight_at_peak(50.0, 4.0)
    assert queueing.littles_max_qps_per_replica(in_flight, 4.0) == 50.0


def test_utilization():
    assert queueing.peak_utilization(80.0, 4, 25.0) == 0.8
