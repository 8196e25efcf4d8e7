"""The ``hmac_secret`` credential of Crypto.hmac: a signing secret kept out of graph params."""

from __future__ import annotations

from kyra.credentials import CredentialField, CredentialKind

HMAC_SECRET = CredentialKind(
    name="hmac_secret",
    title="HMAC secret",
    description="A shared secret for Crypto.hmac, e.g. a webhook signing secret; how it is "
    "written (text, hex or base64) is chosen on the node.",
    fields=(CredentialField("secret", secret=True, description="The signing secret"),),
)
