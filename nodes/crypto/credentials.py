"""The ``hmac_secret`` credential: a shared secret Crypto.hmac signs with."""

from __future__ import annotations

from kyra.credentials import CredentialField, CredentialKind

HMAC_SECRET = CredentialKind(
    name="hmac_secret",
    title="HMAC secret",
    description="A shared secret (text, hex or base64, as the node's secret_encoding says) that "
    "Crypto.hmac signs with; never shown again once saved.",
    fields=(CredentialField("secret", secret=True),),
)
