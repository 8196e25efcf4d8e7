"""Move a date (or a date field of every item) forwards or backwards in time."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from kyra.context import NodeContext
from kyra.spec import NodeSpec, Port
from kyra_nodes.datetime._moment import DateParams, apply
from kyra_nodes.shared.dates import Unit, shift


class Params(DateParams):
    amount: float = Field(description="How much to add; negative goes back in time")
    unit: Unit = Field("days", description="Unit of amount")


SPEC = NodeSpec(
    type="DateTime.shift",
    title="Shift date",
    category="Date & time",
    icon="clock",
    description=(
        "Add or subtract seconds, minutes, hours, days, weeks, months or years to a date and "
        "output it (ISO by default). Days and longer follow the calendar in the date's zone; "
        "31 January plus a month is the last day of February. With `field`, do it to every item."
    ),
    params=Params,
    inputs=[Port("in", description="A date, or items with field set")],
    outputs=[Port("out", description="The shifted date, or the items")],
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    return apply(params, inputs, lambda moment: shift(moment, params.amount, params.unit))
