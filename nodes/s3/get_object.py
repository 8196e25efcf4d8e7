"""Download an object of an S3 bucket into the file store (``GetObject``, streamed)."""

from __future__ import annotations

import posixpath
from typing import Any

from pydantic import Field

from kyra.context import NodeContext
from kyra.spec import CredentialRef, NodeSpec, Port, PortType
from kyra_nodes._service import download
from kyra_nodes.s3._s3 import EMPTY_SHA256, S3, BucketParams, object_path


class Params(BucketParams):
    key: str = Field(min_length=1, max_length=1024, description="Object key, e.g. reports/may.csv")


SPEC = NodeSpec(
    type="S3.get_object",
    title="S3: get object",
    category="Files",
    icon="bucket",
    description="Download an object from an S3-compatible bucket as a stored file that other "
    "nodes take (streamed, any size). Changes nothing.",
    params=Params,
    inputs=[Port("in")],
    outputs=[
        Port("out", PortType.object, description='A file reference {"$file", name, mime, size}')
    ],
    credentials=[CredentialRef("s3")],
    retries=3,
    timeout_s=3600,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    client = await ctx.service("s3")
    ref = await download(
        ctx,
        S3,
        client,
        "GET",
        object_path(params.bucket, params.key),
        what="GetObject",
        name=posixpath.basename(params.key) or params.key,
        headers={"x-amz-content-sha256": EMPTY_SHA256},
        timeout=3600.0,
    )
    return {"out": ref}
