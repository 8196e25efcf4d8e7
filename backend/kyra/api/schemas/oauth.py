"""OAuth2 providers and authorizations as the API answers them (never a client secret)."""

from __future__ import annotations

from kyra.api.schemas.base import ReadModel

__all__ = ["AuthorizationStart", "ProviderClientRead", "ProviderStatus"]


class ProviderStatus(ReadModel):
    """A provider, whether a client is configured (and where from), and the redirect URI to
    register with it."""

    name: str
    title: str
    configured: bool
    source: str | None
    client_id: str | None
    redirect_uri: str


class ProviderClientRead(ReadModel):
    """The client just stored for a provider."""

    name: str
    configured: bool
    source: str
    client_id: str


class AuthorizationStart(ReadModel):
    """Where to send the browser to authorize."""

    authorize_url: str
