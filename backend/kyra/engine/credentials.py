"""The credentials one handler call may read: the kinds its spec declares, attached by id (the
node's ``credentials``, or an agent's tool settings), loaded owner-scoped, checked against the
kind, decrypted, OAuth2 tokens kept fresh, and every secret value remembered for masking."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import httpx

from kyra import masking
from kyra.credentials import CredentialKind, ServiceClient
from kyra.crypto import decrypt_json
from kyra.db.queries.credentials import find_credential
from kyra.engine.services import EngineServices
from kyra.errors import CredentialError
from kyra.spec import NodeSpec


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
            CredentialError: the kind is not declared, or a required credential is missing.
        """
        declared = {c.kind: c for c in self._spec.credentials}
        if kind not in declared:
            raise CredentialError(
                f"{self._spec.type} does not declare credentials of kind {kind!r}"
            )
        credential_id = self._attached.get(kind)
        if not credential_id:
            if declared[kind].required:
                raise CredentialError(self._missing.format(kind=kind))
            return {}
        async with self._services.session_factory() as session:
            row = await find_credential(
                session, owner_id=self._owner_id, credential_id=credential_id
            )
        if row is None or row.kind != kind:
            raise CredentialError(f"credential {credential_id} of kind {kind!r} not found")
        data = decrypt_json(row.data_enc)
        self._remember(kind, data)
        return data

    async def client(self, kind: str, http: httpx.AsyncClient) -> ServiceClient:
        """A :class:`ServiceClient` for the credential of ``kind``."""
        return ServiceClient(self._kind(kind), await self.fields(kind), http)

    def _kind(self, name: str) -> CredentialKind:
        kind = self._services.registry.credential_kind(name)
        if kind is None:
            raise CredentialError(f"no credential kind {name!r} is installed")
        return kind

    def _remember(self, kind: str, data: Mapping[str, Any]) -> None:
        declared = self._services.registry.credential_kind(kind)
        values = declared.secret_values(data) if declared else [str(v) for v in data.values()]
        self.secrets.update(values)
        masking.remember(values)

    def mask(self, value: Any) -> Any:
        """``value`` with the secrets read so far masked."""
        return masking.mask(value, self.secrets) if self.secrets else value
