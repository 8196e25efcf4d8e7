"""The authorization-code flow with PKCE for a credential of an OAuth2 kind.

``start`` stores a single-use ``state`` (hashed) with the PKCE verifier (encrypted) and the hash
of a random session token the browser keeps in an HttpOnly cookie; ``complete`` (the public
callback) consumes the state, checks the cookie, exchanges the code with the verifier and stores
the tokens on the credential. A state works once, for ten minutes, in the browser that began.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import httpx
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kyra.credentials import CredentialKind
from kyra.crypto import decrypt_json, decrypt_text, encrypt_json, encrypt_text
from kyra.db.models import Credential, OAuthState
from kyra.errors import KyraError
from kyra.oauth.providers import (
    GrantError,
    ProviderUnavailableError,
    client_config,
    token_fields,
    token_request,
)
from kyra.settings import Settings

#: How long a started authorization may take.
STATE_TTL = timedelta(minutes=10)
#: The cookie binding an authorization to the browser that started it.
SESSION_COOKIE = "kyra_oauth"
#: Where the provider sends the browser back (public route).
CALLBACK_PATH = "/api/oauth/callback"


class OAuthFlowError(KyraError):
    """The authorization cannot go on (bad or reused state, other browser, refused code)."""


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _challenge(verifier: str) -> str:
    return (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )


@dataclass(frozen=True)
class Started:
    authorize_url: str
    #: The value of :data:`SESSION_COOKIE` for the browser.
    session_token: str


async def start(
    session: AsyncSession,
    settings: Settings,
    *,
    credential: Credential,
    kind: CredentialKind,
    redirect_uri: str,
) -> Started:
    """Begin the authorization of ``credential``; returns the provider URL to send the browser to.

    Raises:
        OAuthFlowError: the kind is not OAuth2, or the operator configured no client.
    """
    if kind.oauth2 is None:
        raise OAuthFlowError(f"credentials of kind {kind.name} are not connected with OAuth2")
    client = await client_config(session, settings, kind.oauth2.provider)
    if client is None:
        raise OAuthFlowError(
            f"no OAuth2 client is configured for {kind.oauth2.provider}; an admin sets one with "
            f"PUT /api/oauth/providers/{kind.oauth2.provider} (or KYRA_"
            f"{kind.oauth2.provider.upper()}_CLIENT_ID / _CLIENT_SECRET)"
        )
    state, verifier, session_token = (secrets.token_urlsafe(32) for _ in range(3))
    now = datetime.now(UTC)
    await session.execute(delete(OAuthState).where(OAuthState.expires_at < now))  # type: ignore[arg-type]
    session.add(
        OAuthState(
            state_hash=_digest(state),
            session_hash=_digest(session_token),
            owner_id=credential.owner_id,
            credential_id=credential.id,
            provider=client.provider.name,
            verifier_enc=encrypt_text(verifier),
            redirect_uri=redirect_uri,
            expires_at=now + STATE_TTL,
        )
    )
    await session.flush()
    query = {
        "response_type": "code",
        "client_id": client.client_id,
        "redirect_uri": redirect_uri,
        "scope": client.provider.scope_separator.join(kind.oauth2.scopes),
        "state": state,
        "code_challenge": _challenge(verifier),
        "code_challenge_method": "S256",
        **kind.oauth2.authorize_params,
    }
    separator = "&" if "?" in client.authorize_url else "?"
    return Started(f"{client.authorize_url}{separator}{urlencode(query)}", session_token)


async def _consume(
    session_factory: async_sessionmaker[AsyncSession], state: str
) -> OAuthState | None:
    """Take the state out of the table (so it can never serve twice), committed at once."""
    async with session_factory() as session, session.begin():
        row = await session.scalar(
            delete(OAuthState)
            .where(OAuthState.state_hash == _digest(state))  # type: ignore[arg-type]
            .returning(OAuthState)
        )
    return row


async def abandon(session_factory: async_sessionmaker[AsyncSession], state: str) -> None:
    """The provider refused (or the user said no): the state is spent all the same."""
    await _consume(session_factory, state)


async def complete(
    session_factory: async_sessionmaker[AsyncSession],
    settings: Settings,
    http: httpx.AsyncClient,
    *,
    state: str,
    code: str,
    session_token: str,
    kinds: dict[str, CredentialKind],
) -> Credential:
    """Finish an authorization: exchange ``code`` and store the tokens on the credential.

    Raises:
        OAuthFlowError: unknown, used or expired state; another browser; refused code.
    """
    row = await _consume(session_factory, state)
    if row is None:
        raise OAuthFlowError("this authorization is unknown or was already used; start again")
    if row.expires_at < datetime.now(UTC):
        raise OAuthFlowError("this authorization took longer than 10 minutes; start again")
    if not hmac.compare_digest(row.session_hash, _digest(session_token)):
        raise OAuthFlowError("this authorization was started in another browser session")
    async with session_factory() as session, session.begin():
        credential = await session.get(Credential, row.credential_id, with_for_update=True)
        if credential is None or credential.owner_id != row.owner_id:
            raise OAuthFlowError("the credential of this authorization no longer exists")
        kind = kinds.get(credential.kind)
        client = await client_config(session, settings, row.provider)
        if kind is None or client is None:
            raise OAuthFlowError(f"no OAuth2 client is configured for {row.provider}")
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": row.redirect_uri,
            "code_verifier": decrypt_text(row.verifier_enc),
        }
        try:
            answer = await token_request(http, client, form)
        except (GrantError, ProviderUnavailableError) as exc:
            raise OAuthFlowError(str(exc)) from None
        credential.data_enc = encrypt_json(token_fields(answer, decrypt_json(credential.data_enc)))
        credential.problem = None
    return credential
