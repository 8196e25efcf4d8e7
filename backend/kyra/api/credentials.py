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
from kyra.api.fields import Name
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
FieldValue = str | int | float | None


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


def credential_read(credential: Credential, kind: CredentialKind | None) -> dict[str, Any]:
    data = decrypt_json(credential.data_enc) if kind is not None else {}
    read: dict[str, Any] = {
        "id": str(credential.id),
        "name": credential.name,
        "kind": credential.kind,
        "fields": kind.public_fields(data) if kind else {},
        "secrets_set": sorted(n for n in kind.secret_names if data.get(n)) if kind else [],
        "problem": credential.problem,
        "oauth": None,
        "created_at": credential.created_at.isoformat(),
        "updated_at": credential.updated_at.isoformat(),
    }
    if kind is not None and kind.oauth2 is not None:
        expires_at = data.get("expires_at")
        read["oauth"] = {
            "provider": kind.oauth2.provider,
            "connected": bool(data.get("access_token")) and not credential.problem,
            "expires_at": int(float(expires_at)) if expires_at else None,
            "refreshable": bool(data.get("refresh_token")),
        }
    return read


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
    async def kinds(self, services: EngineServices) -> list[dict[str, Any]]:
        """Every installed credential kind: fields, secret flags, test and OAuth2 support."""
        return [k.as_dict() for k in services.registry.credential_kinds()]

    @post("/", opt={"errors": [404, 422]})
    async def create(
        self,
        data: CredentialCreate,
        db_session: AsyncSession,
        principal: Principal,
        services: EngineServices,
    ) -> dict[str, Any]:
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
        return credential_read(credential, kind)

    @get("/")
    async def list_credentials(
        self, db_session: AsyncSession, principal: Principal, services: EngineServices
    ) -> list[dict[str, Any]]:
        rows = await queries.list_credentials(db_session, owner_id=principal.user_id)
        return [credential_read(c, services.registry.credential_kind(c.kind)) for c in rows]

    @get("/{credential_id:uuid}")
    async def read(
        self,
        credential_id: uuid.UUID,
        db_session: AsyncSession,
        principal: Principal,
        services: EngineServices,
    ) -> dict[str, Any]:
        credential = await queries.get_credential(
            db_session, owner_id=principal.user_id, credential_id=credential_id
        )
        return credential_read(credential, services.registry.credential_kind(credential.kind))

    @put("/{credential_id:uuid}", opt={"errors": [422]})
    async def replace(
        self,
        credential_id: uuid.UUID,
        data: CredentialUpdate,
        db_session: AsyncSession,
        principal: Principal,
        services: EngineServices,
    ) -> dict[str, Any]:
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
        return credential_read(credential, kind)

    @delete("/{credential_id:uuid}")
    async def remove(
        self, credential_id: uuid.UUID, db_session: AsyncSession, principal: Principal
    ) -> None:
        credential = await queries.get_credential(
            db_session, owner_id=principal.user_id, credential_id=credential_id
        )
        await db_session.delete(credential)

    @post("/{credential_id:uuid}/test", status_code=200)
    async def test(
        self,
        credential_id: uuid.UUID,
        db_session: AsyncSession,
        principal: Principal,
        services: EngineServices,
    ) -> dict[str, Any]:
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
            return TestResult(False, str(exc)).as_dict()
        client = open_client(services, credential, kind, fields, services.http)
        return (await check_connection(client)).as_dict()
