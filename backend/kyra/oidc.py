"""Sign-in with an OpenID Connect provider (authorization code flow with PKCE).

The operator configures one provider (``KYRA_OIDC_ISSUER``, client id and secret). The browser
is sent to the provider with a random ``state``, ``nonce`` and S256 code challenge; the answer's
code is exchanged at the token endpoint with the verifier, and the ID token is checked: RS256
signature against the provider's JWKS, issuer, audience, expiry and nonce. The identity maps to
a user by ``{issuer}|{sub}``, else by verified email (an admin created the user), else a new
member when ``KYRA_OIDC_CREATE_USERS`` is on.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from kyra.errors import KyraError
from kyra.settings import Settings

#: Seconds a started sign-in may take before its state expires.
STATE_TTL_S = 600
#: Clock difference tolerated on ID token times.
LEEWAY_S = 60


class OidcError(KyraError):
    """The sign-in cannot complete (safe to show: it names no secret)."""


@dataclass(frozen=True)
class Pending:
    """What the callback needs from the start of a sign-in (kept server-side by state)."""

    nonce: str
    verifier: str
    redirect_uri: str


@dataclass(frozen=True)
class Identity:
    subject: str
    email: str | None
    name: str


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def enabled(settings: Settings) -> bool:
    return bool(settings.oidc_issuer and settings.oidc_client_id)


async def discover(http: httpx.AsyncClient, settings: Settings) -> dict[str, Any]:
    """The provider's OpenID configuration (``/.well-known/openid-configuration``)."""
    url = settings.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration"
    try:
        response = await http.get(url, timeout=10.0)
        response.raise_for_status()
        config: dict[str, Any] = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise OidcError(f"the sign-in provider's configuration is unavailable ({exc!r})") from None
    if config.get("issuer", "").rstrip("/") != settings.oidc_issuer.rstrip("/"):
        raise OidcError("the sign-in provider names another issuer")
    return config


def start(
    config: dict[str, Any], settings: Settings, redirect_uri: str
) -> tuple[str, str, Pending]:
    """The provider URL to send the browser to, the state, and what to keep for the callback."""
    state, nonce, verifier = (secrets.token_urlsafe(32) for _ in range(3))
    challenge = _b64url(hashlib.sha256(verifier.encode()).digest())
    query = {
        "response_type": "code", "client_id": settings.oidc_client_id,
        "redirect_uri": redirect_uri, "scope": settings.oidc_scopes, "state": state,
        "nonce": nonce, "code_challenge": challenge, "code_challenge_method": "S256",
    }  # fmt: skip
    url = f"{config['authorization_endpoint']}?{urlencode(query)}"
    return url, state, Pending(nonce, verifier, redirect_uri)


async def finish(
    http: httpx.AsyncClient, config: dict[str, Any], settings: Settings, pending: Pending, code: str
) -> Identity:
    """Exchange the code and check the ID token.

    Raises:
        OidcError: the provider refused the code, or the ID token does not check out.
    """
    form = {
        "grant_type": "authorization_code", "code": code,
        "redirect_uri": pending.redirect_uri, "code_verifier": pending.verifier,
        "client_id": settings.oidc_client_id, "client_secret": settings.oidc_client_secret,
    }  # fmt: skip
    try:
        response = await http.post(config["token_endpoint"], data=form, timeout=15.0)
        answer = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise OidcError(f"the sign-in provider did not answer ({type(exc).__name__})") from None
    if response.status_code != 200 or "id_token" not in answer:
        raise OidcError(
            f"the sign-in provider refused the code: {answer.get('error', response.status_code)}"
        )
    claims = await _verified_claims(http, config, answer["id_token"])
    _check_claims(claims, settings, pending.nonce)
    email = claims.get("email") if claims.get("email_verified", False) else None
    name = str(claims.get("name") or claims.get("preferred_username") or email or claims["sub"])
    issuer = str(claims["iss"]).rstrip("/")
    return Identity(f"{issuer}|{claims['sub']}", email.lower() if email else None, name[:200])


async def _verified_claims(
    http: httpx.AsyncClient, config: dict[str, Any], token: str
) -> dict[str, Any]:
    try:
        header_b64, payload_b64, signature_b64 = token.split(".")
        header = json.loads(_unb64url(header_b64))
        claims: dict[str, Any] = json.loads(_unb64url(payload_b64))
    except ValueError:
        raise OidcError("the ID token is malformed") from None
    if header.get("alg") != "RS256":
        raise OidcError(
            f"ID tokens signed with {header.get('alg')!r} are not accepted (RS256 only)"
        )
    try:
        keys = (await http.get(config["jwks_uri"], timeout=10.0)).json().get("keys", [])
    except (httpx.HTTPError, ValueError) as exc:
        raise OidcError(
            f"the provider's signing keys are unavailable ({type(exc).__name__})"
        ) from None
    key = next(
        (k for k in keys if k.get("kid") == header.get("kid") and k.get("kty") == "RSA"), None
    )
    if key is None:
        raise OidcError("the ID token is signed with an unknown key")
    public = rsa.RSAPublicNumbers(
        int.from_bytes(_unb64url(key["e"]), "big"), int.from_bytes(_unb64url(key["n"]), "big")
    ).public_key()
    try:
        public.verify(
            _unb64url(signature_b64), f"{header_b64}.{payload_b64}".encode(),
            padding.PKCS1v15(), hashes.SHA256(),
        )  # fmt: skip
    except InvalidSignature:
        raise OidcError("the ID token's signature does not match") from None
    return claims


def _check_claims(claims: dict[str, Any], settings: Settings, nonce: str) -> None:
    now = time.time()
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    problems = {
        "issuer": str(claims.get("iss", "")).rstrip("/") != settings.oidc_issuer.rstrip("/"),
        "audience": settings.oidc_client_id not in audiences,
        "expiry": float(claims.get("exp", 0)) < now - LEEWAY_S,
        "nonce": not secrets.compare_digest(str(claims.get("nonce", "")), nonce),
        "subject": not claims.get("sub"),
    }
    wrong = [name for name, bad in problems.items() if bad]
    if wrong:
        raise OidcError(f"the ID token is not valid for this sign-in: {', '.join(wrong)}")
