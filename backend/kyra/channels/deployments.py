"""Deploying graphs to channels and turning channel updates into runs.

The deployer talks to the chat service; this module keeps the rows, the encrypted secrets and
the credential, and starts runs through the one entrance (:func:`kyra.engine.start.start_run`).
"""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kyra.channels.base import ChannelDeployer, ChannelError, Deployment
from kyra.channels.registry import default_channels
from kyra.crypto import decrypt_json, decrypt_text, encrypt_json, encrypt_text
from kyra.db.models import ChannelDeployment, Credential, Graph
from kyra.db.queries import channels as queries
from kyra.db.queries import graphs as graph_queries
from kyra.engine.services import EngineServices
from kyra.engine.start import RunRequest, Started, start_run
from kyra.errors import NotFoundError


def deployer_for(services: EngineServices, kind: str) -> ChannelDeployer:
    """A deployer instance for ``kind``.

    Raises:
        NotFoundError: no channel of that name is registered.
    """
    deployer = default_channels().get(kind)
    if deployer is None:
        raise NotFoundError(f"no channel named {kind!r} (known: {default_channels().names})")
    api_base = str(getattr(services.settings, f"{kind}_api_base", ""))
    return deployer(http=services.http, api_base=api_base)


def webhook_url(public_url: str, kind: str, deployment_id: uuid.UUID) -> str:
    return f"{public_url.rstrip('/')}/channels/{kind}/{deployment_id}"


async def deploy_graph(
    services: EngineServices, session: AsyncSession, graph: Graph, kind: str, *,
    public_url: str, credential_id: uuid.UUID | None = None, token: str | None = None,
    reply: dict[str, str] | None = None,
) -> tuple[ChannelDeployment, Credential]:  # fmt: skip
    """Deploy (or redeploy with a fresh secret) ``graph`` to the channel ``kind``; with
    ``reply`` (``{"from": "output", "path"}``) runs answer the chat with their output.

    Raises:
        ChannelError: the graph has no trigger for this channel, the channel cannot reply, or
            it refused.
        NotFoundError: unknown channel or credential.
    """
    deployer = deployer_for(services, kind)
    if reply and not deployer.replies:
        raise ChannelError(f"the {kind} channel cannot reply with a run's output")
    version = await graph_queries.latest_version(session, graph.id)
    if not any(n.get("type") == deployer.trigger_type for n in version.document.get("nodes", [])):
        raise ChannelError(f"the graph needs a {deployer.trigger_type} node to run as a {kind} bot")
    if token is not None:
        credential = _new_credential(services, graph, deployer, token)
        session.add(credential)
        await session.flush()
    else:
        assert credential_id is not None
        credential = await queries.get_credential(
            session, owner_id=graph.owner_id, credential_id=credential_id,
            kind=deployer.credential_kind,
        )  # fmt: skip
    row = await queries.find_deployment(session, graph_id=graph.id, kind=kind)
    if row is None:
        row = ChannelDeployment(
            owner_id=graph.owner_id, graph_id=graph.id, kind=kind,
            credential_id=credential.id, secret_enc=b"",
        )  # fmt: skip
    secret = secrets.token_urlsafe(32)
    row.credential_id, row.secret_enc = credential.id, encrypt_text(secret)
    deployment = Deployment(
        id=row.id, graph_id=graph.id, webhook_url=webhook_url(public_url, kind, row.id),
        secret=secret, credentials=decrypt_json(credential.data_enc), config=row.config or {},
    )  # fmt: skip
    row.config = await deployer.deploy(deployment) | ({"reply": reply} if reply else {})
    session.add(row)
    await session.flush()
    return row, credential


def _new_credential(
    services: EngineServices, graph: Graph, deployer: ChannelDeployer, token: str
) -> Credential:
    return new_channel_credential(deployer, owner_id=graph.owner_id, label=graph.name, token=token)


def new_channel_credential(
    deployer: ChannelDeployer, *, owner_id: uuid.UUID, label: str, token: str
) -> Credential:
    """A credential of the channel's kind holding ``token`` (encrypted), not yet added."""
    fields: dict[str, Any] = {"token": token}
    if deployer.api_base:
        fields["api_base"] = deployer.api_base
    name = f"{deployer.name} bot for {label[:150]} ({uuid.uuid4().hex[:6]})"
    return Credential(
        owner_id=owner_id, name=name, kind=deployer.credential_kind,
        data_enc=encrypt_json(fields),
    )  # fmt: skip


async def undeploy_graph(
    services: EngineServices, session: AsyncSession, graph: Graph, kind: str
) -> None:
    """Unregister the channel's webhook and forget the deployment.

    Raises:
        NotFoundError: the graph is not deployed to ``kind``.
    """
    deployer = deployer_for(services, kind)
    row = await queries.find_deployment(session, graph_id=graph.id, kind=kind)
    if row is None:
        raise NotFoundError(f"graph {graph.id} is not deployed to {kind}")
    credential = await session.get(Credential, row.credential_id)
    await deployer.undeploy(_deployment(row, credential))
    await session.delete(row)


def _deployment(row: ChannelDeployment, credential: Credential | None) -> Deployment:
    return Deployment(
        id=row.id, graph_id=row.graph_id, webhook_url=(row.config or {}).get("webhook_url", ""),
        secret=decrypt_text(row.secret_enc),
        credentials=decrypt_json(credential.data_enc) if credential is not None else {},
        config=row.config or {},
    )  # fmt: skip


async def receive_update(
    services: EngineServices, kind: str, deployment_id: uuid.UUID, *,
    headers: dict[str, str], body: bytes,
) -> Started | None:  # fmt: skip
    """Check an update and start its run once (repeats return the first run).

    Returns None for updates that are accepted but start nothing.

    Raises:
        NotFoundError: no such deployment.
        ChannelAuthError: the update lacks the deployment's secret.
    """
    deployer = deployer_for(services, kind)
    async with services.session_factory() as session:
        row = await session.get(ChannelDeployment, deployment_id)
        if row is None or row.kind != kind:
            raise NotFoundError(f"no {kind} deployment {deployment_id}")
        graph = await session.get(Graph, row.graph_id)
        assert graph is not None
        version = await graph_queries.latest_version(session, graph.id)
    inbound = await deployer.handle_update(_deployment(row, None), headers=headers, body=body)
    if inbound is None:
        return None
    return await start_run(
        services,
        RunRequest(
            graph=graph,
            version=version,
            trigger=inbound.trigger,
            trigger_kind=kind,
            idempotency_key=inbound.idempotency_key,
        ),
    )
