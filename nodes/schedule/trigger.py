"""Start the graph on a cron schedule in a time zone; outputs the occurrence and the payload."""

from __future__ import annotations

from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter
from pydantic import BaseModel, ConfigDict, Field, field_validator

from kyra.context import NodeContext
from kyra.spec import NodeSpec, Port, PortType


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cron: str = Field(
        max_length=120,
        description="Cron expression: 5 fields (minute hour day month weekday), "
        "or 6 with seconds last",
        examples=["0 9 * * 1-5"],
    )
    timezone: str = Field("UTC", max_length=64, description="IANA time zone, e.g. Europe/Madrid")
    missed: Literal["skip", "run_once"] = Field(
        "skip",
        description="Occurrences missed while the scheduler was down: skip them, or run once",
    )
    payload: dict[str, Any] = Field(
        default_factory=dict, description="Handed to the graph as trigger.payload"
    )
    enabled: bool = True

    @field_validator("cron")
    @classmethod
    def _valid_cron(cls, value: str) -> str:
        if not croniter.is_valid(value.strip()):
            raise ValueError(f"not a valid cron expression: {value!r}")
        return value.strip()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone: {value!r}") from None
        return value


SPEC = NodeSpec(
    type="Schedule.trigger",
    title="Schedule",
    category="Triggers",
    icon="alarm",
    description="Start the graph at the times a cron expression names, in a time zone.",
    params=Params,
    outputs=[
        Port(
            "out",
            PortType.object,
            description="{scheduled_at, fired_at, missed, timezone, cron, payload}",
        )
    ],
    trigger=True,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    return {"out": dict(ctx.trigger)}
