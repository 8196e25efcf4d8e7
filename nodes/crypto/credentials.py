"""The ``hmac_secret`` credential: the shared secret Crypto.hmac signs with."""

from __future__ import annotations

from kyra.credentials import CredentialField, CredentialKind

HMAC_SECRET = CredentialKind(
    name="hmac_secret",
    title="HMAC secret",
    description="A shared secret for Crypto.hmac (as text, hex or base64: the node says which).",
    fields=(CredentialField("secret", secret=True),),
)
