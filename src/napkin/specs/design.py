"""A design: one kind of system, its model on its hardware, and what it claims.

Five kinds share the fields of `DesignBase` and add their own workload. A design file
names its `kind`; the union below picks the class (a discriminated union, not a registry).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from napkin.specs.agent_workload import AgentWorkload
from napkin.specs.claims import Claim
from napkin.specs.completion_workload import CompletionWorkload
from napkin.specs.deployment import Deployment
from napkin.specs.disaggregation import Disaggregation
from napkin.specs.eval_workload import EvalWorkload
from napkin.specs.failure_mode import FailureMode
from napkin.specs.finetune_workload import FinetuneWorkload
from napkin.specs.hardware import GPU
from napkin.specs.model import Model
from napkin.specs.profile import Efficiency, Profile
from napkin.specs.rule_of_thumb import RuleOfThumb
from napkin.specs.sla import SLA
from napkin.specs.whiteboard import Whiteboard
from napkin.specs.workload import Workload


class DesignBase(BaseModel):
    """Fields every kind has. `model` and `hardware` arrive resolved (catalog looked up):
    in a file `model` may be a catalog name, `{hf_config: path}` or a full shape, and
    `hardware` a catalog name, `{gpu: name, <field>: override}` or a full entry."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    name: str
    description: str | None = None
    model: Model
    hardware: GPU
    deployment: Deployment = Field(default_factory=Deployment)
    disaggregation: Disaggregation | None = None
    efficiency: Efficiency | None = None
    profile: Profile | None = None
    claims: tuple[Claim, ...] = ()
    failure_modes: tuple[FailureMode, ...] = ()
    whiteboard: Whiteboard | None = None

    @model_validator(mode="after")
    def _layout_fits_model(self) -> DesignBase:
        """Expert parallelism needs experts, as many on every rank (in every pool)."""
        layouts = [("deployment", self.deployment)]
        kind = getattr(self, "kind", "")
        if self.deployment.pp > 1 and kind not in SERVING_KINDS:
            raise ValueError(
                f"deployment.pp: a {kind} design plans its jobs' GPUs itself; pipeline "
                f"stages apply to serving ({', '.join(SERVING_KINDS)})"
            )
        if self.disaggregation is not None:
            if kind not in SERVING_KINDS:
                raise ValueError(
                    f"disaggregation: a {kind} design does not serve requests; "
                    f"prefill/decode pools apply to {', '.join(SERVING_KINDS)}"
                )
            for pool in ("prefill", "decode"):
                dep = getattr(self.disaggregation, pool).deployment or self.deployment
                layouts.append((f"disaggregation.{pool}.deployment", dep))
        for where, dep in layouts:
            _check_experts(self.model, dep, where)
        return self


def _check_experts(model: Model, dep: Deployment, where: str) -> None:
    moe = model.moe
    if dep.ep > 1 and moe is None:
        raise ValueError(
            f"{where}.ep: {model.name} has no experts to split; "
            "use ep 1 (the default) for a dense model"
        )
    if moe is not None and moe.num_experts % dep.ep:
        raise ValueError(
            f"{where}.ep: {moe.num_experts} experts of {model.name} do not split "
            f"evenly over ep {dep.ep}; use a divisor of {moe.num_experts}"
        )


# The kinds whose plan is a serving fleet (simulated, drilled, optimized).
SERVING_KINDS = ("chatbot", "coding-agent", "code-completion")


class ChatbotDesign(DesignBase):
    kind: Literal["chatbot"]
    workload: Workload
    sla: SLA
    rule_of_thumb: RuleOfThumb | None = None


class CodingAgentDesign(DesignBase):
    kind: Literal["coding-agent"]
    agent: AgentWorkload
    sla: SLA


class FinetuneDesign(DesignBase):
    kind: Literal["finetune-service"]
    finetune: FinetuneWorkload


class CompletionDesign(DesignBase):
    kind: Literal["code-completion"]
    completion: CompletionWorkload
    sla: SLA


class EvalDesign(DesignBase):
    kind: Literal["eval-harness"]
    eval: EvalWorkload


Design = Annotated[
    ChatbotDesign | CodingAgentDesign | FinetuneDesign | CompletionDesign | EvalDesign,
    Field(discriminator="kind"),
]
KINDS: dict[str, type[DesignBase]] = {
    "chatbot": ChatbotDesign,
    "coding-agent": CodingAgentDesign,
    "finetune-service": FinetuneDesign,
    "code-completion": CompletionDesign,
    "eval-harness": EvalDesign,
}
ServingDesign = ChatbotDesign | CodingAgentDesign | CompletionDesign
