"""List the objects of an S3 bucket under a prefix (``ListObjectsV2``, following continuation
tokens up to a limit)."""

from __future__ import annotations

from typing import Any

from defusedxml.ElementTree import fromstring
from pydantic import Field

from kyra.context import NodeContext
from kyra.spec import CredentialRef, NodeSpec, Port, PortType
from kyra_nodes._service import paginate, send
from kyra_nodes.s3._s3 import EMPTY_SHA256, S3, BucketParams, children, text

#: Most keys S3 returns per page.
PAGE = 1000


class Params(BucketParams):
    prefix: str = Field("", description="Only keys starting with this, e.g. reports/2024/")
    delimiter: str = Field(
        "", description='Group keys by this ("/" lists one folder level: see prefixes)'
    )
    limit: int = Field(1000, ge=1, le=100_000, description="Most objects returned (pages followed)")


SPEC = NodeSpec(
    type="S3.list_objects",
    title="S3: list objects",
    category="Files",
    icon="bucket",
    description="List the objects of an S3-compatible bucket under a prefix (key, size, ETag, "
    "last modified), up to a limit. Changes nothing.",
    params=Params,
    inputs=[Port("in")],
    outputs=[
        Port(
            "out",
            PortType.object,
            description="{objects: [{key, size, etag, last_modified}], prefixes, count}",
        )
    ],
    credentials=[CredentialRef("s3")],
    retries=3,
    timeout_s=120,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    client = await ctx.service("s3")
    prefixes: list[str] = []

    async def page(token: str | None) -> tuple[list[Any], str | None]:
        query = {"list-type": "2", "max-keys": str(min(PAGE, params.limit))}
        query |= {"prefix": params.prefix} if params.prefix else {}
        query |= {"delimiter": params.delimiter} if params.delimiter else {}
        query |= {"continuation-token": token} if token else {}
        answer = await send(
            S3,
            client,
            "GET",
            f"/{params.bucket}",
            what="ListObjectsV2",
            params=query,
            headers={"x-amz-content-sha256": EMPTY_SHA256},
        )
        root = fromstring(answer.content)
        prefixes.extend(text(p, "Prefix") for p in children(root, "CommonPrefixes"))
        objects = [
            {
                "key": text(o, "Key"),
                "size": int(text(o, "Size") or 0),
                "etag": text(o, "ETag").strip('"'),
                "last_modified": text(o, "LastModified"),
                "storage_class": text(o, "StorageClass"),
            }
            for o in children(root, "Contents")
        ]
        more = text(root, "IsTruncated") == "true"
        return objects, (text(root, "NextContinuationToken") or None) if more else None

    objects = await paginate(page, limit=params.limit)
    return {"out": {"objects": objects, "prefixes": prefixes, "count": len(objects)}}
