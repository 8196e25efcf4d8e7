"""Triggers that poll a service or that a service calls: no run exists yet, so they get a
:class:`TriggerContext` and return events, each of which starts one run, once."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from uuid import UUID

import httpx

from kyra.credentials import ServiceClient


@dataclass(frozen=True)
class TriggerEvent:
    """Something that starts one run: ``payload`` becomes its ``trigger``; ``key`` (e.g. a
    message id) makes sure the same event never starts a second run."""

    key: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class Polled:
    """What a poll found, and the cursor the next poll starts from."""

    events: list[TriggerEvent]
    cursor: dict[str, Any] | None


@dataclass(frozen=True)
class InboundRequest:
    """A request a service sent to a trigger's URL (the raw body, for signatures)."""

    method: str
    headers: Mapping[str, str]
    query: Mapping[str, str]
    body: bytes


@dataclass(frozen=True)
class Received:
    """The answer to an inbound request, and the events it carries (accepted but ignored:
    none). ``body`` is sent as JSON, or as text when it is a string."""

    status: int = 200
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    events: list[TriggerEvent] = field(default_factory=list)


class TriggerContext(Protocol):
    """What a polling or inbound trigger may use: its graph's owner, credentials and HTTP."""

    owner_id: UUID
    graph_id: UUID
    node_id: str
    log: logging.LoggerAdapter[logging.Logger]

    @property
    def http(self) -> httpx.AsyncClient:
        """Outbound HTTP client that refuses internal addresses unless allowed."""

    async def connect_address(self, host: str, port: int) -> str:
        """The checked IP address a direct TCP connection to ``host`` must use (see
        NodeContext.connect_address), e.g. an IMAP server's."""

    async def credential(self, kind: str) -> dict[str, Any]:
        """Decrypted fields of the credential of ``kind`` attached to the trigger node."""

    async def service(self, kind: str) -> ServiceClient:
        """A client for the service of the credential of ``kind`` (see NodeContext.service)."""
