"""A local OAuth 2.0 authorization server with PKCE, in the dialects of Google, Microsoft and
Slack, as their documentation describes them:

- authorization endpoint (GET): ``response_type=code``, ``client_id``, ``redirect_uri``,
  ``scope``, ``state``, ``code_challenge`` + ``code_challenge_method=S256``; answers a consent
  page whose "Allow" link goes back to ``redirect_uri?code=…&state=…`` ("Deny":
  ``error=access_denied``);
- token endpoint (POST, form-encoded): ``grant_type=authorization_code`` with ``code``,
  ``redirect_uri`` and ``code_verifier`` (``BASE64URL(SHA256(verifier)) == challenge``), or
  ``grant_type=refresh_token``; the client authenticates with ``client_id``/``client_secret`` in
  the form (Google, Microsoft) or HTTP Basic (Slack);
- answers ``{access_token, expires_in, refresh_token, scope, token_type}``; refusals are
  ``400 {"error": "invalid_grant", "error_description"}`` (Slack: ``200 {"ok": false,
  "error": "invalid_refresh_token"}``).

Service fakes ask :meth:`FakeOAuth.valid` whether a bearer token is a live access token.
"""

from __future__ import annotations

import base64
import hashlib
import html
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from tests.fakes.server import FakeServer, Recorded, Reply, Response

CLIENT_ID = "kyra-test-client"
CLIENT_SECRET = "kyra-test-client-secret"
_PATHS = {
    "google": ("/o/oauth2/v2/auth", "/token"),
    "microsoft": ("/common/oauth2/v2.0/authorize", "/common/oauth2/v2.0/token"),
    "slack": ("/oauth/v2/authorize", "/api/oauth.v2.access"),
}


@dataclass
class Grant:
    scope: str
    refresh_token: str
    access_tokens: dict[str, float] = field(default_factory=dict)
    revoked: bool = False


