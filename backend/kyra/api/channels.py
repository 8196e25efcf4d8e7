"""Channels: deploy a graph as a chat bot, undeploy it, list deployments, and the public
update ingress ``POST /channels/{kind}/{deployment_id}`` the chat service calls."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, delete, get, post
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy.ext.asyncio import AsyncSession

from kyra.api.auth import Principal
from kyra.api.hooks import PayloadTooLargeError, read_body
from kyra.channels.base import ChannelAuthError
from kyra.channels.deployments import deploy_graph, receive_update, undeploy_graph
from kyra.db.models import ChannelDeployment
from kyra.db.queries import channels as queries
from kyra.db.queries import graphs as graph_queries
from kyra.engine.services import EngineServices


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

    @model_validator(mode="after")
    def _one_credential(self) -> ChannelDeploy:
        if (self.credential_id is None) == (self.token is None):
            raise ValueError("give exactly one of credential_id and token")
        return self


def deployment_read(row: ChannelDeployment) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "graph_id": str(row.graph_id),
        "kind": row.kind,
        "credential_id": str(row.credential_id),
        "config": row.config or {},
        "created_at": row.created_at.isoformat(),
    }


class ChannelController(Controller):
    tags = ["channels"]

    @post("/api/graphs/{graph_id:uuid}/channels/{kind:str}", status_code=201)
    async def deploy(
        self, graph_id: uuid.UUID, kind: str, data: ChannelDeploy, db_session: AsyncSession,
        principal: Principal, services: EngineServices,
    ) -> dict[str, Any]:  # fmt: skip
        graph = await graph_queries.get_graph(
            db_session, owner_id=principal.user_id, graph_id=graph_id
        )
        row, _ = await deploy_graph(
            services, db_session, graph, kind, public_url=data.public_url,
            credential_id=data.credential_id, token=data.token,
        )  # fmt: skip
        return deployment_read(row)

    @delete("/api/graphs/{graph_id:uuid}/channels/{kind:str}")
    async def undeploy(
        self, graph_id: uuid.UUID, kind: str, db_session: AsyncSession, principal: Principal,
        services: EngineServices,
    ) -> None:  # fmt: skip
        graph = await graph_queries.get_graph(
            db_session, owner_id=principal.user_id, graph_id=graph_id
        )
        await undeploy_graph(services, db_session, graph, kind)

    @get("/api/channels")
    async def list_deployments(
        self, db_session: AsyncSession, principal: Principal
    ) -> list[dict[str, Any]]:
        rows = await queries.list_deployments(db_session, owner_id=principal.user_id)
        return [deployment_read(r) for r in rows]

    @post(
        "/channels/{kind:str}/{deployment_id:uuid}",
        status_code=200,
        opt={"public": True, "errors": [401, 404]},
    )
    async def receive(
        self, kind: str, deployment_id: uuid.UUID, request: Request[Any, Any, Any],
        services: EngineServices,
    ) -> Response[Any]:  # fmt: skip
        limit = services.settings.webhook_max_body_bytes
        try:
            body = await read_body(request, limit)
        except PayloadTooLargeError:
            return Response({"status_code": 413, "detail": "body too large"}, status_code=413)
        headers = {k.lower(): v for k, v in request.headers.items()}
        try:
            started = await receive_update(
                services, kind, deployment_id, headers=headers, body=body
            )
        except ChannelAuthError as exc:
            return Response({"status_code": 401, "detail": str(exc)}, status_code=401)
        return Response({"ok": True, "run_id": str(started.run.id) if started else None})
