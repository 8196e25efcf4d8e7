"""Hash text, JSON or a file (streamed) with SHA-256, SHA-512, SHA-1 or MD5."""

from __future__ import annotations

import hashlib
from functools import partial
from typing import Any

from kyra.context import NodeContext
from kyra.spec import NodeSpec, Port
from kyra_nodes.crypto._digest import DigestParams, digest_input


class Params(DigestParams):
    pass


SPEC = NodeSpec(
    type="Crypto.hash",
    title="Hash",
    category="Data",
    icon="hash",
    description=(
        "Compute the SHA-256 (or SHA-512, SHA-1, MD5) hash of text, JSON or a file and output "
        "it as hex or base64; with `field`, add a hash field to every incoming item."
    ),
    params=Params,
    inputs=[Port("in", description="Text, JSON or a file reference; items with field set")],
    outputs=[Port("out", description="The digest, or the items")],
    pure=True,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    # MD5 and SHA-1 are offered for checksums that other systems ask for, not for security.
    new_hasher = partial(hashlib.new, params.algorithm, usedforsecurity=False)
    return await digest_input(ctx, params, inputs, new_hasher)
