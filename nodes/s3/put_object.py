"""Store a file or a text as an object in an S3 bucket (``PutObject``), streamed from the file
store with its SHA-256 signed."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Mapping
from typing import Any

from pydantic import Field

from kyra.context import NodeContext
from kyra.spec import CredentialRef, NodeSpec, Port, PortType
from kyra_nodes._service import once, send
from kyra_nodes.s3._s3 import S3, BucketParams, object_path
from kyra_nodes.shared.upload import SourceParams, source_of


class Params(BucketParams, SourceParams):
    key: str = Field(min_length=1, max_length=1024, description="Object key, e.g. reports/may.csv")
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


async def _file_sha256(ctx: NodeContext, ref: Mapping[str, Any]) -> str:
    digest = hashlib.sha256()
    async for chunk in ctx.files.chunks(ref):
        digest.update(chunk)
    return digest.hexdigest()


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    client = await ctx.service("s3")
    source = await source_of(ctx, params, inputs)
    mime = source.mime if source.ref else "text/plain; charset=utf-8"
    headers = {"content-type": params.content_type or mime, "content-length": str(source.size)}
    body: bytes | AsyncIterator[bytes] = source.text
    if source.ref is not None:
        headers["x-amz-content-sha256"] = await _file_sha256(ctx, source.ref)
        body = ctx.files.chunks(source.ref)

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
            "size": source.size,
        }

    return {"out": await once(ctx, "put", put)}
