"""Sign text, JSON or a file with HMAC, using a secret kept as a credential."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from functools import partial
from typing import Any, Literal

from pydantic import Field

from kyra.context import NodeContext
from kyra.errors import CredentialError
from kyra.spec import CredentialRef, NodeSpec, Port
from kyra_nodes.crypto._digest import DigestParams, digest_input


class Params(DigestParams):
    secret_encoding: Literal["text", "hex", "base64"] = Field(
        "text", description="How the credential's secret is written"
    )


SPEC = NodeSpec(
    type="Crypto.hmac",
    title="HMAC signature",
    category="Data",
    icon="key",
    description=(
        "Compute the HMAC (SHA-256, SHA-512, SHA-1 or MD5) of text, JSON or a file with the "
        "secret of an `hmac_secret` credential (field `secret`) and output it as hex or base64, "
        "e.g. to sign or check a webhook; with `field`, add it to every incoming item."
    ),
    params=Params,
    inputs=[Port("in", description="Text, JSON or a file reference; items with field set")],
    outputs=[Port("out", description="The signature, or the items")],
    credentials=[CredentialRef("hmac_secret")],
    pure=True,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    key = _key(await ctx.credential("hmac_secret"), params.secret_encoding)
    new_hasher = partial(hmac.new, key, digestmod=getattr(hashlib, params.algorithm))
    return await digest_input(ctx, params, inputs, new_hasher)


def _key(credential: dict[str, Any], encoding: str) -> bytes:
    secret = credential.get("secret")
    if not isinstance(secret, str) or not secret:
        raise CredentialError("the hmac_secret credential has no 'secret' field")
    try:
        if encoding == "hex":
            return bytes.fromhex(secret)
        if encoding == "base64":
            return base64.b64decode(secret, validate=True)
    except (ValueError, binascii.Error):
        raise CredentialError(f"the credential's secret is not valid {encoding}") from None
    return secret.encode()
