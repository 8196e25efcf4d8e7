"""Channel deployments, always scoped by owner (the update ingress looks them up by id)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from kyra.db.models import ChannelDeployment, Credential
from kyra.errors import NotFoundError


async def find_deployment(
    session: AsyncSession, *, graph_id: uuid.UUID, kind: str
) -> ChannelDeployment | None:
    return await session.scalar(
        select(ChannelDeployment).where(
            col(ChannelDeployment.graph_id) == graph_id, col(ChannelDeployment.kind) == kind
        )
    )


async def find_agent_deployment(
    session: AsyncSession, *, agent_id: uuid.UUID, kind: str
) -> ChannelDeployment | None:
    return await session.scalar(
        select(ChannelDeployment).where(
            col(ChannelDeployment.agent_id) == agent_id, col(ChannelDeployment.kind) == kind
        )
    )


async def list_deployments(
    session: AsyncSession, *, owner_id: uuid.UUID
) -> list[ChannelDeployment]:
    rows = await session.scalars(
        select(ChannelDeployment)
        .where(col(ChannelDeployment.owner_id) == owner_id)
        .order_by(col(ChannelDeployment.created_at))
    )
    return list(rows)


async def get_credential(
    session: AsyncSession, *, owner_id: uuid.UUID, credential_id: uuid.UUID, kind: str
) -> Credential:
    """The owner's credential of ``kind``.

    Raises:
        NotFoundError: no such credential of that kind for this owner.
    """
    credential = await session.scalar(
        select(Credential).where(
            col(Credential.id) == credential_id,
            col(Credential.owner_id) == owner_id,
            col(Credential.kind) == kind,
        )
    )
    if credential is None:
        raise NotFoundError(f"credential {credential_id} of kind {kind!r} not found")
    return credential
