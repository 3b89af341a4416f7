"""A design: workload + SLA + model + hardware + deployment (+ the figures it claims)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from napkin.perf.efficiency import Efficiency
from napkin.specs.claims import Claim
from napkin.specs.deployment import Deployment
from napkin.specs.hardware import GPU
from napkin.specs.model import Model
from napkin.specs.rule_of_thumb import RuleOfThumb
from napkin.specs.sla import SLA
from napkin.specs.workload import Workload


class Design(BaseModel):
    """Everything `napkin plan` needs, fully resolved (catalog names already looked up).

    In a design file `model` may be a catalog name, `{hf_config: path}` or a full shape;
    `hardware` may be a catalog name, `{gpu: name, <field>: override, ...}` or a full entry.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    name: str
    description: str | None = None
    workload: Workload
    sla: SLA
    model: Model
    hardware: GPU
    deployment: Deployment = Field(default_factory=Deployment)
    efficiency: Efficiency | None = None
    rule_of_thumb: RuleOfThumb | None = None
    claims: tuple[Claim, ...] = ()
