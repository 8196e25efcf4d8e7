"""OpenID Connect sign-in answers: whether it is offered, and the key a sign-in yields."""

from __future__ import annotations

import uuid

from kyra.api.schemas.base import ReadModel
from kyra.db.models import User

__all__ = ["OidcSession", "OidcStatus"]


class OidcStatus(ReadModel):
    """Whether the sign-in page offers single sign-on, and with which provider."""

    enabled: bool
    issuer: str | None


class OidcSession(ReadModel):
    """A new API key of the signed-in user, shown this once."""

    api_key: str
    user_id: uuid.UUID
    name: str

    @classmethod
    def of(cls, user: User, api_key: str) -> OidcSession:
        return cls(api_key=api_key, user_id=user.id, name=user.name)
