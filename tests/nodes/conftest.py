"""A node context with the real file store (on a temporary folder, rows in the test database)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from kyra.files.owned import OwnerFiles
from kyra.files.store import DiskBlobStore
from kyra.net import create_http_client
from kyra.spec import NodeSpec


@dataclass
class NodeCtx:
    """What data and file nodes use: ``files``, ``http`` and ``credential``."""

    files: OwnerFiles
    http: httpx.AsyncClient
    credentials: dict[str, dict[str, Any]] = field(default_factory=dict)
    idempotency_key: str = "run-1:node"

    async def credential(self, kind: str) -> dict[str, Any]:
        return self.credentials.get(kind, {})

    async def run(self, spec: NodeSpec, inputs: dict[str, Any] | None = None, **params: Any) -> Any:
        assert spec.execute is not None
        return await spec.execute(self, spec.params.model_validate(params), inputs or {})  # type: ignore[arg-type]


@pytest.fixture
async def node_ctx(tmp_path: Path, session_factory: Any, owner: Any) -> AsyncIterator[NodeCtx]:
    files = OwnerFiles(
        DiskBlobStore(tmp_path / "files"),
        session_factory,
        owner_id=owner.id,
        run_id=None,
        node_id="test",
        max_bytes=50 * 1024 * 1024,
    )
    async with create_http_client(allow_hosts=["127.0.0.1"]) as client:
        yield NodeCtx(files, client)
