"""What DateTime nodes share: read a date (one value or a field of every item), change it,
write it back in a chosen format and zone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from kyra.errors import NodeError
from kyra_nodes.shared.dates import format_datetime, parse_datetime, zone
from kyra_nodes.shared.items import items_from, map_field, pick


class DateParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value: Any = Field(
        None,
        description="The date: ISO 8601 text, epoch seconds or 'now'; defaults to the incoming "
        "value. Ignored when field is set.",
    )
    field: str = Field(
        "", description="Dotted path of a date in every incoming item (work on the list instead)"
    )
    output_field: str = Field("", description="Where to write the result; defaults to field")
    from_format: str = Field(
        "auto",
        description="How to read the date: auto, iso, epoch, epoch_ms, or a strptime pattern "
        "such as %d/%m/%Y %H:%M",
    )
    timezone: str = Field(
        "UTC", description="Zone of dates written without an offset (IANA name, e.g. Asia/Tokyo)"
    )
    to_timezone: str = Field(
        "", description="Convert to this zone before formatting; empty keeps the date's own zone"
    )
    format: str = Field(
        "iso",
        description="Output: iso, iso_date, iso_time, epoch, epoch_ms, rfc2822, human, or a "
        "strftime pattern such as %A %d %B %Y",
    )

    @field_validator("timezone", "to_timezone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        zone(name)
        return name


def apply(
    params: DateParams, inputs: dict[str, Any], change: Callable[[datetime], datetime]
) -> dict[str, Any]:
    """Run ``change`` on the value (port ``out``: the result) or on every item's field."""

    def one(value: Any) -> Any:
        if value is None:
            return None
        if value == "now":
            moment = datetime.now(UTC)
        else:
            moment = parse_datetime(value, params.from_format, zone(params.timezone))
        moment = change(moment)
        if params.to_timezone:
            moment = moment.astimezone(zone(params.to_timezone))
        return format_datetime(moment, params.format)

    if params.field:
        items = items_from(inputs.get("in"))
        return {"out": map_field(items, params.field, params.output_field, one)}
    value = pick(params.value, inputs)
    if value is None:
        raise NodeError("value is empty: give a date or set field", details={"field": "value"})
    try:
        return {"out": one(value)}
    except ValueError as exc:
        raise NodeError(f"value: {exc}", details={"field": "value"}) from None
