"""Credentials: typed by kind, validated field by field, secrets write-only and encrypted.

``GET /api/credentials/kinds`` describes every installed kind (the web app's forms);
``POST``/``PUT`` check the data against the kind; reads return only non-secret fields and the
names of the secret ones that are set; ``POST /api/credentials/{id}/test`` sends the kind's
test request.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, delete, get, post, put
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from kyra.api.auth import Principal
from kyra.api.fields import Integer, Name, Number
from kyra.api.schemas.credentials import ConnectionCheck, CredentialKindRead, CredentialRead
from kyra.credentials import CredentialKind
from kyra.crypto import decrypt_json, encrypt_json
from kyra.db.models import Credential
from kyra.db.queries import credentials as queries
from kyra.engine.credentials import open_client, open_fields
from kyra.engine.services import EngineServices
from kyra.errors import CredentialInvalidError, KyraError
from kyra.registry import Registry
from kyra.services.connection_test import TestResult, check_connection

#: A field value of ``None`` in a PUT removes the field.
FieldValue = str | Integer | Number | None


class CredentialCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    kind: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    data: dict[str, FieldValue] = Field(
        default_factory=dict, description="Fields of the kind; secret ones are never returned"
    )


class CredentialUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    data: dict[str, FieldValue] = Field(
        default_factory=dict,
        description="Fields to replace; null removes one; fields left out keep their value",
    )


def _kind(registry: Registry, name: str) -> CredentialKind:
    kind = registry.credential_kind(name)
    if kind is None:
        known = ", ".join(k.name for k in registry.credential_kinds())
        raise CredentialInvalidError(
            [{"field": "kind", "message": f"unknown credential kind {name!r}; known: {known}"}]
        )
    return kind


class CredentialController(Controller):
    path = "/api/credentials"
    tags = ["credentials"]

    @get("/kinds")
    async def kinds(self, services: EngineServices) -> list[CredentialKindRead]:
        """Every installed credential kind: fields, secret flags, test and OAuth2 support."""
        return [CredentialKindRead.of(k) for k in services.registry.credential_kinds()]

    @post("/", opt={"errors": [404, 422]})
    async def create(
        self,
        data: CredentialCreate,
        db_session: AsyncSession,
        principal: Principal,
        services: EngineServices,
    ) -> CredentialRead:
        kind = _kind(services.registry, data.kind)
        fields = kind.validate(data.data)
        credential = Credential(
            owner_id=principal.user_id,
            name=data.name,
            kind=kind.name,
            data_enc=encrypt_json(fields),
        )
        db_session.add(credential)
        await db_session.flush()
        return CredentialRead.of(credential, kind)

    @get("/")
    async def list_credentials(
        self, db_session: AsyncSession, principal: Principal, services: EngineServices
    ) -> list[CredentialRead]:
        rows = await queries.list_credentials(db_session, owner_id=principal.user_id)
        return [CredentialRead.of(c, services.registry.credential_kind(c.kind)) for c in rows]

    @get("/{credential_id:uuid}")
    async def read(
        self,
        credential_id: uuid.UUID,
        db_session: AsyncSession,
        principal: Principal,
        services: EngineServices,
    ) -> CredentialRead:
        credential = await queries.get_credential(
            db_session, owner_id=principal.user_id, credential_id=credential_id
        )
        return CredentialRead.of(credential, services.registry.credential_kind(credential.kind))

    @put("/{credential_id:uuid}", opt={"errors": [422]})
    async def replace(
        self,
        credential_id: uuid.UUID,
        data: CredentialUpdate,
        db_session: AsyncSession,
        principal: Principal,
        services: EngineServices,
    ) -> CredentialRead:
        """Rename and/or replace fields (secrets left out are kept; null removes a field)."""
        credential = await queries.get_credential(
            db_session, owner_id=principal.user_id, credential_id=credential_id
        )
        kind = _kind(services.registry, credential.kind)
        merged: dict[str, Any] = {**decrypt_json(credential.data_enc), **data.data}
        credential.data_enc = encrypt_json(kind.validate(merged))
        credential.problem = None
        if data.name is not None:
            credential.name = data.name
        await db_session.flush()
        return CredentialRead.of(credential, kind)

    @delete("/{credential_id:uuid}")
    async def remove(
        self, credential_id: uuid.UUID, db_session: AsyncSession, principal: Principal
    ) -> None:
        credential = await queries.get_credential(
            db_session, owner_id=principal.user_id, credential_id=credential_id
        )
        await db_session.delete(credential)

    # 422: the credential's kind is no longer installed.
    @post("/{credential_id:uuid}/test", status_code=200, opt={"errors": [422]})
    async def test(
        self,
        credential_id: uuid.UUID,
        db_session: AsyncSession,
        principal: Principal,
        services: EngineServices,
    ) -> ConnectionCheck:
        """Send the kind's test request; ``{ok, message, status, account}``."""
        credential = await queries.get_credential(
            db_session, owner_id=principal.user_id, credential_id=credential_id
        )
        kind = _kind(services.registry, credential.kind)
        if kind.test is None:
            raise KyraError(f"credentials of kind {kind.name} have no test request")
        try:
            fields = await open_fields(services, credential, kind)
        except KyraError as exc:
            return ConnectionCheck.of(TestResult(False, str(exc)))
        client = open_client(services, credential, kind, fields, services.http)
        return ConnectionCheck.of(await check_connection(client))
