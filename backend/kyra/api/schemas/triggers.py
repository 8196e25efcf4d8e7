"""Every trigger of an owner's graphs as the triggers page lists them: one shape per kind."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from kyra.api.schemas.base import ReadModel, Timestamp

__all__ = ["ChannelTrigger", "ScheduleTrigger", "TriggerRead", "TriggerToggled", "WebhookTrigger"]


class _Trigger(ReadModel):
    """What every trigger has: its graph and node, whether it is on, its last run."""

    id: uuid.UUID
    kind: str
    graph_id: uuid.UUID
    graph_name: str
    node_id: str | None
    enabled: bool
    last_run_at: Timestamp | None
    #: Absolute URL of a webhook or a channel; null for a schedule.
    url: str | None


class WebhookTrigger(_Trigger):
    """A webhook (``kind`` ``webhook``) or an inbound event endpoint (``event``)."""

    kind: Literal["webhook", "event"]
    methods: list[str]
    reply: str


class ScheduleTrigger(_Trigger):
    """A cron trigger; ``next_fire_at`` is null while it is disabled."""

    kind: Literal["schedule"]
    cron: str
    timezone: str
    next_fire_at: Timestamp | None
    last_fire_at: Timestamp | None


class ChannelTrigger(_Trigger):
    """A chat channel deployment (``kind`` is the channel: ``telegram``, ``slack``...)."""

    agent_id: uuid.UUID | None
    bot: str | None


TriggerRead = WebhookTrigger | ScheduleTrigger | ChannelTrigger


def trigger_read(row: dict[str, Any]) -> TriggerRead:
    """The model of a row of ``kyra.db.queries.triggers.list_triggers``, chosen by its kind."""
    kind = row["kind"]
    model: type[TriggerRead] = (
        WebhookTrigger
        if kind in ("webhook", "event")
        else ScheduleTrigger
        if kind == "schedule"
        else ChannelTrigger
    )
    return model.model_validate(row)


class TriggerToggled(ReadModel):
    """A webhook or schedule after it was switched on or off."""

    id: uuid.UUID
    kind: str
    enabled: bool
