"""Agents as chat bots: an agent deployed to a channel gets a bot graph of its own (the
channel's trigger → the agent, one memory session per chat → a reply to the same chat),
deployed like any graph.

The bot graph is an ordinary graph (listed, versioned, its runs traced), so everything a
channel deployment does for graphs (secret checks, one run per update) holds for agents too.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kyra.channels.base import ChannelError
from kyra.channels.deployments import (
    deploy_graph,
    deployer_for,
    new_channel_credential,
    undeploy_graph,
)
from kyra.db.models import AiAgent, ChannelDeployment, Graph
from kyra.db.queries import channels as queries
from kyra.db.queries import graphs as graph_queries
from kyra.engine.services import EngineServices
from kyra.errors import NotFoundError


@dataclass(frozen=True)
class ReplyNode:
    """How a channel's bot answers: the node type and the credential kind it uses."""

    node_type: str
    credential_kind: str


#: Channels an agent can be deployed to, with the node that sends the answer back.
REPLIES = {"telegram": ReplyNode("Telegram.send_message", "telegram_bot")}


def bot_document(
    agent: AiAgent, kind: str, trigger_type: str, credential_id: uuid.UUID
) -> dict[str, Any]:
    """The bot graph: the incoming message is the agent's goal, its answer the reply."""
    reply = REPLIES[kind]
    return {
        "schema": "kyra.graph/1",
        "name": f"{kind} bot: {agent.name}",
        "description": f"Answers {kind} messages with the agent {agent.name!r}.",
        "nodes": [
            {"id": "incoming", "type": trigger_type, "params": {}, "position": {"x": 0, "y": 0}},
            {"id": "agent", "type": "AI.agent", "position": {"x": 260, "y": 0},
             "params": {"agent": str(agent.agent_id), "goal": "{{ trigger.text }}",
                        # One conversation (memory session) per chat.
                        "session_id": f"{kind}:{{{{ trigger.chat_id }}}}"}},
            {"id": "reply", "type": reply.node_type, "position": {"x": 520, "y": 0},
             "params": {"text": "{{ nodes.agent.output.answer }}"},
             "credentials": {reply.credential_kind: str(credential_id)}},
        ],
        "edges": [
            {"source": "incoming", "sourcePort": "out", "target": "agent", "targetPort": "in"},
            {"source": "agent", "sourcePort": "out", "target": "reply", "targetPort": "in"},
        ],
    }  # fmt: skip


async def deploy_agent(
    services: EngineServices, session: AsyncSession, agent: AiAgent, kind: str, *,
    public_url: str, credential_id: uuid.UUID | None = None, token: str | None = None,
) -> ChannelDeployment:  # fmt: skip
    """Deploy ``agent`` as a ``kind`` bot (again: a fresh secret, the credential updated).

    Raises:
        ChannelError: no such channel for agents, or the channel refused.
        NotFoundError: unknown credential.
    """
    if kind not in REPLIES:
        raise ChannelError(f"agents can be deployed to {sorted(REPLIES)}, not {kind!r}")
    deployer = deployer_for(services, kind)
    if token is not None:
        credential = new_channel_credential(
            deployer, owner_id=agent.owner_id, label=agent.name, token=token
        )
        session.add(credential)
        await session.flush()
        credential_id = credential.id
    assert credential_id is not None
    await queries.get_credential(
        session, owner_id=agent.owner_id, credential_id=credential_id,
        kind=deployer.credential_kind,
    )  # fmt: skip
    document = bot_document(agent, kind, deployer.trigger_type, credential_id)
    existing = await queries.find_agent_deployment(session, agent_id=agent.agent_id, kind=kind)
    if existing is not None:
        graph = await session.get(Graph, existing.graph_id)
        assert graph is not None
        await graph_queries.save_version(session, graph, document)
    else:
        graph = await graph_queries.create_graph(
            session, owner_id=agent.owner_id, document=document
        )
    row, _ = await deploy_graph(
        services, session, graph, kind, public_url=public_url, credential_id=credential_id
    )
    row.agent_id = agent.agent_id
    await session.flush()
    return row


async def undeploy_agent(
    services: EngineServices, session: AsyncSession, agent: AiAgent, kind: str
) -> None:
    """Stop the agent's bot and delete its bot graph.

    Raises:
        NotFoundError: the agent is not deployed to ``kind``.
    """
    row = await queries.find_agent_deployment(session, agent_id=agent.agent_id, kind=kind)
    if row is None:
        raise NotFoundError(f"agent {agent.name!r} is not deployed to {kind}")
    graph = await session.get(Graph, row.graph_id)
    assert graph is not None
    await undeploy_graph(services, session, graph, kind)
    await graph_queries.delete_graph(session, graph)
