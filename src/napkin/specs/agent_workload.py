"""A coding agent's work: tasks made of turns, turns made of tool calls, each an LLM call."""

from __future__ import annotations

from enum import Enum

from pydantic import BaseModel, ConfigDict, Field

from napkin.specs.workload import MAX_TOKENS


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

    active_agents_peak: float = Field(
        ge=1, le=1e10, description="1 to 1e10 (more agents than people on Earth)"
    )
    turns_per_task: float = Field(
        ge=1,
        le=1e4,
        description="at least 1: the re-sent context grows as n (n - 1) / 2 in the LLM calls "
        "per task n, which turns negative below one call; at most 1e4",
    )
    tool_calls_per_turn: float = Field(
        ge=1, le=1e3, description="LLM calls per turn: at least 1 (see turns_per_task), ≤ 1e3"
    )
    input_tokens_per_tool_call: float = Field(ge=1, le=MAX_TOKENS, description="1 to 1e8")
    output_tokens_per_tool_call: float = Field(ge=1, le=MAX_TOKENS, description="1 to 1e8")
    static_prefix_tokens: float = Field(ge=0, le=MAX_TOKENS, description="0 to 1e8")
    task_duration_s: float = Field(
        ge=1e-3, le=1e7, description="1 ms to 1e7 s (~4 months: no task runs longer)"
    )
    users: float = Field(ge=1, le=1e11, description="1 to 1e11 (world population x10)")
    tasks_per_user_per_day: float = Field(
        ge=1e-3, le=1e5, description="1e-3 to 1e5 (more than one a second all day)"
    )
    streams_per_instance: float | None = Field(
        default=None, ge=1, le=1e6, description="1 to 1e6 concurrent streams per replica"
    )
    prefix_caching: PrefixCaching = PrefixCaching.static
    max_tool_calls_per_task: int = Field(ge=1, le=1e7, description="1 to 1e7")
    max_tokens_per_task: float | None = Field(
        default=None, ge=1, le=1e13, description="1 to 1e13 tokens"
    )
    max_wall_time_s: float | None = Field(
        default=None, ge=1e-3, le=1e8, description="1 ms to 1e8 s (~3 years)"
    )
