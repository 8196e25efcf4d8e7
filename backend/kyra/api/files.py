"""Stored files: upload, their facts and a download of their content, only for their owner."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import quote

from litestar import Controller, Request, get, post
from litestar.params import Parameter
from litestar.response import Stream
from sqlalchemy.ext.asyncio import AsyncSession

from kyra.api.auth import Principal
from kyra.api.schemas.files import FileRead, FileRef
from kyra.db.models import StoredFile
from kyra.db.queries import files as queries
from kyra.engine.services import EngineServices
from kyra.errors import NotFoundError
from kyra.files.owned import OwnerFiles

_UNTYPED = frozenset({"application/x-www-form-urlencoded", "application/octet-stream"})


async def _owned(session: AsyncSession, principal: Principal, file_id: uuid.UUID) -> StoredFile:
    stored = await queries.get_file(session, owner_id=principal.user_id, file_id=file_id)
    if stored is None:
        raise NotFoundError(f"file {file_id} not found")
    return stored


class FileController(Controller):
    path = "/api/files"
    tags = ["files"]

    # No body limit here: the store stops the stream at KYRA_MAX_FILE_BYTES (413).
    @post("/", request_max_body_size=None)
    async def upload(
        self,
        request: Request[Any, Any, Any],
        principal: Principal,
        services: EngineServices,
        name: str = Parameter(query="name", min_length=1, max_length=255),
    ) -> FileRef:
        """Store the raw request body (streamed) as a file a graph can use, e.g. in
        ``Spreadsheet.read``'s ``file`` param; its type is the request's Content-Type."""
        files = OwnerFiles(
            services.files,
            services.session_factory,
            owner_id=principal.user_id,
            run_id=None,
            node_id=None,
            max_bytes=services.settings.max_file_bytes,
        )
        mime = request.headers.get("content-type", "")
        if mime.split(";")[0].strip() in _UNTYPED:
            mime = ""  # what curl and browsers send when nobody said: guess from the name
        return FileRef.of(await files.save(request.stream(), name=name, mime=mime))

    @get("/{file_id:uuid}")
    async def describe(
        self, file_id: uuid.UUID, db_session: AsyncSession, principal: Principal
    ) -> FileRead:
        """The file's reference as nodes pass it on, plus when and where it was made."""
        return FileRead.of_row(await _owned(db_session, principal, file_id))

    @get(
        "/{file_id:uuid}/content",
        opt={"content": {"*/*": {"schema": {"type": "string", "format": "binary"}}}},
    )
    async def download(
        self,
        file_id: uuid.UUID,
        db_session: AsyncSession,
        principal: Principal,
        services: EngineServices,
    ) -> Stream:
        """The bytes, streamed, always as an attachment (never rendered in the app's origin)."""
        stored = await _owned(db_session, principal, file_id)
        return Stream(
            services.files.read(stored.sha256),
            media_type=stored.mime,
            headers={
                "Content-Length": str(stored.size),
                "Content-Disposition": f"attachment; filename*=UTF-8''{quote(stored.name)}",
                "X-Content-Type-Options": "nosniff",
                "Content-Security-Policy": "sandbox",
            },
        )
