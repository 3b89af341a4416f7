"""Values print in the units a reader wants: '$14.4k/month', not '$0.01M'; '1.0 s', not
'1e+03 ms'. Every expected string here is written by hand."""

from __future__ import annotations

import pytest

from napkin.render.format import format_claim, format_value, value_range


@pytest.mark.parametrize(
    "value, unit, shown",
    [
        (950, "USD/month", "$950/month"),
        (14_400, "USD/month", "$14.4k/month"),
        (5_011_200, "USD/month", "$5.01M/month"),
        (6_370_560, "USD", "$6.37M"),
        (15e6, "USD/month", "$15M/month"),
        (5e6, "USD", "$5.0M"),
        (1.2e9, "USD", "$1.2B"),
        (999.6, "USD", "$1.0k"),
        (999_999, "USD", "$1.0M"),
        (1.39, "USD/Mtok", "$1.39/M tokens"),
        (0.53, "USD/Mtok", "$0.53/M tokens"),
        (2, "USD/GPU-h", "$2.00/GPU-h"),
        (0.000418, "USD", "$0.000418"),
        (0, "USD", "$0.00"),
        (-14_400, "USD", "-$14.4k"),
    ],
)
def test_dollars_scale_with_their_unit(value, unit, shown):
    assert format_value(value, unit) == shown


@pytest.mark.parametrize(
    "value, shown",
    [
        (850e-6, "850 µs"),
        (8e-6, "8.0 µs"),
        (0.042, "42 ms"),
        (0.0575, "57.5 ms"),
        (0.0401, "40.1 ms"),
        (0.9996, "1.0 s"),
        (1.0, "1.0 s"),
        (3, "3.0 s"),
        (12.1, "12.1 s"),
        (15, "15 s"),
        (59.99, "1.0 min"),
        (192, "3.2 min"),
        (7560, "2.1 h"),
        (3 * 86400, "3.0 d"),
        (0, "0 s"),
    ],
)
def test_seconds_take_the_unit_that_keeps_them_short(value, shown):
    assert format_value(value, "s") == shown
    assert "e+" not in shown and "e-" not in shown


@pytest.mark.parametrize(
    "value, unit, shown",
    [
        (120e9, "tokens/day", "120,000,000,000 tokens/day"),
        (13_888.9, "req/s", "13,889 req/s"),
        (31.4, "req/s", "31.4 req/s"),
        (5, "1/day", "5 1/day"),
        (1.25, "×", "1.25×"),
        (0.8, "fraction", "80%"),
        (0.05, "fraction", "5.00%"),
        (141_107_412_992, "B", "131.4 GiB"),
        (70.55e9, "params", "70.55B params"),
        (True, "bool", "yes"),
    ],
)
def test_counts_and_other_units(value, unit, shown):
    assert format_value(value, unit) == shown


def test_a_range_writes_a_shared_unit_once():
    assert value_range("1,000 tokens/s", "2,000 tokens/s") == "1,000–2,000 tokens/s"
    assert value_range("$5.9M/month", "$7.4M/month") == "$5.9M–$7.4M/month"
    assert value_range("30 ms", "1.0 s") == "30 ms–1.0 s"
    assert value_range("$5.9M", "$7.4M") == "$5.9M–$7.4M"


def test_format_claim():
    assert format_claim((30, 50), 76.7, "tokens/s") == ("30–50 tokens/s", "76.7 tokens/s")
    assert format_claim(15e6, 5.0112e6, "USD/month") == ("$15M/month", "$5.01M/month")
    assert format_claim(250, None, "replicas") == ("250 replicas", "–")
