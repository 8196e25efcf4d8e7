"""Graphs, their versions and triggers as the API answers them."""

from __future__ import annotations

import uuid
from typing import Any

from kyra.api.openapi import FieldErrorBody
from kyra.api.schemas.base import ReadModel, Timestamp
from kyra.db.models import Graph, GraphVersion, Schedule, TriggerPoll, Webhook

__all__ = [
    "GraphCheck",
    "GraphRead",
    "GraphSummary",
    "PollRead",
    "ScheduleRead",
    "VersionRead",
    "VersionSummary",
    "WebhookRead",
    "WebhookSecretRead",
]


class GraphSummary(ReadModel):
    """A graph in a list: its facts without the document."""

    id: uuid.UUID
    name: str
    description: str
    version: int
    settings: dict[str, Any]
    has_webhook_secret: bool
    created_at: Timestamp
    updated_at: Timestamp

    @classmethod
    def of(cls, graph: Graph) -> GraphSummary:
        return cls(**_summary(graph))


def _summary(graph: Graph) -> dict[str, Any]:
    return {
        "id": graph.id,
        "name": graph.name,
        "description": graph.description,
        "version": graph.version,
        "settings": graph.settings,
        "has_webhook_secret": graph.webhook_secret_enc is not None,
        "created_at": graph.created_at,
        "updated_at": graph.updated_at,
    }


class WebhookRead(ReadModel):
    node_id: str
    path: str
    url: str
    methods: list[str]

    @classmethod
    def of(cls, hook: Webhook, base_url: str) -> WebhookRead:
        url = f"{base_url}/hooks/{hook.path}"
        return cls(node_id=hook.node_id, path=hook.path, url=url, methods=hook.methods)


class ScheduleRead(ReadModel):
    """A cron trigger; ``next_fire_at`` is null while it is disabled."""

    id: uuid.UUID
    graph_id: uuid.UUID
    node_id: str
    cron: str
    timezone: str
    missed_policy: str
    enabled: bool
    next_fire_at: Timestamp | None
    last_fire_at: Timestamp | None

    @classmethod
    def of(cls, schedule: Schedule) -> ScheduleRead:
        return cls(
            id=schedule.id,
            graph_id=schedule.graph_id,
            node_id=schedule.node_id,
            cron=schedule.cron,
            timezone=schedule.timezone,
            missed_policy=schedule.missed_policy,
            enabled=schedule.enabled,
            next_fire_at=schedule.next_fire_at if schedule.enabled else None,
            last_fire_at=schedule.last_fire_at,
        )


class PollRead(ReadModel):
    """A polling trigger; ``started`` once it has a cursor in the service's feed."""

    node_id: str
    node_type: str
    interval_seconds: int
    enabled: bool
    next_poll_at: Timestamp | None
    last_polled_at: Timestamp | None
    last_error: str | None
    runs_started: int
    started: bool

    @classmethod
    def of(cls, poll: TriggerPoll) -> PollRead:
        return cls(
            node_id=poll.node_id,
            node_type=poll.node_type,
            interval_seconds=poll.interval_seconds,
            enabled=poll.enabled,
            next_poll_at=poll.next_poll_at if poll.enabled else None,
            last_polled_at=poll.last_polled_at,
            last_error=poll.last_error,
            runs_started=poll.runs_started,
            started=poll.cursor is not None,
        )


class GraphRead(GraphSummary):
    """A graph with its newest document and the triggers that document declares."""

    document: dict[str, Any]
    webhooks: list[WebhookRead]
    schedules: list[ScheduleRead]
    polls: list[PollRead]

    @classmethod
    def of_parts(
        cls,
        graph: Graph,
        version: GraphVersion,
        *,
        webhooks: list[WebhookRead],
        schedules: list[ScheduleRead],
        polls: list[PollRead],
    ) -> GraphRead:
        return cls(
            **_summary(graph),
            document=version.document,
            webhooks=webhooks,
            schedules=schedules,
            polls=polls,
        )


class VersionSummary(ReadModel):
    version: int
    created_at: Timestamp


class VersionRead(VersionSummary):
    document: dict[str, Any]


class GraphCheck(ReadModel):
    """The verdict of ``POST /api/graphs/validate``: every problem, located."""

    valid: bool
    errors: list[FieldErrorBody]


class WebhookSecretRead(ReadModel):
    """A new webhook signing secret, shown this once, and how requests must be signed."""

    secret: str
    headers: list[str]
    signature: str
