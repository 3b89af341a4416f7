"""Fleet sizing against the reference's prompt-1 figures, by hand."""

from __future__ import annotations

from napkin.capacity import fleet


def test_rule_of_thumb_fleet():
    needed = fleet.gpus_needed(4_166_666.67, 1500)
    assert needed == 2778  # ceil(2777.8)
    replicas = fleet.replicas_provisioned(needed, 1.25, 8)
    assert replicas == 435  # ceil(2778 x 1.25 / 8 = 434.06)
    assert fleet.gpus_provisioned(replicas, 8) == 3480


def test_exact_multiples_do_not_round_up():
    assert fleet.replicas_provisioned(800, 1.25, 8) == 125  # 1000 / 8 exactly
    assert fleet.model_replicas_needed(90.0, 45.0) == 2


def test_model_fleet():
    assert fleet.model_replicas_needed(13_888.9, 45.25) == 307  # ceil(306.9)
    assert fleet.model_gpus_needed(307, 8) == 2456
    assert fleet.model_replicas_provisioned(13_888.9, 1.25, 45.25) == 384  # ceil(383.7)
    assert fleet.model_gpus_provisioned(384, 8) == 3072
