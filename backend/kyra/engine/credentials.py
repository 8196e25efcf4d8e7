"""The credentials one handler call may read: the kinds its spec declares, attached by id (the
node's ``credentials``, or an agent's tool settings), loaded owner-scoped, checked against the
kind, decrypted, OAuth2 tokens kept fresh (before they expire, and after a 401 through the
service client), and every secret value remembered for masking."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from kyra import masking
from kyra.credentials import CredentialKind, ServiceClient
from kyra.crypto import decrypt_json
from kyra.db.models import Credential
from kyra.db.queries.credentials import find_credential
from kyra.engine.services import EngineServices
from kyra.errors import CredentialError
from kyra.oauth.tokens import expires_soon, refresh_credential
from kyra.spec import NodeSpec


async def open_fields(
    services: EngineServices, row: Credential, kind: CredentialKind | None
) -> dict[str, Any]:
    """The decrypted fields of a loaded credential, its OAuth2 token refreshed when due.

    Raises:
        CredentialError: the credential has a problem (its grant was revoked) or its refresh
            was refused.
    """
    data = decrypt_json(row.data_enc)
    if kind is None or kind.oauth2 is None:
        return data
    if row.problem:
        raise CredentialError(
            f"credential {row.name!r}: {row.problem}; reconnect it on the Credentials page"
        )
    if expires_soon(data, services.settings.oauth_refresh_margin_seconds):
        data = await _refresh(services, row, kind, None)
    return data


def open_client(
    services: EngineServices,
    row: Credential,
    kind: CredentialKind,
    fields: Mapping[str, Any],
    http: httpx.AsyncClient,
    *,
    on_refresh: Callable[[Mapping[str, Any]], None] | None = None,
) -> ServiceClient:
    """A :class:`ServiceClient` for a loaded credential; OAuth2 kinds refresh on a 401."""
    if kind.oauth2 is None:
        return ServiceClient(kind, fields, http)

    async def refresh(stale: Mapping[str, Any]) -> Mapping[str, Any]:
        fresh = await _refresh(services, row, kind, str(stale.get("access_token")))
        if on_refresh is not None:
            on_refresh(fresh)
        return fresh

    return ServiceClient(kind, fields, http, refresh=refresh)


async def _refresh(
    services: EngineServices, row: Credential, kind: CredentialKind, stale: str | None
) -> dict[str, Any]:
    return await refresh_credential(
        services.session_factory, services.settings, services.http,
        kind=kind, owner_id=row.owner_id, credential_id=row.id, stale_token=stale,
    )  # fmt: skip


class CredentialSource:
    """Reads the credentials attached to one handler call.

    Args:
        attached: credential kind → credential id of ``owner_id``.
        missing: message for a required kind with nothing attached (``{kind}`` is filled in).
    """

    def __init__(
        self,
        services: EngineServices,
        *,
        owner_id: uuid.UUID,
        spec: NodeSpec,
        attached: Mapping[str, str],
        missing: str,
    ) -> None:
        self._services = services
        self._owner_id = owner_id
        self._spec = spec
        self._attached = attached
        self._missing = missing
        #: Secret values read so far (the engine masks them in outputs and errors).
        self.secrets: set[str] = set()

    async def fields(self, kind: str) -> dict[str, Any]:
        """The decrypted fields of the credential of ``kind``; ``{}`` for an optional kind
        with nothing attached.

        Raises:
            CredentialError: the kind is not declared, a required credential is missing, or
                its OAuth2 grant no longer works.
        """
        row = await self._row(kind)
        if row is None:
            return {}
        data = await open_fields(self._services, row, self._services.registry.credential_kind(kind))
        self._remember(kind, data)
        return data

    async def client(self, kind: str, http: httpx.AsyncClient) -> ServiceClient:
        """A :class:`ServiceClient` for the credential of ``kind`` (refreshing on a 401)."""
        declared = self._services.registry.credential_kind(kind)
        if declared is None:
            raise CredentialError(f"no credential kind {kind!r} is installed")
        row = await self._row(kind)
        if row is None:
            return ServiceClient(declared, {}, http)
        fields = await open_fields(self._services, row, declared)
        self._remember(kind, fields)
        return open_client(
            self._services, row, declared, fields, http,
            on_refresh=lambda fresh: self._remember(kind, fresh),
        )  # fmt: skip

    async def _row(self, kind: str) -> Credential | None:
        declared = {c.kind: c for c in self._spec.credentials}
        if kind not in declared:
            raise CredentialError(
                f"{self._spec.type} does not declare credentials of kind {kind!r}"
            )
        credential_id = self._attached.get(kind)
        if not credential_id:
            if declared[kind].required:
                raise CredentialError(self._missing.format(kind=kind))
            return None
        async with self._services.session_factory() as session:
            row = await find_credential(
                session, owner_id=self._owner_id, credential_id=credential_id
            )
        if row is None or row.kind != kind:
            raise CredentialError(f"credential {credential_id} of kind {kind!r} not found")
        return row

    def _remember(self, kind: str, data: Mapping[str, Any]) -> None:
        declared = self._services.registry.credential_kind(kind)
        values = declared.secret_values(data) if declared else [str(v) for v in data.values()]
        self.secrets.update(values)
        masking.remember(values)

    def mask(self, value: Any) -> Any:
        """``value`` with the secrets read so far masked."""
        return masking.mask(value, self.secrets) if self.secrets else value
