"""A local fake OpenID Connect provider: discovery, an authorization endpoint that signs in a
chosen person at once (redirecting back with a code, as after the login form), a token endpoint
that checks the client, the redirect URI and the PKCE verifier (RFC 7636, S256) and returns an
RS256-signed ID token, and the JWKS (OpenID Connect Core 1.0, Discovery 1.0)."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from typing import Any
from urllib.parse import urlencode

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from tests.fakes.server import FakeServer, Recorded, Reply, Response

CLIENT_ID = "kyra-web"
CLIENT_SECRET = "oidc-client-secret-123"
KEY_ID = "fake-key-1"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class FakeOidc(FakeServer):
    """Signs in ``self.person`` (claims) whenever the browser reaches the authorize endpoint."""

    def __init__(self) -> None:
        super().__init__()
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.person: dict[str, Any] = {"sub": "u-1", "email": "ada@example.org",
                                       "email_verified": True, "name": "Ada"}  # fmt: skip
        self._codes: dict[str, dict[str, Any]] = {}

    @property
    def issuer(self) -> str:
        return self.url

    def respond(self, recorded: Recorded, reply: Reply) -> Response:
        if recorded.path == "/.well-known/openid-configuration":
            return Response(200, {
                "issuer": self.issuer, "authorization_endpoint": f"{self.url}/authorize",
                "token_endpoint": f"{self.url}/token", "jwks_uri": f"{self.url}/jwks",
                "response_types_supported": ["code"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
            })  # fmt: skip
        if recorded.path == "/jwks":
            numbers = self._key.public_key().public_numbers()
            key = {"kty": "RSA", "kid": KEY_ID, "alg": "RS256", "use": "sig",
                   "n": _b64(numbers.n.to_bytes(256, "big")),
                   "e": _b64(numbers.e.to_bytes(3, "big"))}  # fmt: skip
            return Response(200, {"keys": [key]})
        if recorded.path == "/authorize":
            return self._authorize(recorded.query)
        if recorded.path == "/token":
            return self._token(recorded.body or {})
        return Response(404, {"error": "not_found"})

    def _authorize(self, query: dict[str, str]) -> Response:
        if query.get("client_id") != CLIENT_ID or query.get("response_type") != "code":
            return Response(400, {"error": "invalid_request"})
        if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            return Response(400, {"error": "invalid_request", "error_description": "PKCE required"})
        code = secrets.token_urlsafe(16)
        self._codes[code] = dict(query)
        target = f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"
        return Response(302, headers={"location": target}, content=b"")

    def _token(self, form: dict[str, str]) -> Response:
        issued = self._codes.pop(form.get("code", ""), None)
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return Response(401, {"error": "invalid_client"})
        if issued is None or form.get("redirect_uri") != issued["redirect_uri"]:
            return Response(400, {"error": "invalid_grant"})
        verifier = form.get("code_verifier", "")
        if _b64(hashlib.sha256(verifier.encode()).digest()) != issued["code_challenge"]:
            return Response(
                400, {"error": "invalid_grant", "error_description": "PKCE verification failed"}
            )
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": CLIENT_ID, "iat": now, "exp": now + 300,
                  "nonce": issued["nonce"], **self.person}  # fmt: skip
        return Response(
            200, {"access_token": "at", "token_type": "Bearer", "id_token": self._sign(claims)}
        )

    def _sign(self, claims: dict[str, Any]) -> str:
        header = _b64(json.dumps({"alg": "RS256", "kid": KEY_ID, "typ": "JWT"}).encode())
        payload = _b64(json.dumps(claims).encode())
        signature = self._key.sign(
            f"{header}.{payload}".encode(), padding.PKCS1v15(), hashes.SHA256()
        )
        return f"{header}.{payload}.{_b64(signature)}"
