"""Format a date (or a date field of every item) in another format and time zone."""

from __future__ import annotations

from typing import Any

from kyra.context import NodeContext
from kyra.spec import NodeSpec, Port
from kyra_nodes.datetime._moment import DateParams, apply


class Params(DateParams):
    pass


SPEC = NodeSpec(
    type="DateTime.format",
    title="Format date",
    category="Date & time",
    icon="calendar",
    description=(
        "Read a date (ISO 8601, epoch seconds, a custom pattern or 'now') and output it in "
        "another format (ISO, epoch, RFC 2822 or a strftime pattern) and time zone; with "
        "`field`, do it to that field of every item of the incoming list."
    ),
    params=Params,
    inputs=[Port("in", description="A date, or items with field set")],
    outputs=[Port("out", description="The formatted date, or the items")],
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    return apply(params, inputs, lambda moment: moment)
