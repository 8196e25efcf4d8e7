"""OAuth2: the operator's clients per provider, starting an authorization for a credential, and
the public callback the provider sends the browser back to (guarded by a single-use state bound
to the browser that started it)."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, delete, get, post, put
from litestar.datastructures import Cookie
from litestar.exceptions import PermissionDeniedException
from litestar.response import Redirect
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kyra.api.auth import Principal
from kyra.crypto import encrypt_text
from kyra.db.models import OAuthClient
from kyra.db.queries import credentials as credential_queries
from kyra.engine.services import EngineServices
from kyra.errors import NotFoundError
from kyra.oauth import flow
from kyra.oauth.providers import PROVIDERS, client_config
from kyra.settings import Settings

_URL = r"^https?://\S+$"


class ProviderClient(BaseModel):
    model_config = ConfigDict(extra="forbid")

    client_id: str = Field(min_length=1, max_length=500)
    client_secret: str = Field(min_length=1, max_length=2000, description="Stored encrypted")
    authorize_url: str | None = Field(None, max_length=1000, pattern=_URL)
    token_url: str | None = Field(None, max_length=1000, pattern=_URL)


class AuthorizeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    credential_id: uuid.UUID


def redirect_uri(settings: Settings, request: Request[Any, Any, Any]) -> str:
    """The callback URL registered with the providers."""
    base = settings.public_url or str(request.base_url)
    return f"{base.rstrip('/')}{flow.CALLBACK_PATH}"


def _provider(name: str) -> None:
    if name not in PROVIDERS:
        raise NotFoundError(f"unknown OAuth2 provider {name!r}; known: {', '.join(PROVIDERS)}")


def _admin(principal: Principal) -> None:
    if not principal.is_admin:
        raise PermissionDeniedException("only admins may configure OAuth2 clients")


class OAuthController(Controller):
    path = "/api/oauth"
    tags = ["oauth"]

    @get("/providers")
    async def providers(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        services: EngineServices,
    ) -> list[dict[str, Any]]:
        """Each provider, whether a client is configured, and the redirect URI to register."""
        shown = []
        for name, provider in PROVIDERS.items():
            client = await client_config(db_session, services.settings, name)
            shown.append(
                {
                    "name": name,
                    "title": provider.title,
                    "configured": client is not None,
                    "source": client.source if client else None,
                    "client_id": client.client_id if client else None,
                    "redirect_uri": redirect_uri(services.settings, request),
                }
            )
        return shown

    @put("/providers/{name:str}", opt={"errors": [403]})
    async def set_provider(
        self, name: str, data: ProviderClient, db_session: AsyncSession, principal: Principal
    ) -> dict[str, Any]:
        """Store the operator's client for a provider (admin only; overrides the environment)."""
        _admin(principal)
        _provider(name)
        row = await db_session.scalar(select(OAuthClient).where(OAuthClient.provider == name))  # type: ignore[arg-type]
        if row is None:
            row = OAuthClient(provider=name, client_id="", client_secret_enc=b"")
            db_session.add(row)
        row.client_id = data.client_id
        row.client_secret_enc = encrypt_text(data.client_secret)
        row.authorize_url, row.token_url = data.authorize_url, data.token_url
        await db_session.flush()
        return {"name": name, "configured": True, "source": "admin", "client_id": row.client_id}

    @delete("/providers/{name:str}", opt={"errors": [403]})
    async def remove_provider(
        self, name: str, db_session: AsyncSession, principal: Principal
    ) -> None:
        _admin(principal)
        _provider(name)
        row = await db_session.scalar(select(OAuthClient).where(OAuthClient.provider == name))  # type: ignore[arg-type]
        if row is None:
            raise NotFoundError(f"no stored OAuth2 client for {name}")
        await db_session.delete(row)

    @post("/authorize", status_code=200, opt={"errors": [404, 422]})
    async def authorize(
        self,
        data: AuthorizeRequest,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        principal: Principal,
        services: EngineServices,
    ) -> Response[dict[str, Any]]:
        """Start connecting a credential: the provider URL to send the browser to. The answer
        sets the cookie that binds the authorization to this browser."""
        credential = await credential_queries.get_credential(
            db_session, owner_id=principal.user_id, credential_id=data.credential_id
        )
        kind = services.registry.credential_kind(credential.kind)
        if kind is None:
            raise NotFoundError(f"credential kind {credential.kind!r} is not installed")
        started = await flow.start(
            db_session, services.settings, credential=credential, kind=kind,
            redirect_uri=redirect_uri(services.settings, request),
        )  # fmt: skip
        cookie = Cookie(
            key=flow.SESSION_COOKIE, value=started.session_token, path="/api/oauth",
            max_age=int(flow.STATE_TTL.total_seconds()), httponly=True, samesite="lax",
            secure=request.url.scheme == "https",
        )  # fmt: skip
        return Response({"authorize_url": started.authorize_url}, cookies=[cookie])

    @get("/callback", opt={"public": True})
    async def callback(self, request: Request[Any, Any, Any], services: EngineServices) -> Redirect:
        """Where the provider sends the browser back; then on to the Credentials page."""
        query = request.query_params
        state, code = query.get("state", ""), query.get("code", "")
        session_token = request.cookies.get(flow.SESSION_COOKIE, "")
        try:
            if not state:
                raise flow.OAuthFlowError("the provider's answer has no state")
            if query.get("error") or not code:
                await flow.abandon(services.session_factory, state)
                reason = query.get("error_description") or query.get("error") or "no code"
                raise flow.OAuthFlowError(f"the provider did not authorize: {reason}")
            credential = await flow.complete(
                services.session_factory, services.settings, services.http, state=state,
                code=code, session_token=session_token,
                kinds={k.name: k for k in services.registry.credential_kinds()},
            )  # fmt: skip
        except flow.OAuthFlowError as exc:
            return _back({"oauth_error": str(exc)[:300]})
        return _back({"connected": str(credential.id)})


def _back(query: dict[str, str]) -> Redirect:
    redirect = Redirect(f"/credentials?{urlencode(query)}", status_code=303)
    redirect.delete_cookie(flow.SESSION_COOKIE, path="/api/oauth")
    return redirect
