"""Keeping OAuth2 access tokens fresh: refreshed before they expire and after a 401, one refresh
at a time per credential across every process (the credential's row is locked while the token
endpoint is asked), and a revoked grant recorded on the credential as a problem to show."""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kyra.credentials import CredentialKind
from kyra.crypto import decrypt_json, encrypt_json
from kyra.db.models import Credential
from kyra.errors import CredentialError, NodeError
from kyra.oauth.providers import (
    GrantError,
    ProviderUnavailableError,
    client_config,
    token_fields,
    token_request,
)
from kyra.settings import Settings


def expires_soon(fields: Mapping[str, Any], margin_s: float) -> bool:
    """True when the access token expires within ``margin_s`` and can be refreshed."""
    expires_at = fields.get("expires_at")
    if not fields.get("refresh_token") or not expires_at:
        return False
    try:
        return float(expires_at) - time.time() < margin_s
    except (TypeError, ValueError):
        return True


async def refresh_credential(
    session_factory: async_sessionmaker[AsyncSession],
    settings: Settings,
    http: httpx.AsyncClient,
    *,
    kind: CredentialKind,
    owner_id: uuid.UUID,
    credential_id: uuid.UUID,
    stale_token: str | None = None,
) -> dict[str, Any]:
    """The credential's fields with a fresh access token.

    With ``stale_token`` (the service answered 401 to it) the token is refreshed unless another
    process already replaced it; without, only if it expires soon.

    Raises:
        CredentialError: the grant was revoked or expired (recorded on the credential), or no
            OAuth2 client is configured for the provider.
        NodeError: the provider is unreachable or failing (retryable).
    """
    assert kind.oauth2 is not None
    problem: str | None = None
    async with session_factory() as session, session.begin():
        row = await session.scalar(
            select(Credential)
            .where(Credential.id == credential_id, Credential.owner_id == owner_id)  # type: ignore[arg-type]
            .with_for_update()
        )
        if row is None:
            raise CredentialError(f"credential {credential_id} not found")
        fields = decrypt_json(row.data_enc)
        replaced = stale_token is not None and fields.get("access_token") != stale_token
        due = stale_token is not None or expires_soon(fields, settings.oauth_refresh_margin_seconds)
        if replaced or not due:
            return fields
        if not fields.get("refresh_token"):
            problem = f"the {kind.title} token was refused and there is no refresh token"
        else:
            try:
                fields = await _refreshed(session, settings, http, kind, fields)
            except GrantError as exc:
                problem = f"the {kind.title} authorization was revoked or has expired: {exc}"
        row.problem = problem
        if problem is None:
            row.data_enc = encrypt_json(fields)
    if problem is not None:
        raise CredentialError(
            f"credential {row.name!r}: {problem}; reconnect it on the Credentials page",
            details={"credential_id": str(credential_id), "problem": problem},
        )
    return fields


async def _refreshed(
    session: AsyncSession,
    settings: Settings,
    http: httpx.AsyncClient,
    kind: CredentialKind,
    fields: dict[str, Any],
) -> dict[str, Any]:
    assert kind.oauth2 is not None
    client = await client_config(session, settings, kind.oauth2.provider)
    if client is None:
        raise CredentialError(
            f"no OAuth2 client is configured for {kind.oauth2.provider}: the operator sets "
            f"KYRA_{kind.oauth2.provider.upper()}_CLIENT_ID/_SECRET or PUT /api/oauth/providers"
        )
    form = {"grant_type": "refresh_token", "refresh_token": str(fields["refresh_token"])}
    if kind.oauth2.scopes and client.provider.name == "microsoft":
        form["scope"] = client.provider.scope_separator.join(kind.oauth2.scopes)
    try:
        answer = await token_request(http, client, form)
    except ProviderUnavailableError as exc:
        raise NodeError(
            f"could not refresh the {kind.title} token: {exc}", retryable=True
        ) from None
    return token_fields(answer, fields)
