"""OAuth2 providers (Google, Microsoft, Slack): their endpoints, how they want the token request,
and the operator's client for each (an admin's stored client wins over the environment).

Every provider gets the authorization-code flow with PKCE (S256). Token requests go through the
SSRF-guarded client, so a test or self-hosted authorization server is reached the same way as
the real one (its URLs come from the stored client's overrides).
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kyra.crypto import decrypt_text
from kyra.db.models import OAuthClient
from kyra.settings import Settings


@dataclass(frozen=True)
class Provider:
    """An authorization server's defaults and dialect.

    Args:
        scope_separator: how scopes are joined (Slack uses commas).
        slack_style: answers carry ``ok``/``error`` (HTTP 200 for refusals) and the client
            authenticates with HTTP Basic.
    """

    name: str
    title: str
    authorize_url: str
    token_url: str
    scope_separator: str = " "
    slack_style: bool = False


PROVIDERS: dict[str, Provider] = {
    "google": Provider(
        "google",
        "Google",
        "https://accounts.google.com/o/oauth2/v2/auth",
        "https://oauth2.googleapis.com/token",
    ),
    "microsoft": Provider(
        "microsoft",
        "Microsoft",
        "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize",
        "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token",
    ),
    "slack": Provider(
        "slack",
        "Slack",
        "https://slack.com/oauth/v2/authorize",
        "https://slack.com/api/oauth.v2.access",
        scope_separator=",",
        slack_style=True,
    ),
}


@dataclass(frozen=True)
class ClientConfig:
    """The operator's client at one provider, with the endpoints to use."""

    provider: Provider
    client_id: str
    client_secret: str
    authorize_url: str
    token_url: str
    #: "admin" (stored over the API) or "environment".
    source: str


class GrantError(Exception):
    """The provider refused the grant for good (revoked, expired, wrong client): reconnect."""


class ProviderUnavailableError(Exception):
    """The provider could not be reached or failed (5xx): another attempt may work."""


def _env_client(settings: Settings, name: str) -> tuple[str, str]:
    return (
        str(getattr(settings, f"{name}_client_id", "") or ""),
        str(getattr(settings, f"{name}_client_secret", "") or ""),
    )


async def client_config(
    session: AsyncSession, settings: Settings, name: str
) -> ClientConfig | None:
    """The client for provider ``name``: the admin's stored one, else the environment's."""
    provider = PROVIDERS.get(name)
    if provider is None:
        return None
    tenant = settings.microsoft_tenant or "common"
    default_authorize = provider.authorize_url.format(tenant=tenant)
    default_token = provider.token_url.format(tenant=tenant)
    row = await session.scalar(select(OAuthClient).where(OAuthClient.provider == name))  # type: ignore[arg-type]
    if row is not None:
        return ClientConfig(
            provider, row.client_id, decrypt_text(row.client_secret_enc),
            row.authorize_url or default_authorize, row.token_url or default_token, "admin",
        )  # fmt: skip
    client_id, client_secret = _env_client(settings, name)
    if not client_id:
        return None
    return ClientConfig(
        provider, client_id, client_secret, default_authorize, default_token, "environment"
    )


def token_fields(answer: dict[str, Any], previous: dict[str, Any] | None = None) -> dict[str, str]:
    """Credential fields from a token answer; a refresh that sends no new refresh token keeps
    the old one."""
    fields = {**(previous or {})}
    fields["access_token"] = str(answer["access_token"])
    if answer.get("refresh_token"):
        fields["refresh_token"] = str(answer["refresh_token"])
    if answer.get("expires_in"):
        fields["expires_at"] = str(int(time.time() + float(answer["expires_in"])))
    else:
        fields.pop("expires_at", None)
    for name in ("scope", "token_type"):
        if answer.get(name):
            fields[name] = str(answer[name])
    return fields


async def token_request(
    http: httpx.AsyncClient, client: ClientConfig, form: dict[str, str]
) -> dict[str, Any]:
    """POST ``form`` to the token endpoint with the client's authentication.

    Raises:
        GrantError: the provider refused the grant (4xx, or Slack's ``ok: false``).
        ProviderUnavailableError: network failure or 5xx.
    """
    headers = {"Accept": "application/json"}
    form = dict(form)
    if client.provider.slack_style:
        pair = f"{client.client_id}:{client.client_secret}".encode()
        headers["Authorization"] = f"Basic {base64.b64encode(pair).decode()}"
    else:
        form |= {"client_id": client.client_id, "client_secret": client.client_secret}
    try:
        response = await http.post(client.token_url, data=form, headers=headers, timeout=30.0)
        answer = response.json() if response.content else {}
    except (httpx.HTTPError, ValueError) as exc:
        raise ProviderUnavailableError(
            f"{client.provider.title} token endpoint: {type(exc).__name__}"
        ) from None
    if response.status_code >= 500:
        raise ProviderUnavailableError(
            f"{client.provider.title} token endpoint answered {response.status_code}"
        )
    refused = not response.is_success or (client.provider.slack_style and not answer.get("ok"))
    if refused or not isinstance(answer, dict) or not answer.get("access_token"):
        raise GrantError(_refusal(client.provider, response, answer))
    return answer


def _refusal(provider: Provider, response: httpx.Response, answer: Any) -> str:
    if isinstance(answer, dict) and answer.get("error"):
        detail = answer.get("error_description")
        return f"{provider.title} refused: {answer['error']}" + (f" ({detail})" if detail else "")
    return f"{provider.title} refused: {response.status_code} {response.reason_phrase}"
