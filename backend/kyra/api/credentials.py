"""Credentials: secrets are write-only, encrypted at rest and never returned."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, delete, get, post
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kyra.api.auth import Principal
from kyra.api.fields import Name
from kyra.crypto import encrypt_json
from kyra.db.models import Credential
from kyra.errors import NotFoundError


class CredentialCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    kind: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    data: dict[str, Any] = Field(description="Secret fields; stored encrypted, never returned")


def credential_read(credential: Credential) -> dict[str, Any]:
    return {
        "id": str(credential.id),
        "name": credential.name,
        "kind": credential.kind,
        "created_at": credential.created_at.isoformat(),
        "updated_at": credential.updated_at.isoformat(),
    }


class CredentialController(Controller):
    path = "/api/credentials"
    tags = ["credentials"]

    @post("/")
    async def create(
        self, data: CredentialCreate, db_session: AsyncSession, principal: Principal
    ) -> dict[str, Any]:
        credential = Credential(
            owner_id=principal.user_id,
            name=data.name,
            kind=data.kind,
            data_enc=encrypt_json(data.data),
        )
        db_session.add(credential)
        await db_session.flush()
        return credential_read(credential)

    @get("/")
    async def list_credentials(
        self, db_session: AsyncSession, principal: Principal
    ) -> list[dict[str, Any]]:
        rows = await db_session.scalars(
            select(Credential)
            .where(Credential.owner_id == principal.user_id)
            .order_by(Credential.name)
        )
        return [credential_read(c) for c in rows]

    @delete("/{credential_id:uuid}")
    async def remove(
        self, credential_id: uuid.UUID, db_session: AsyncSession, principal: Principal
    ) -> None:
        credential = await db_session.scalar(
            select(Credential).where(
                Credential.id == credential_id, Credential.owner_id == principal.user_id
            )
        )
        if credential is None:
            raise NotFoundError(f"credential {credential_id} not found")
        await db_session.delete(credential)
