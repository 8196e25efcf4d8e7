"""Store a file or a text as an object in an S3 bucket (``PutObject``), streamed from the file
store with its SHA-256 signed."""

from __future__ import annotations

import hashlib
from typing import Any

from pydantic import Field

from kyra.context import NodeContext, is_file_ref
from kyra.spec import CredentialRef, NodeSpec, Port, PortType
from kyra_nodes._service import once, param_error, send
from kyra_nodes.s3._s3 import S3, BucketParams, object_path


class Params(BucketParams):
    key: str = Field(min_length=1, max_length=1024, description="Object key, e.g. reports/may.csv")
    file: dict[str, Any] | None = Field(
        None, description='A file reference {"$file": …}; else content, else the file on in'
    )
    content: str | None = Field(None, description="Text to store instead of a file")
    content_type: str = Field("", description="Content-Type; the file's type when empty")


SPEC = NodeSpec(
    type="S3.put_object",
    title="S3: put object",
    category="Files",
    icon="bucket",
    description="Upload a file (or a text) to an S3-compatible bucket under a key, replacing "
    "any object there; writes for real, once per run.",
    params=Params,
    inputs=[Port("in", description="A file reference, when file and content are not set")],
    outputs=[Port("out", PortType.object, description="{bucket, key, etag, size}")],
    credentials=[CredentialRef("s3")],
    retries=3,
    timeout_s=3600,
)


async def _file_sha256(ctx: NodeContext, ref: dict[str, Any]) -> str:
    digest = hashlib.sha256()
    async for chunk in ctx.files.chunks(ref):
        digest.update(chunk)
    return digest.hexdigest()


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    client = await ctx.service("s3")
    ref = params.file or (inputs.get("in") if params.content is None else None)
    headers: dict[str, str] = {}
    if ref is not None:
        if not is_file_ref(ref):
            raise param_error('file: expected a file reference {"$file": …}')
        stored = await ctx.files.describe(ref)
        size, body = stored["size"], ctx.files.chunks(ref)
        headers["x-amz-content-sha256"] = await _file_sha256(ctx, ref)
        headers["content-type"] = params.content_type or stored["mime"]
    elif params.content is not None:
        data = params.content.encode()
        size, body = len(data), data
        headers["content-type"] = params.content_type or "text/plain; charset=utf-8"
    else:
        raise param_error("file: give a file reference or content")
    headers["content-length"] = str(size)

    async def put() -> dict[str, Any]:
        sent = await send(
            S3,
            client,
            "PUT",
            object_path(params.bucket, params.key),
            what="PutObject",
            content=body,
            headers=headers,
            timeout=3600.0,
        )
        return {
            "bucket": params.bucket,
            "key": params.key,
            "etag": sent.headers.get("etag", "").strip('"'),
            "size": size,
        }

    return {"out": await once(ctx, "put", put)}
