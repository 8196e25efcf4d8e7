"""OpenID Connect sign-in for the web app (public routes; see :mod:`kyra.oidc`).

``GET /auth/oidc/login`` sends the browser to the provider; ``GET /auth/oidc/callback`` takes
the answer, maps the identity to a user and sends the browser back to the app with a one-time
code (valid a minute, bound to the same browser by a cookie), which the app exchanges for a
fresh API key with ``POST /auth/oidc/session``.
"""

from __future__ import annotations

import json
import secrets
import uuid
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import httpx
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.exceptions import NotAuthorizedException
from litestar.response import Redirect
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import IntegrityError

from kyra import oidc
from kyra.api.deps import app_redis
from kyra.api.schemas.auth import OidcSession, OidcStatus
from kyra.db.models import User
from kyra.db.queries import users as queries
from kyra.engine.services import EngineServices
from kyra.errors import NotFoundError

#: Cookie binding a sign-in (and its one-time code) to the browser that started it.
BROWSER_COOKIE = "kyra_oidc"
_STATE = "kyra:oidc:state:"
_CODE = "kyra:oidc:code:"
#: Seconds the one-time code handed to the web app stays valid.
CODE_TTL_S = 60


class SessionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=16, max_length=100)


def _callback_url(services: EngineServices, request: Request[Any, Any, Any]) -> str:
    base = services.settings.public_url or str(request.base_url)
    return f"{base.rstrip('/')}/auth/oidc/callback"


def _back(query: dict[str, str]) -> Redirect:
    return Redirect(f"/?{urlencode(query)}", status_code=303)


def _http() -> httpx.AsyncClient:
    # The provider is the operator's (often on a private network), not user input: a plain
    # client, no SSRF guard; no environment proxies either.
    return httpx.AsyncClient(trust_env=False, follow_redirects=False)


async def _user_for(services: EngineServices, identity: oidc.Identity) -> User:
    async with services.session_factory() as session:
        user = await queries.find_user_by_oidc_subject(session, identity.subject)
        if user is None and identity.email:
            user = await queries.find_user_by_email(session, identity.email)
        if user is None:
            if not services.settings.oidc_create_users:
                raise oidc.OidcError("no user here matches this identity: ask an admin to add you")
            user = await queries.create_user(session, name=identity.name, email=identity.email)
        if user.disabled_at is not None:
            raise oidc.OidcError("this user is disabled")
        user.oidc_subject = user.oidc_subject or identity.subject
        try:
            await session.commit()
        except IntegrityError:
            raise oidc.OidcError("this identity is mapped to another user") from None
        return user


class OidcController(Controller):
    path = "/auth/oidc"
    tags = ["auth"]

    @get("/", opt={"public": True})
    async def status(self, services: EngineServices) -> OidcStatus:
        """Whether the sign-in page offers single sign-on."""
        settings = services.settings
        return OidcStatus(enabled=oidc.enabled(settings), issuer=settings.oidc_issuer)

    @get("/login", opt={"public": True, "errors": [400, 404]})
    async def login(self, request: Request[Any, Any, Any], services: EngineServices) -> Redirect:
        """Send the browser to the provider (400 when the provider cannot be reached)."""
        settings = services.settings
        if not oidc.enabled(settings):
            raise NotFoundError("single sign-on is not configured")
        async with _http() as http:
            config = await oidc.discover(http, settings)
        url, state, pending = oidc.start(config, settings, _callback_url(services, request))
        browser = secrets.token_urlsafe(24)
        record = json.dumps({**asdict(pending), "browser": browser})
        await app_redis(request, services).set(_STATE + state, record, ex=oidc.STATE_TTL_S)
        cookie = Cookie(
            key=BROWSER_COOKIE, value=browser, path="/auth/oidc", max_age=oidc.STATE_TTL_S,
            httponly=True, samesite="lax", secure=request.url.scheme == "https",
        )  # fmt: skip
        return Redirect(url, status_code=302, cookies=[cookie])

    @get("/callback", opt={"public": True})
    async def callback(self, request: Request[Any, Any, Any], services: EngineServices) -> Redirect:
        query = request.query_params
        redis = app_redis(request, services)
        browser = request.cookies.get(BROWSER_COOKIE, "")
        try:
            raw = (
                await redis.getdel(_STATE + query.get("state", "")) if query.get("state") else None
            )
            if raw is None:
                raise oidc.OidcError("this sign-in expired or was already used: start again")
            record = json.loads(raw)
            if not browser or not secrets.compare_digest(record.pop("browser"), browser):
                raise oidc.OidcError("this sign-in was started in another browser")
            if query.get("error") or not query.get("code"):
                reason = query.get("error_description") or query.get("error") or "no code"
                raise oidc.OidcError(f"the sign-in provider did not sign you in: {reason}")
            async with _http() as http:
                config = await oidc.discover(http, services.settings)
                identity = await oidc.finish(
                    http, config, services.settings, oidc.Pending(**record), query["code"]
                )
            user = await _user_for(services, identity)
        except oidc.OidcError as exc:
            return _back({"sso_error": str(exc)[:300]})
        code = secrets.token_urlsafe(32)
        await redis.set(_CODE + code, json.dumps({"user_id": str(user.id), "browser": browser}),
                        ex=CODE_TTL_S)  # fmt: skip
        return _back({"sso": code})

    @post("/session", opt={"public": True, "errors": [401]}, status_code=201)
    async def session(
        self, data: SessionRequest, request: Request[Any, Any, Any], services: EngineServices
    ) -> Response[OidcSession]:
        """Trade the one-time code for a new API key of the signed-in user (shown once)."""
        raw = await app_redis(request, services).getdel(_CODE + data.code)
        browser = request.cookies.get(BROWSER_COOKIE, "")
        record = json.loads(raw) if raw else None
        if record is None or not browser or not secrets.compare_digest(record["browser"], browser):
            raise NotAuthorizedException("invalid or expired sign-in code")
        async with services.session_factory() as session:
            user = await queries.get_user(session, uuid.UUID(record["user_id"]))
            stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M")
            _, key = await queries.create_api_key(
                session, owner_id=user.id, name=f"sign-in {stamp}"
            )
            await session.commit()
        response = Response(OidcSession.of(user, key), status_code=201)
        response.delete_cookie(BROWSER_COOKIE, path="/auth/oidc")
        return response
