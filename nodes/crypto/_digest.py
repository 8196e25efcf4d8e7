"""What Crypto nodes share: digest text, JSON or a stored file, for one value or every item."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from kyra.context import NodeContext, is_file_ref
from kyra.errors import NodeError
from kyra_nodes.shared.items import (
    MISSING,
    get_path,
    items_from,
    pick,
    require_object,
    response_body,
    with_path,
)

Algorithm = Literal["sha256", "sha512", "sha1", "md5"]


class Hasher(Protocol):
    def update(self, data: bytes, /) -> None: ...

    def digest(self) -> bytes: ...


class DigestParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value: Any = Field(
        None,
        description="Text, a file reference, or other JSON (digested as compact JSON with sorted "
        "keys); defaults to the incoming value. Ignored when field is set.",
    )
    field: str = Field("", description="Dotted path to digest in every incoming item instead")
    output_field: str = Field("", description="Where to write the digest; defaults to field_hash")
    algorithm: Algorithm = Field("sha256", description="Hash function")
    encoding: Literal["hex", "base64"] = Field("hex", description="How the digest is written")


async def digest_input(
    ctx: NodeContext,
    params: DigestParams,
    inputs: dict[str, Any],
    new_hasher: Callable[[], Hasher],
) -> dict[str, Any]:
    """The ``out`` port: one digest, or the items with a digest field added."""
    if not params.field:
        value = response_body(pick(params.value, inputs))
        if value is None:
            raise NodeError("value is empty: give text or a file, or set field")
        return {"out": await _digest(ctx, value, new_hasher, params.encoding)}
    output = params.output_field or f"{params.field}_hash"
    out = []
    for index, raw in enumerate(items_from(inputs.get("in"))):
        item = require_object(raw, index)
        value = get_path(item, params.field)
        text = None if value is MISSING or value is None else value
        digest = None if text is None else await _digest(ctx, text, new_hasher, params.encoding)
        out.append(with_path(item, output, digest))
    return {"out": out}


async def _digest(
    ctx: NodeContext, value: Any, new_hasher: Callable[[], Hasher], encoding: str
) -> str:
    hasher = new_hasher()
    if is_file_ref(value):
        async for chunk in ctx.files.chunks(value):
            hasher.update(chunk)
    elif isinstance(value, str):
        hasher.update(value.encode())
    else:
        compact = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        hasher.update(compact.encode())
    raw = hasher.digest()
    return raw.hex() if encoding == "hex" else base64.b64encode(raw).decode()
