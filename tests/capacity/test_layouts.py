"""Memory, speed and collectives under attention data parallelism and expert parallelism,
checked by hand."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from napkin.capacity import memory
from napkin.errors import NapkinError
from napkin.perf.batching import Engine
from napkin.perf.communication import alltoall_time_s, step_communication_s
from napkin.perf.efficiency import resolve
from napkin.perf.ops import decode_batch, forward_ops
from napkin.perf.roofline import step_time
from napkin.perf.sharding import Shares
from napkin.perf.step_model import StepModel
from napkin.planner import plan
from napkin.specs.catalog import find_gpu, find_model
from napkin.specs.deployment import Deployment
from napkin.specs.loader import load_design
from napkin.specs.profile import Efficiency
from napkin.units import GIB, Precision

EP32 = Deployment(tp=32, dp_attention=32, ep=32, precision="fp8")


def test_deepseek_v3_weights_split_by_hand():
    # Attention group: 61 layers × (MLA 187,105,280 + norms 14,336) = 11,414,296,576
    #   MLA: q 7168·1536 + 1536·128·192 = 48,758,784; kv 7168·576 + 512·128·256 = 20,905,984;
    #        o 128·128·7168 = 117,440,512
    #   + embeddings 129,280·7168·2 = 1,853,358,080 + final norm 7,168
    #   + routers 58 × 7168·256 = 106,430,464                        = 13,374,092,288
    # FFNs: 3 dense × 3·7168·18432 = 1,189,085,184
    #   + 58 MoE layers × (256 + 1 shared) × 3·7168·2048 = 656,463,101,952 = 657,652,187,136
    model = find_model("deepseek-v3")
    assert model.attention_group_params == 13_374_092_288
    assert model.ffn_params == 657_652_187_136
    assert model.attention_group_params + model.ffn_params == model.total_params


def test_deepseek_v3_per_gpu_memory_under_ep32_with_dp_attention():
    # fp8 (1 B a weight), 32 GPUs, DP-attention 32 × TP1, EP32:
    #   13,374,092,288 (each GPU a whole attention copy) + 657,652,187,136 / 32 = 20,551,630,848
    #   = 33,925,723,136 B (31.6 GiB); plain TP32 holds 671,026,279,424 / 32 = 20,969,571,232.
    model = find_model("deepseek-v3")
    dp = memory.model_weight_bytes_per_gpu(model, 1, EP32.attention_tp, EP32.tp)
    assert dp == 33_925_723_136
    assert memory.model_weight_bytes_per_gpu(model, 1, 32, 32) == 20_969_571_232
    # KV: 61 layers × (512 + 64) × 1 B = 35,136 B a token. On 80 GiB H100s at 0.9 and 2 GiB
    # reserved, usable 75,161,927,680 B a GPU:
    #   DP32: (75,161,927,680 − 33,925,723,136) × 32 / (35,136 × 4,096) = 9,168 sequences
    #   TP32: (75,161,927,680 − 20,969,571,232) × 32 / (35,136 × 4,096 × 32 copies) = 376
    # 286 sequences a GPU against 11.75: the MLA latent is copied only within a group.
    assert memory.kv_bytes_per_token(model, Precision.fp8) == 35_136
    h100 = find_gpu("H100-SXM")
    fit = [
        memory.sequences_that_fit(
            model, h100.memory_bytes, 32, 1, Precision.fp8, 0.9, 2 * GIB, 4096, attention_tp=g
        )
        for g in (1, 32)
    ]
    assert fit == [9168, 376]


def test_qwen3_moe_expert_shard_by_hand():
    # Qwen3-30B-A3B: 48 layers × 128 experts × 3 · 2048 · 768 = 28,991,029,248 expert weights;
    # EP4 on 4 GPUs puts 32 whole experts a GPU: 7,247,757,312 params, 14.5 GB in bf16.
    model = find_model("qwen3-30b-a3b")
    assert model.ffn_params == 48 * 128 * 3 * 2048 * 768 == 28_991_029_248
    per_gpu = memory.model_weight_bytes_per_gpu(model, 2, 4, 4)
    assert per_gpu == pytest.approx(2 * (model.attention_group_params / 4 + 7_247_757_312))


def test_alltoall_bytes_and_time_by_hand():
    # DeepSeek-V3 decode on 32 H100s, EP32: 2,048 tokens a step (64 a GPU). One all-to-all
    # sends 64 × 8 experts × 7168 × 2 B × 31/32 = 7,110,656 B from a rank; the busiest rank
    # (expert_imbalance 1.1, with EPLB) 1.1 × that, across nodes (32 > 8 GPUs) at 50 GB/s ×
    # 0.8 = 40 GB/s after 5 µs: 5e-6 + 7,821,722 / 40e9 = 200.5 µs.
    model, h100 = find_model("deepseek-v3"), find_gpu("H100-SXM")
    eff = resolve(Efficiency(link_fraction=0.8), h100)
    sent = 64 * 8 * 7168 * 2 * 31 / 32
    assert sent == 7_110_656
    one = 5e-6 + 1.1 * sent / 40e9
    assert alltoall_time_s(2048, model, EP32, h100, eff) == pytest.approx(one)
    even = EP32.model_copy(update={"expert_imbalance": 1.0})
    assert alltoall_time_s(2048, model, even, h100, eff) == pytest.approx(5e-6 + sent / 40e9)
    # Whole step: 58 MoE layers × 2 all-to-alls, and 3 dense layers' all-reduce of all
    # 2,048 tokens over 32 GPUs; attention groups of one GPU reduce nothing.
    dense = 5e-6 + 2 * 31 / 32 * 2048 * 7168 * 2 / 40e9
    total = 58 * 2 * one + 3 * dense
    assert step_communication_s(model, 2048, EP32, h100, eff) == pytest.approx(total)


def test_the_busiest_expert_rank_sets_the_step():
    # Routed-expert FLOPs per GPU scale with expert_imbalance; their weights do not.
    model = find_model("deepseek-v3")
    ops = forward_ops(model, decode_batch(2048, 1000), Precision.fp8, Precision.fp8)
    routed = next(op for op in ops if op.name == "ffn_moe")
    even, busy = (
        Shares.of(model, EP32.model_copy(update={"expert_imbalance": x})) for x in (1.0, 2.5)
    )
    assert busy.per_gpu(routed)[0] == pytest.approx(2.5 * even.per_gpu(routed)[0])
    weights = routed.weights / 32
    assert busy.per_gpu(routed)[1] - weights == pytest.approx(
        2.5 * (even.per_gpu(routed)[1] - weights)
    )


def test_plain_tensor_parallelism_is_unchanged():
    # dp_attention = ep = 1: 2 all-reduces a layer over tp of every token (Megatron-LM).
    model, h100 = find_model("llama-3.1-70b"), find_gpu("H100-SXM")
    eff = resolve(Efficiency(link_fraction=0.8, allreduce_latency_s=8e-6), h100)
    one = 8e-6 + 2 * 7 / 8 * 16 * 8192 * 2 / (450e9 * 0.8)
    assert step_communication_s(model, 16, Deployment(tp=8), h100, eff) == pytest.approx(160 * one)


def test_dp_attention_reads_its_own_attention_weights_and_mla_kv_once():
    model, h100 = find_model("deepseek-v3"), find_gpu("H100-SXM")
    eff = resolve(Efficiency(step_overhead_s=0, layer_overhead_s=0), h100)
    tp8 = Deployment(tp=8, precision="fp8")
    dp8 = Deployment(tp=8, dp_attention=8, ep=8, precision="fp8")
    batch = decode_batch(256, 4000)
    a, b = (step_time(model, h100, d, eff, batch) for d in (tp8, dp8))
    # Per GPU, DP8 reads its group's whole attention weights, 12.4 GB (13.4 GB less the
    # input embedding, a lookup; TP8: 1/8 of it), but 1/8 of the MLA KV: 256 × 4,000 ×
    # 35,136 B = 36.0 GB for the replica, 36.0 GB a GPU under TP8 (8 copies / 8 GPUs).
    kv = 256 * 4000 * 35_136
    read = model.attention_group_params - model.vocab_size * model.hidden_size
    weights_extra = read * (1 - 1 / 8)
    assert a.bytes_per_gpu - b.bytes_per_gpu == pytest.approx(kv * 7 / 8 - weights_extra, rel=0.02)


def test_step_model_agrees_with_roofline_under_dp_and_ep():
    model, h100 = find_model("deepseek-v3"), find_gpu("H100-SXM")
    eff = resolve(None, h100)
    engine = Engine(model, h100, Deployment(tp=8, dp_attention=4, ep=8, precision="fp8"), eff)
    steps = StepModel(engine)
    for batch in (decode_batch(1, 100), decode_batch(64, 3000)):
        expected = step_time(model, h100, engine.deployment, eff, batch).total_s
        assert steps.time(batch) == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"tp": 8, "dp_attention": 3}, "dp_attention 3 must divide tp 8"),
        ({"tp": 8, "ep": 3}, "ep 3 must divide tp 8"),
        ({"tp": 8, "ep": 2, "moe_tp": 2}, "ep × moe_tp must equal tp"),
    ],
)
def test_impossible_layouts_are_one_clear_error_each(fields, message):
    with pytest.raises(ValidationError, match=message):
        Deployment(**fields)


def test_expert_parallelism_needs_experts_that_split_evenly():
    with pytest.raises(NapkinError, match="has no experts to split"):
        load_design("chatbot", ["deployment.ep=2"])
    with pytest.raises(NapkinError, match="do not split evenly over ep 3"):
        load_design("chatbot", ["model=mixtral-8x7b", "deployment.tp=6", "deployment.ep=3"])


def test_a_replica_past_its_node_needs_scale_out_figures():
    model, l40s = find_model("llama-3.1-8b"), find_gpu("L40S")
    eff = resolve(None, l40s)
    with pytest.raises(NapkinError, match="inter_node_gb_per_s"):
        step_communication_s(model, 1, Deployment(tp=16), l40s, eff)
    assert Deployment(tp=32, dp_attention=32, ep=32).layout == (
        "TP32 (DP-attention 32 × TP1, EP32)"
    )


def test_each_attention_group_schedules_its_own_batch():
    # vLLM 0.11 runs up to 1,024 sequences a scheduler; DP-attention 8 has 8 schedulers, and
    # DeepSeek-V3 on 8 H200s in fp8 then runs more than one scheduler's 1,024 at once.
    dp8 = Deployment(tp=8, dp_attention=8, precision="fp8")
    assert dp8.max_seqs == 8 * dp8.preset.max_seqs == 8192
    overrides = ["model=deepseek-v3", "hardware=H200", "deployment.precision=fp8"]
    plain = plan(load_design("chatbot", [*overrides, "deployment.tp=8"]))
    split = plan(load_design("chatbot", [*overrides, "deployment.dp_attention=8"]))
    assert split.recommendation.batch > 1024 > plain.recommendation.batch
    # Memory room a GPU: 2,193 sequences against 357 with the latent on all 8 GPUs.
    rooms = [p.figures["max_sequences_by_memory"].value / 8 for p in (plain, split)]
    assert rooms[1] > 6 * rooms[0]


def test_a_job_fits_one_nvlink_domain_not_only_one_tray():
    # GB200 trays hold 4 GPUs, but 72 share one NVLink domain (NVL72).
    gb200 = find_gpu("GB200")
    assert (gb200.max_gpus_per_node, gb200.domain_gpus) == (4, 72)
    result = plan(load_design("finetune-service", ["hardware=GB200"]))
    assert result.fits and "72-GPU NVLink domain" in result.fit_reason
    assert "one 8-GPU node" in plan(load_design("finetune-service")).fit_reason


def _engine_of(deployment: Deployment) -> Engine:
    gpu = find_gpu("H100-SXM")
    return Engine(find_model("deepseek-v3"), gpu, deployment, resolve(None, gpu, None, "sglang"))


def test_two_batch_overlap_hides_the_all_to_alls_behind_compute():
    """T = overhead + max(2 × ops(batch / 2), collectives(batch)): each half reads the
    weights again, and only the collectives longer than the two halves' ops show."""
    plain = _engine_of(EP32)
    overlapped = _engine_of(EP32.model_copy(update={"two_batch_overlap": True}))
    eff, model, gpu = plain.efficiency, plain.model, plain.gpu
    batch = decode_batch(2048, 4096)
    half = decode_batch(1024, 4096)
    alone = step_time(model, gpu, EP32, eff, half)
    ops = 2 * (alone.compute_s + alone.memory_s)
    comm = step_communication_s(model, 2048, EP32, gpu, eff)
    expected = eff.overhead_s(2048, model.num_layers) + max(ops, comm)
    tbo = step_time(model, gpu, overlapped.deployment, eff, batch)
    assert tbo.total_s == pytest.approx(expected, rel=1e-12)
    assert tbo.total_s < step_time(model, gpu, EP32, eff, batch).total_s
    assert StepModel(overlapped).time(batch) == pytest.approx(tbo.total_s, rel=1e-12)


def test_two_batch_overlap_needs_expert_parallelism():
    with pytest.raises(ValidationError, match="needs ep > 1"):
        Deployment(tp=8, two_batch_overlap=True)
