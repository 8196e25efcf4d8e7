"""Credentials and their kinds as the API answers them: secrets never, only which are set."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from kyra.api.schemas.base import ReadModel, Timestamp
from kyra.credentials import CredentialKind
from kyra.crypto import decrypt_json
from kyra.db.models import Credential
from kyra.services.connection_test import TestResult

__all__ = ["ConnectionCheck", "CredentialKindRead", "CredentialRead"]


class FieldCondition(ReadModel):
    """Show the field only while ``field`` holds one of ``values``."""

    field: str
    values: list[str]


class CredentialFieldRead(ReadModel):
    name: str
    label: str
    secret: bool
    required: bool
    type: Literal["text", "url", "choice"]
    choices: list[str]
    default: str | None
    description: str
    placeholder: str
    when: FieldCondition | None


class OAuth2Read(ReadModel):
    provider: str
    scopes: list[str]


class CredentialKindRead(ReadModel):
    """A kind's form: its fields, which are secret, whether it has a test or OAuth2."""

    name: str
    title: str
    description: str
    docs_url: str
    base_url: str
    hosts: dict[str, str]
    fields: list[CredentialFieldRead]
    testable: bool
    oauth2: OAuth2Read | None

    @classmethod
    def of(cls, kind: CredentialKind) -> CredentialKindRead:
        return cls.model_validate(kind.as_dict())


class OAuthState(ReadModel):
    """Where an OAuth2 credential stands: connected, until when, and whether it refreshes."""

    provider: str
    connected: bool
    expires_at: int | None
    refreshable: bool


class CredentialRead(ReadModel):
    """A credential: its non-secret fields and the names of the secret ones that are set."""

    id: uuid.UUID
    name: str
    kind: str
    fields: dict[str, Any]
    secrets_set: list[str]
    problem: str | None
    oauth: OAuthState | None
    created_at: Timestamp
    updated_at: Timestamp

    @classmethod
    def of(cls, credential: Credential, kind: CredentialKind | None) -> CredentialRead:
        """``kind`` is None when the kind is no longer installed: no field is shown then."""
        data = decrypt_json(credential.data_enc) if kind is not None else {}
        oauth = None
        if kind is not None and kind.oauth2 is not None:
            expires_at = data.get("expires_at")
            oauth = OAuthState(
                provider=kind.oauth2.provider,
                connected=bool(data.get("access_token")) and not credential.problem,
                expires_at=int(float(expires_at)) if expires_at else None,
                refreshable=bool(data.get("refresh_token")),
            )
        return cls(
            id=credential.id,
            name=credential.name,
            kind=credential.kind,
            fields=kind.public_fields(data) if kind else {},
            secrets_set=sorted(n for n in kind.secret_names if data.get(n)) if kind else [],
            problem=credential.problem,
            oauth=oauth,
            created_at=credential.created_at,
            updated_at=credential.updated_at,
        )


class ConnectionCheck(ReadModel):
    """What the kind's test request found: ``status`` is the service's HTTP status."""

    ok: bool
    message: str
    status: int | None
    account: str | None

    @classmethod
    def of(cls, result: TestResult) -> ConnectionCheck:
        return cls.model_validate(result.as_dict())
