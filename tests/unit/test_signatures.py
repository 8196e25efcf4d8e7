"""Webhook signatures: the DESIGN §5 format, the time window and constant-time refusal."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from kyra.signatures import SignatureError, sign, verify

SECRET = "whsec_test"
BODY = b'{"name": "Ada"}'


def test_the_signature_is_the_hmac_of_timestamp_dot_body() -> None:
    headers = sign(SECRET, BODY, timestamp=1_700_000_000)
    expected = hmac.new(SECRET.encode(), b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert headers == {"X-Kyra-Timestamp": "1700000000", "X-Kyra-Signature": f"sha256={expected}"}


def test_a_valid_signature_returns_its_digest() -> None:
    headers = sign(SECRET, BODY, timestamp=1_700_000_000)
    digest = verify(
        SECRET, BODY, timestamp=headers["X-Kyra-Timestamp"],
        signature=headers["X-Kyra-Signature"], tolerance_s=300, now=1_700_000_100,
    )  # fmt: skip
    assert headers["X-Kyra-Signature"] == f"sha256={digest}"


@pytest.mark.parametrize(
    ("timestamp", "signature", "now", "message"),
    [
        (None, "sha256=00", 1_700_000_000, "missing"),
        ("1700000000", None, 1_700_000_000, "missing"),
        ("17e8", "sha256=00", 1_700_000_000, "unix seconds"),
        ("1700000000", "sha256=00", 1_700_000_301, "window"),
        ("1700000000", "sha256=00", 1_699_999_699, "window"),
        ("1700000000", "md5=00", 1_700_000_000, "does not match"),
        ("1700000000", "sha256=00", 1_700_000_000, "does not match"),
    ],
)
def test_bad_requests_are_refused_with_a_reason(
    timestamp: str | None, signature: str | None, now: int, message: str
) -> None:
    with pytest.raises(SignatureError, match=message):
        verify(SECRET, BODY, timestamp=timestamp, signature=signature, tolerance_s=300, now=now)
