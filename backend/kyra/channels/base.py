"""The channel deployer contract: register a webhook with a chat service, accept its updates."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, ClassVar

import httpx

from kyra.errors import KyraError


class ChannelError(KyraError):
    """The chat service refused a deploy step (bad token, unreachable URL); safe to show."""


class ChannelAuthError(KyraError):
    """An incoming update did not carry the deployment's secret."""


@dataclass(frozen=True)
class Deployment:
    """What a deployer knows about one deployed graph (secrets decrypted, never logged).

    Attributes:
        webhook_url: the public URL the channel must send updates to.
        secret: the shared secret the channel sends back with every update.
        credentials: decrypted fields of the channel credential (e.g. the bot token).
        config: what ``deploy`` recorded before (empty on first deploy).
    """

    id: uuid.UUID
    graph_id: uuid.UUID
    webhook_url: str
    secret: str = field(repr=False)
    credentials: dict[str, Any] = field(repr=False)
    config: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Inbound:
    """An accepted update: the run's trigger payload and the key that de-duplicates it."""

    trigger: dict[str, Any]
    idempotency_key: str


class ChannelDeployer:
    """Base class of channel deployers; subclasses set the class attributes and the hooks.

    Args:
        http: the outbound client (SSRF-guarded) for calls to the chat service.
        api_base: the chat service's API base URL (settings; tests point it at a fake).
    """

    #: Registry name, used in URLs: ``/api/graphs/{id}/channels/{name}``.
    name: ClassVar[str] = ""
    #: Credential kind holding the channel's token.
    credential_kind: ClassVar[str] = ""
    #: The trigger node type a deployed graph must contain.
    trigger_type: ClassVar[str] = ""
    #: Whether the deployer can answer a chat with a run's output (see :meth:`reply`).
    replies: ClassVar[bool] = False

    def __init__(self, *, http: httpx.AsyncClient, api_base: str) -> None:
        self.http = http
        self.api_base = api_base.rstrip("/")

    async def deploy(self, deployment: Deployment) -> dict[str, Any]:
        """Point the channel at ``deployment.webhook_url``; returns config to store (no secrets).

        Raises:
            ChannelError: the channel refused.
        """
        raise NotImplementedError("The 'deploy' method must be implemented.")

    async def undeploy(self, deployment: Deployment) -> None:
        """Stop the channel from sending updates (best effort)."""
        raise NotImplementedError("The 'undeploy' method must be implemented.")

    async def handle_update(
        self, deployment: Deployment, *, headers: dict[str, str], body: bytes
    ) -> Inbound | None:
        """Check and translate one incoming update; None means "accept and ignore".

        Raises:
            ChannelAuthError: the update does not carry the deployment's secret.
        """
        raise NotImplementedError("The 'handle_update' method must be implemented.")

    async def reply(self, deployment: Deployment, trigger: dict[str, Any], text: str) -> None:
        """Send ``text`` to the chat the update in ``trigger`` came from (deployers that set
        :attr:`replies`).

        Raises:
            ChannelError: the channel refused.
        """
        raise NotImplementedError("The 'reply' method must be implemented when replies is set.")
