"""Channels: deploy a graph as a chat bot, undeploy it, list deployments, and the public
update ingress ``POST /channels/{kind}/{deployment_id}`` the chat service calls."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from litestar import Controller, Request, delete, get, post
from litestar.exceptions import ClientException, NotAuthorizedException
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy.ext.asyncio import AsyncSession

from kyra.api.auth import Principal
from kyra.api.hooks import PayloadTooLargeError, read_body
from kyra.api.schemas.channels import ChannelReceipt, DeploymentRead
from kyra.channels.agent_bots import deploy_agent, undeploy_agent
from kyra.channels.base import ChannelAuthError
from kyra.channels.deployments import deploy_graph, receive_update, undeploy_graph
from kyra.db.models import ChannelDeployment
from kyra.db.queries import agents as agent_queries
from kyra.db.queries import channels as queries
from kyra.db.queries import graphs as graph_queries
from kyra.engine.services import EngineServices
from kyra.errors import NotFoundError


class ChannelDeploy(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        # The rule of _one_credential, published in the schema.
        json_schema_extra={
            "oneOf": [
                {
                    "required": ["credential_id"],
                    "properties": {"credential_id": {"type": "string"}, "token": {"type": "null"}},
                },
                {
                    "required": ["token"],
                    "properties": {"token": {"type": "string"}, "credential_id": {"type": "null"}},
                },
            ]
        },
    )

    public_url: str = Field(
        pattern=r"^https?://[^\s/]+(/[^\s]*)?$",
        max_length=500,
        description="Base URL the chat service reaches this server at (https in production)",
    )
    credential_id: uuid.UUID | None = Field(None, description="An existing bot credential")
    token: str | None = Field(
        None, min_length=1, max_length=300, description="A bot token, stored as a new credential"
    )
    reply: Literal["none", "output"] = Field(
        "none",
        description="output: when a run succeeds, send its output back to the chat the message "
        "came from (none: the graph answers with its own nodes, e.g. Telegram.send_message)",
    )
    reply_path: str = Field(
        "",
        max_length=200,
        pattern=r"^[\w-]*(\.[\w-]+)*$",
        description="Dotted path of the reply in the run's output (e.g. agent.answer); empty: "
        "the whole output (text as is, anything else as JSON)",
    )

    @model_validator(mode="after")
    def _one_credential(self) -> ChannelDeploy:
        if (self.credential_id is None) == (self.token is None):
            raise ValueError("give exactly one of credential_id and token")
        return self


class ChannelController(Controller):
    tags = ["channels"]

    @post("/api/graphs/{graph_id:uuid}/channels/{kind:str}", status_code=201)
    async def deploy(
        self, graph_id: uuid.UUID, kind: str, data: ChannelDeploy, db_session: AsyncSession,
        principal: Principal, services: EngineServices,
    ) -> DeploymentRead:  # fmt: skip
        graph = await graph_queries.get_graph(
            db_session, owner_id=principal.user_id, graph_id=graph_id
        )
        reply = {"from": data.reply, "path": data.reply_path} if data.reply == "output" else None
        row, _ = await deploy_graph(
            services, db_session, graph, kind, public_url=data.public_url,
            credential_id=data.credential_id, token=data.token, reply=reply,
        )  # fmt: skip
        return DeploymentRead.of(row)

    @delete("/api/graphs/{graph_id:uuid}/channels/{kind:str}")
    async def undeploy(
        self, graph_id: uuid.UUID, kind: str, db_session: AsyncSession, principal: Principal,
        services: EngineServices,
    ) -> None:  # fmt: skip
        graph = await graph_queries.get_graph(
            db_session, owner_id=principal.user_id, graph_id=graph_id
        )
        await undeploy_graph(services, db_session, graph, kind)

    @post("/api/agents/{agent_ref:str}/channels/{kind:str}", status_code=201)
    async def deploy_agent(
        self, agent_ref: str, kind: str, data: ChannelDeploy, db_session: AsyncSession,
        principal: Principal, services: EngineServices,
    ) -> DeploymentRead:  # fmt: skip
        """Deploy an agent as a chat bot: its bot graph answers each message with the agent."""
        agent = await agent_queries.get_agent(db_session, owner_id=principal.user_id, ref=agent_ref)
        row = await deploy_agent(
            services, db_session, agent, kind, public_url=data.public_url,
            credential_id=data.credential_id, token=data.token,
        )  # fmt: skip
        return DeploymentRead.of(row)

    @delete("/api/agents/{agent_ref:str}/channels/{kind:str}")
    async def undeploy_agent(
        self, agent_ref: str, kind: str, db_session: AsyncSession, principal: Principal,
        services: EngineServices,
    ) -> None:  # fmt: skip
        agent = await agent_queries.get_agent(db_session, owner_id=principal.user_id, ref=agent_ref)
        await undeploy_agent(services, db_session, agent, kind)

    @delete("/api/channels/{deployment_id:uuid}")
    async def remove(
        self, deployment_id: uuid.UUID, db_session: AsyncSession, principal: Principal,
        services: EngineServices,
    ) -> None:  # fmt: skip
        """Remove any of the caller's deployments (a graph's or an agent's bot)."""
        row = await db_session.get(ChannelDeployment, deployment_id)
        if row is None or row.owner_id != principal.user_id:
            raise NotFoundError(f"deployment {deployment_id} not found")
        if row.agent_id is not None:
            agent = await agent_queries.get_agent(
                db_session, owner_id=principal.user_id, ref=row.agent_id
            )
            await undeploy_agent(services, db_session, agent, row.kind)
            return
        graph = await graph_queries.get_graph(
            db_session, owner_id=principal.user_id, graph_id=row.graph_id
        )
        await undeploy_graph(services, db_session, graph, row.kind)

    @get("/api/channels")
    async def list_deployments(
        self, db_session: AsyncSession, principal: Principal
    ) -> list[DeploymentRead]:
        rows = await queries.list_deployments(db_session, owner_id=principal.user_id)
        return [DeploymentRead.of(r) for r in rows]

    @post(
        "/channels/{kind:str}/{deployment_id:uuid}",
        status_code=200,
        opt={"public": True, "errors": [401, 404]},
    )
    async def receive(
        self, kind: str, deployment_id: uuid.UUID, request: Request[Any, Any, Any],
        services: EngineServices,
    ) -> ChannelReceipt:  # fmt: skip
        limit = services.settings.webhook_max_body_bytes
        try:
            body = await read_body(request, limit)
        except PayloadTooLargeError:
            raise ClientException("body too large", status_code=413) from None
        headers = {k.lower(): v for k, v in request.headers.items()}
        try:
            started = await receive_update(
                services, kind, deployment_id, headers=headers, body=body
            )
        except ChannelAuthError as exc:
            raise NotAuthorizedException(str(exc)) from None
        return ChannelReceipt(ok=True, run_id=started.run.id if started else None)
