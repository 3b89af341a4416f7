"""Stated figures against computed ones: agreement, ranges, and flags."""

from __future__ import annotations

from napkin.claim_check import check_claim
from napkin.figures import Figure, Source
from napkin.specs.claims import Claim

FIGS = {
    "monthly_cost_usd": Figure("monthly_cost_usd", 5.04e6, "USD/month", Source.formula, "c"),
    "peak_qps": Figure("peak_qps", 13_888.9, "req/s", Source.formula, "d"),
}


def test_rounded_statement_agrees_within_tolerance():
    check = check_claim(Claim(name="peak_qps", stated=14_000), FIGS)
    assert check.agrees and check.computed == 13_888.9  # 0.8% apart


def test_wrong_statement_is_flagged_with_ratio():
    check = check_claim(Claim(name="monthly_cost_usd", stated=15e6, note="see x"), FIGS)
    assert not check.agrees
    assert "2.98×" in check.note and check.note.endswith("see x")


def test_tolerance_is_relative_to_the_statement():
    assert not check_claim(Claim(name="peak_qps", stated=14_000, tolerance=0.005), FIGS).agrees


def test_ranges():
    inside = check_claim(Claim(name="peak_qps", stated_range=(10_000, 20_000)), FIGS)
    outside = check_claim(Claim(name="peak_qps", stated_range=(30, 50)), FIGS)
    assert inside.agrees and not outside.agrees and "outside" in outside.note


def test_unknown_figure_is_a_failed_check_that_lists_known_keys():
    check = check_claim(Claim(name="nope", stated=1), FIGS)
    assert not check.agrees and check.computed is None and "peak_qps" in check.note
