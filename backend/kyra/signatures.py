"""Webhook signatures (DESIGN §5): HMAC-SHA256 of ``"{timestamp}.{raw body}"`` with the graph's
secret, sent as ``X-Kyra-Timestamp`` and ``X-Kyra-Signature: sha256=<hex>``.

Pure functions, so senders (tests, the benchmark, users' scripts) and the ingress share them.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

#: Header carrying the unix time (seconds) the sender signed at.
TIMESTAMP_HEADER = "X-Kyra-Timestamp"
#: Header carrying ``sha256=<hex digest>``.
SIGNATURE_HEADER = "X-Kyra-Signature"
_PREFIX = "sha256="


class SignatureError(ValueError):
    """Why a signed request was refused (the message is safe to show the caller)."""


def new_secret() -> str:
    """A fresh random signing secret (256 bits, URL-safe text)."""
    return "whsec_" + secrets.token_urlsafe(32)


def sign(secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """The two headers that sign ``body`` at ``timestamp`` (now by default)."""
    stamp = int(time.time()) if timestamp is None else timestamp
    digest = _digest(secret, str(stamp), body)
    return {TIMESTAMP_HEADER: str(stamp), SIGNATURE_HEADER: _PREFIX + digest}


def verify(
    secret: str,
    body: bytes,
    *,
    timestamp: str | None,
    signature: str | None,
    tolerance_s: int,
    now: float | None = None,
) -> str:
    """Check a signed request; returns the hex digest (unique per signed request).

    Raises:
        SignatureError: a header is missing or malformed, the timestamp is outside the
            window, or the signature does not match.
    """
    if not timestamp or not signature:
        raise SignatureError(f"missing {TIMESTAMP_HEADER} or {SIGNATURE_HEADER} header")
    timestamp = timestamp.strip()
    if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        raise SignatureError(f"{TIMESTAMP_HEADER} must be unix seconds")
    stamp = int(timestamp)
    current = time.time() if now is None else now
    if abs(current - stamp) > tolerance_s:
        raise SignatureError(f"{TIMESTAMP_HEADER} is outside the {tolerance_s} s window")
    expected = _digest(secret, timestamp, body)
    given = signature.strip()
    given = given[len(_PREFIX) :] if given.startswith(_PREFIX) else ""
    if not hmac.compare_digest(given.lower().encode(), expected.encode()):
        raise SignatureError("signature does not match")
    return expected


def _digest(secret: str, timestamp: str, body: bytes) -> str:
    message = timestamp.encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