class FakeOAuth(FakeServer):
    """An authorization server for one client; ``dialect`` is google, microsoft or slack."""

    def __init__(self, dialect: str = "google", *, expires_in: int = 3600) -> None:
        super().__init__()
        self.dialect = dialect
        self.expires_in = expires_in
        self._codes: dict[str, dict[str, str]] = {}
        self._grants: dict[str, Grant] = {}
        self._guard = threading.Lock()

    @property
    def authorize_url(self) -> str:
        return f"{self.url}{_PATHS[self.dialect][0]}"

    @property
    def token_url(self) -> str:
        return f"{self.url}{_PATHS[self.dialect][1]}"

    def token_requests(self, grant_type: str | None = None) -> list[Recorded]:
        return [
            r for r in self.requests
            if r.path == _PATHS[self.dialect][1]
            and (grant_type is None or (r.body or {}).get("grant_type") == grant_type)
        ]  # fmt: skip

    # --- helpers for tests -------------------------------------------------------------------

    def issue(self, scope: str = "") -> dict[str, Any]:
        """Tokens as a finished authorization would give them (without the browser)."""
        with self._guard:
            return self._new_grant(scope)

    def valid(self, access_token: str) -> bool:
        with self._guard:
            for grant in self._grants.values():
                expires = grant.access_tokens.get(access_token)
                if expires is not None and not grant.revoked:
                    return expires > time.time()
        return False

    def expire_access_tokens(self) -> None:
        """Every access token stops working (as if its hour had passed); refresh tokens stay."""
        with self._guard:
            for grant in self._grants.values():
                grant.access_tokens = dict.fromkeys(grant.access_tokens, 0.0)

    def revoke(self, refresh_token: str) -> None:
        """The user removed the app's access: refresh and access tokens stop working."""
        with self._guard:
            self._grants[refresh_token].revoked = True

    def revoke_all(self) -> None:
        """Every grant issued so far is revoked (later ones work)."""
        with self._guard:
            for grant in self._grants.values():
                grant.revoked = True

    # --- the endpoints -----------------------------------------------------------------------

    def respond(self, recorded: Recorded, reply: Reply) -> Response:
        authorize, token = _PATHS[self.dialect]
        if recorded.method == "GET" and recorded.path == authorize:
            return self._authorize(recorded.query)
        if recorded.method == "POST" and recorded.path == token:
            with self._guard:
                return self._token(recorded)
        return Response(404, {"error": "not_found"})

    def _authorize(self, query: dict[str, str]) -> Response:
        redirect = query.get("redirect_uri", "")
        problems = [
            name for name, ok in (
                ("response_type", query.get("response_type") == "code"),
                ("client_id", query.get("client_id") == CLIENT_ID),
                ("redirect_uri", redirect.startswith(("http://", "https://"))),
                ("code_challenge", len(query.get("code_challenge", "")) >= 43),
                ("code_challenge_method", query.get("code_challenge_method") == "S256"),
            ) if not ok
        ]  # fmt: skip
        if problems:
            page = f"<h1>Error 400: invalid_request</h1><p>{', '.join(problems)}</p>"
            return _page(400, page)
        code = secrets.token_urlsafe(24)
        with self._guard:
            self._codes[code] = {
                "challenge": query["code_challenge"],
                "redirect_uri": redirect,
                "scope": query.get("scope", ""),
            }
        state = query.get("state", "")
        allow = f"{redirect}?{urlencode({'code': code, 'state': state})}"
        deny = f"{redirect}?{urlencode({'error': 'access_denied', 'state': state})}"
        page = (
            f"<h1>Kyra Flow wants to access your account</h1>"
            f"<p>Scopes: {html.escape(query.get('scope', ''))}</p>"
            f'<a href="{html.escape(allow)}">Allow</a> <a href="{html.escape(deny)}">Deny</a>'
        )
        return _page(200, page)

    def _token(self, recorded: Recorded) -> Response:
        form = recorded.body if isinstance(recorded.body, dict) else {}
        if not self._client_authenticated(recorded, form):
            return self._refuse("invalid_client", "The OAuth client was not found.", 401)
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            pending = self._codes.pop(form.get("code", ""), None)
            if pending is None:
                return self._refuse("invalid_grant", "Malformed auth code.")
            if form.get("redirect_uri") != pending["redirect_uri"]:
                return self._refuse("redirect_uri_mismatch", "Bad Request")
            if _challenge(form.get("code_verifier", "")) != pending["challenge"]:
                return self._refuse("invalid_grant", "Invalid code verifier.")
            return self._answer(self._new_grant(pending["scope"]))
        if grant_type == "refresh_token":
            grant = self._grants.get(form.get("refresh_token", ""))
            if grant is None or grant.revoked:
                return self._refuse("invalid_grant", "Token has been expired or revoked.")
            access = secrets.token_urlsafe(24)
            grant.access_tokens[access] = time.time() + self.expires_in
            answer = {"access_token": access, "expires_in": self.expires_in, "scope": grant.scope}
            return self._answer(answer | {"token_type": "Bearer"})
        return self._refuse("unsupported_grant_type", f"Invalid grant_type: {grant_type}")

    def _client_authenticated(self, recorded: Recorded, form: dict[str, str]) -> bool:
        if self.dialect == "slack":
            expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
            return recorded.headers.get("authorization") == f"Basic {expected}"
        return form.get("client_id") == CLIENT_ID and form.get("client_secret") == CLIENT_SECRET

    def _new_grant(self, scope: str) -> dict[str, Any]:
        refresh = secrets.token_urlsafe(24)
        access = secrets.token_urlsafe(24)
        self._grants[refresh] = Grant(scope, refresh, {access: time.time() + self.expires_in})
        return {
            "access_token": access,
            "expires_in": self.expires_in,
            "refresh_token": refresh,
            "scope": scope,
            "token_type": "Bearer",
        }

    def _answer(self, tokens: dict[str, Any]) -> Response:
        if self.dialect == "slack":
            team = {"id": "T0001", "name": "Kyra Test"}
            return Response(200, {"ok": True, **tokens, "token_type": "bot", "team": team})
        return Response(200, tokens, headers={"cache-control": "no-store"})

    def _refuse(self, error: str, description: str, status: int = 400) -> Response:
        if self.dialect == "slack":
            slack_error = {"invalid_grant": "invalid_refresh_token"}.get(error, error)
            return Response(200, {"ok": False, "error": slack_error})
        return Response(status, {"error": error, "error_description": description})


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _page(status: int, body: str) -> Response:
    document = f"<!doctype html><html><body>{body}</body></html>".encode()
    return Response(status, content=document, headers={"content-type": "text/html; charset=utf-8"})
