"""The ``agent`` parameter every memory handler shares."""

from __future__ import annotations

from pydantic import Field

AGENT_FIELD = Field(
    None,
    max_length=200,
    description="Saved agent id or name whose memory to use; empty: the agent calling the tool",
)
