"""A coding agent's work: tasks made of turns, turns made of tool calls, each an LLM call."""

from __future__ import annotations

from enum import Enum

from pydantic import BaseModel, ConfigDict, Field


class PrefixCaching(str, Enum):
    """What the serving engine keeps cached between an agent's calls.

    - none: every call prefills the whole conversation again.
    - static: the system prompt and tool specs (identical for all calls) are cached.
    - full: the conversation so far is cached too; each call prefills only its new input.
    """

    none = "none"
    static = "static"
    full = "full"


class AgentWorkload(BaseModel):
    """One active agent per user; each tool call re-sends the conversation so far.

    - `static_prefix_tokens`: system prompt + tool specs, identical for every call.
    - `input_tokens_per_tool_call` / `output_tokens_per_tool_call`: what each call adds.
    - `streams_per_instance`: the design's rule of thumb for concurrent streams per replica.
    - caps bound a runaway task: tool calls, tokens and wall time.
    - `users` x `tasks_per_user_per_day` gives the daily volume behind the monthly cost.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    active_agents_peak: float = Field(gt=0)
    turns_per_task: float = Field(gt=0)
    tool_calls_per_turn: float = Field(gt=0)
    input_tokens_per_tool_call: float = Field(gt=0)
    output_tokens_per_tool_call: float = Field(gt=0)
    static_prefix_tokens: float = Field(ge=0)
    task_duration_s: float = Field(gt=0)
    users: float = Field(gt=0)
    tasks_per_user_per_day: float = Field(gt=0)
    streams_per_instance: float | None = Field(default=None, gt=0)
    prefix_caching: PrefixCaching = PrefixCaching.static
    max_tool_calls_per_task: int = Field(gt=0)
    max_tokens_per_task: float | None = Field(default=None, gt=0)
    max_wall_time_s: float | None = Field(default=None, gt=0)
