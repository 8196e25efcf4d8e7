"""OAuth2: the operator's client per provider, and the authorizations a user has started."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import Field, SQLModel

from kyra.db.models._columns import timestamp_column, utcnow


class OAuthClient(SQLModel, table=True):
    """An OAuth2 client registered with a provider (set by an admin; overrides the environment)."""

    __tablename__ = "oauth_clients"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    #: ``google``, ``microsoft`` or ``slack``.
    provider: str = Field(max_length=32, unique=True)
    client_id: str = Field(max_length=500)
    #: Fernet token of the client secret.
    client_secret_enc: bytes
    #: Endpoint overrides (a tenant-specific or test server); None keeps the provider's.
    authorize_url: str | None = Field(default=None, max_length=1000)
    token_url: str | None = Field(default=None, max_length=1000)
    updated_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(onupdate=True))


class OAuthState(SQLModel, table=True):
    """One authorization in progress: single-use, short-lived, bound to the browser session."""

    __tablename__ = "oauth_states"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    #: SHA-256 of the ``state`` sent to the provider (the state itself is never stored).
    state_hash: str = Field(max_length=64, unique=True)
    #: SHA-256 of the cookie set on the browser that started the authorization.
    session_hash: str = Field(max_length=64)
    owner_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    credential_id: uuid.UUID = Field(foreign_key="credentials.id", ondelete="CASCADE")
    provider: str = Field(max_length=32)
    #: Fernet token of the PKCE code verifier.
    verifier_enc: bytes
    redirect_uri: str = Field(max_length=1000)
    expires_at: datetime = Field(sa_column=timestamp_column(index=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
