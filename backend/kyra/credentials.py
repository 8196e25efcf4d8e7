"""Credential kinds: a service's credential fields, which are secret, how they go into requests,
how to test them and where the service lives (n8n's credential types, declared as data).

A kind is declared once, next to the handlers that use it: any module-level
:class:`CredentialKind` in a ``kyra.nodes`` package is discovered like a node spec, and specs
refer to it by name with ``CredentialRef("slack")``. Handlers read credentials only through
their context: ``await ctx.credential(kind)`` gives the decrypted fields and
``await ctx.service(kind)`` a :class:`ServiceClient` that sends requests to the kind's base URL
(or the credential's override, for self-hosted and test servers) with the secret injected and
OAuth2 tokens kept fresh. Storage, encryption and refresh belong to the application.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx
from aws_request_signer import AwsRequestSigner

from kyra.errors import CredentialError, CredentialInvalidError

__all__ = [
    "AwsSigV4",
    "Basic",
    "Bearer",
    "ByChoice",
    "ConnectionTest",
    "CredentialField",
    "CredentialKind",
    "Header",
    "Injection",
    "NoAuth",
    "OAuth2",
    "PathPrefix",
    "Query",
    "Refresh",
    "ServiceClient",
]

_KIND_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_FIELD_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
#: Longest value of one field (keys, tokens and PEM blocks fit comfortably).
MAX_VALUE_CHARS = 20_000

FieldType = Literal["text", "url", "choice"]


@dataclass(frozen=True)
class CredentialField:
    """One field of a credential form.

    Args:
        name: key in the stored data (snake_case).
        label: shown on the form; defaults to the name.
        secret: write-only: encrypted, never returned, masked in outputs and logs.
        required: must be given (only while ``when`` holds, if set).
        type: ``text``, ``url`` (absolute http(s)) or ``choice`` (one of ``choices``).
        when: ``(other_field, values)``: the field applies only when the other field has one
            of these values (e.g. a token only for ``type`` = ``bearer``).
    """

    name: str
    label: str = ""
    secret: bool = False
    required: bool = True
    type: FieldType = "text"
    choices: tuple[str, ...] = ()
    default: str | None = None
    description: str = ""
    placeholder: str = ""
    when: tuple[str, tuple[str, ...]] | None = None

    def applies(self, data: Mapping[str, Any]) -> bool:
        if self.when is None:
            return True
        other, values = self.when
        return str(data.get(other, "")) in values

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": self.label or self.name.replace("_", " ").capitalize(),
            "secret": self.secret,
            "required": self.required,
            "type": self.type,
            "choices": list(self.choices),
            "default": self.default,
            "description": self.description,
            "placeholder": self.placeholder,
            "when": {"field": self.when[0], "values": list(self.when[1])} if self.when else None,
        }


def _value(fields: Mapping[str, Any], name: str) -> str:
    value = fields.get(name)
    return "" if value is None else str(value)


class Injection:
    """How a credential's fields go into a request. The base injects nothing; subclasses
    override :meth:`apply` (headers, query) and/or :meth:`path_prefix` (token in the path)."""

    def apply(self, request: httpx.Request, fields: Mapping[str, Any]) -> None:
        """Add the secret to ``request`` (headers or query string)."""

    def path_prefix(self, fields: Mapping[str, Any]) -> str:
        """Path inserted between the base URL and the request path."""
        return ""

    def field_names(self) -> set[str]:
        """Fields this injection reads (checked against the kind's fields at declaration)."""
        return set()


@dataclass(frozen=True)
class NoAuth(Injection):
    """Nothing is injected (the handler uses the fields itself, e.g. a signing secret)."""


@dataclass(frozen=True)
class Bearer(Injection):
    """``Authorization: Bearer <field>``."""

    field: str = "access_token"

    def apply(self, request: httpx.Request, fields: Mapping[str, Any]) -> None:
        if token := _value(fields, self.field):
            request.headers["Authorization"] = f"Bearer {token}"

    def field_names(self) -> set[str]:
        return {self.field}


@dataclass(frozen=True)
class Header(Injection):
    """A header named ``name`` (or by the field ``name_field``) with ``prefix`` + the field."""

    field: str
    name: str = ""
    name_field: str = ""
    prefix: str = ""

    def apply(self, request: httpx.Request, fields: Mapping[str, Any]) -> None:
        header = self.name or _value(fields, self.name_field)
        if header and (value := _value(fields, self.field)):
            request.headers[header] = f"{self.prefix}{value}"

    def field_names(self) -> set[str]:
        return {self.field} | ({self.name_field} if self.name_field else set())


@dataclass(frozen=True)
class Query(Injection):
    """A query-string parameter ``name`` with the field's value."""

    name: str
    field: str

    def apply(self, request: httpx.Request, fields: Mapping[str, Any]) -> None:
        if value := _value(fields, self.field):
            request.url = request.url.copy_merge_params({self.name: value})

    def field_names(self) -> set[str]:
        return {self.field}


@dataclass(frozen=True)
class Basic(Injection):
    """HTTP Basic authentication from two fields."""

    username: str = "username"
    password: str = "password"

    def apply(self, request: httpx.Request, fields: Mapping[str, Any]) -> None:
        if self.username not in fields:
            return
        pair = f"{_value(fields, self.username)}:{_value(fields, self.password)}".encode()
        request.headers["Authorization"] = f"Basic {base64.b64encode(pair).decode()}"

    def field_names(self) -> set[str]:
        return {self.username, self.password}


@dataclass(frozen=True)
class PathPrefix(Injection):
    """The secret in the URL path, e.g. Telegram's ``/bot{token}``; keep such URLs out of
    messages (errors from :mod:`kyra_nodes._service` name the method, never the URL)."""

    template: str

    def path_prefix(self, fields: Mapping[str, Any]) -> str:
        return self.template.format_map({k: _value(fields, k) for k in self.field_names()})

    def field_names(self) -> set[str]:
        return set(re.findall(r"{(\w+)}", self.template))


@dataclass(frozen=True)
class ByChoice(Injection):
    """One of several injections, chosen by a field (e.g. ``type``: bearer, basic, header)."""

    field: str
    options: Mapping[str, Injection]

    def _chosen(self, fields: Mapping[str, Any]) -> Injection:
        return self.options.get(_value(fields, self.field), NoAuth())

    def apply(self, request: httpx.Request, fields: Mapping[str, Any]) -> None:
        self._chosen(fields).apply(request, fields)

    def path_prefix(self, fields: Mapping[str, Any]) -> str:
        return self._chosen(fields).path_prefix(fields)

    def field_names(self) -> set[str]:
        return {self.field}.union(*(i.field_names() for i in self.options.values()))


@dataclass(frozen=True)
class AwsSigV4(Injection):
    """AWS Signature Version 4 (S3 and S3-compatible stores such as MinIO): the request is
    signed with the credential's access key pair for ``service`` in its region.

    The payload hash is the request's ``x-amz-content-sha256`` header when the handler set it
    (a streamed body, hashed beforehand), else the SHA-256 of the body.
    """

    service: str = "s3"
    access_key: str = "access_key_id"
    secret_key: str = "secret_access_key"
    region: str = "region"

    def apply(self, request: httpx.Request, fields: Mapping[str, Any]) -> None:
        key_id = _value(fields, self.access_key)
        if not key_id:
            return
        payload = (
            request.headers.get("x-amz-content-sha256")
            or hashlib.sha256(request.content).hexdigest()
        )
        signer = AwsRequestSigner(
            _value(fields, self.region) or "us-east-1",
            key_id,
            _value(fields, self.secret_key),
            self.service,
        )
        amz = {
            name: value
            for name, value in request.headers.items()
            if name.lower().startswith("x-amz-")
            and name.lower() not in ("x-amz-content-sha256", "x-amz-date")
        }
        request.headers.update(
            signer.sign_with_headers(request.method, str(request.url), amz, payload)
        )

    def field_names(self) -> set[str]:
        return {self.access_key, self.secret_key, self.region}


@dataclass(frozen=True)
class OAuth2:
    """The kind is connected with the OAuth2 authorization-code flow (with PKCE).

    Args:
        provider: operator-configured client (``google``, ``microsoft``, ``slack``).
        scopes: scopes asked for.
        authorize_params: extra query parameters of the authorization URL.
    """

    provider: str
    scopes: tuple[str, ...] = ()
    authorize_params: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ConnectionTest:
    """The request ``POST /api/credentials/{id}/test`` sends (path relative to the base URL).

    Args:
        refused: reads the JSON of a 2xx answer; an error message when it still means
            "refused" (Slack answers 200 with ``ok: false``), else None.
        account: who the credential acts as, from the JSON of a passing answer.
    """

    method: str = "GET"
    path: str = ""
    json: Any = None
    refused: Callable[[Any], str | None] | None = None
    account: Callable[[Any], str | None] | None = None


@dataclass(frozen=True)
class CredentialKind:
    """A credential kind: fields, injection, base URL, test request, optional OAuth2.

    Args:
        name: the kind's name, used by ``CredentialRef`` and stored on credentials.
        title: shown on the Credentials page.
        fields: the form's fields. OAuth2 kinds also store the token fields
            (``access_token``, ``refresh_token``, ``expires_at``, ``scope``, ``token_type``);
            ``access_token`` may be pasted instead of connecting.
        injection: how the fields go into requests (Bearer for OAuth2 kinds).
        base_url: the service's API root; a credential overrides it with ``base_url_field``.
        base_url_field: the optional non-secret field holding the override (added if absent).
        test: the connection test, or None when the kind cannot be tested on its own.
    """

    name: str
    title: str
    description: str = ""
    fields: tuple[CredentialField, ...] = ()
    injection: Injection = field(default_factory=NoAuth)
    base_url: str = ""
    base_url_field: str = "base_url"
    test: ConnectionTest | None = None
    oauth2: OAuth2 | None = None
    docs_url: str = ""

    def __post_init__(self) -> None:
        if not _KIND_PATTERN.match(self.name):
            raise ValueError(f"Credential kind {self.name!r} must match {_KIND_PATTERN.pattern}.")
        declared = list(self.fields)
        names = {f.name for f in declared}
        if self.oauth2 is not None:
            declared += [f for f in _oauth2_fields() if f.name not in names]
            if type(self.injection) is NoAuth:
                object.__setattr__(self, "injection", Bearer("access_token"))
        if self.base_url and self.base_url_field not in names:
            declared.append(_base_url_field(self.base_url_field, self.base_url))
        object.__setattr__(self, "fields", tuple(declared))
        names = {f.name for f in declared}
        for f in declared:
            if not _FIELD_PATTERN.match(f.name):
                raise ValueError(f"{self.name}: field name {f.name!r} is not snake_case.")
            if f.type == "choice" and not f.choices:
                raise ValueError(f"{self.name}: choice field {f.name!r} has no choices.")
            if f.when is not None and f.when[0] not in names:
                raise ValueError(f"{self.name}: {f.name!r} depends on unknown field {f.when[0]!r}.")
        if len(names) != len(declared):
            raise ValueError(f"{self.name}: field names repeat.")
        unknown = self.injection.field_names() - names
        if unknown:
            raise ValueError(f"{self.name}: the injection reads unknown fields {sorted(unknown)}.")

    @property
    def secret_names(self) -> frozenset[str]:
        return frozenset(f.name for f in self.fields if f.secret)

    def validate(self, data: Mapping[str, Any]) -> dict[str, str]:
        """The data to store: known fields only, strings, required ones present.

        Raises:
            CredentialInvalidError: naming every problem's field (``data.<field>``).
        """
        known = {f.name: f for f in self.fields}
        problems = [
            {"field": f"data.{name}", "message": f"unknown field for a {self.name} credential"}
            for name in data
            if name not in known
        ]
        clean: dict[str, str] = {}
        for name, value in data.items():
            if value is None or name not in known:
                continue
            if not isinstance(value, str | int | float) or isinstance(value, bool):
                problems.append({"field": f"data.{name}", "message": "must be a string"})
            elif len(str(value)) > MAX_VALUE_CHARS:
                problems.append(
                    {
                        "field": f"data.{name}",
                        "message": f"longer than {MAX_VALUE_CHARS} characters",
                    }
                )
            elif str(value) != "":
                clean[name] = str(value)
        for f in self.fields:
            problem = _field_problem(f, clean)
            if problem:
                problems.append({"field": f"data.{f.name}", "message": problem})
        if problems:
            raise CredentialInvalidError(problems)
        return clean

    def public_fields(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """The non-secret fields of stored ``data`` (safe to return)."""
        return {
            f.name: data[f.name]
            for f in self.fields
            if not f.secret and data.get(f.name) not in (None, "")
        }

    def secret_values(self, data: Mapping[str, Any]) -> list[str]:
        """The secret values in ``data``, to mask wherever they could surface."""
        return [str(data[n]) for n in self.secret_names if data.get(n)]

    def service_url(self, data: Mapping[str, Any]) -> str:
        """The base URL requests go to: the credential's override, else the kind's."""
        override = str(data.get(self.base_url_field) or "")
        return (override or self.base_url).rstrip("/")

    def as_dict(self) -> dict[str, Any]:
        """The kind as ``GET /api/credentials/kinds`` serves it (the form's description)."""
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "docs_url": self.docs_url,
            "base_url": self.base_url,
            "fields": [f.as_dict() for f in self.fields if f.name not in _INTERNAL_FIELDS],
            "testable": self.test is not None,
            "oauth2": (
                {"provider": self.oauth2.provider, "scopes": list(self.oauth2.scopes)}
                if self.oauth2
                else None
            ),
        }


#: OAuth2 fields the connect flow writes that no form shows.
_INTERNAL_FIELDS = frozenset({"expires_at", "scope", "token_type"})


def _oauth2_fields() -> list[CredentialField]:
    hint = "Filled by Connect; paste a token only to use one obtained elsewhere"
    return [
        CredentialField("access_token", secret=True, required=False, description=hint),
        CredentialField("refresh_token", secret=True, required=False, description=hint),
        CredentialField("expires_at", required=False),
        CredentialField("scope", required=False),
        CredentialField("token_type", required=False),
    ]


def _base_url_field(name: str, default: str) -> CredentialField:
    return CredentialField(
        name,
        label="Service URL",
        required=False,
        type="url",
        placeholder=default,
        description="Leave empty for the service itself; set it for a self-hosted or test server",
    )


def _field_problem(f: CredentialField, clean: Mapping[str, str]) -> str | None:
    value = clean.get(f.name)
    if value is None:
        return "required" if f.required and f.applies(clean) else None
    if f.type == "url" and not re.match(r"^https?://[^\s/]+", value):
        return "must be an absolute http(s) URL"
    if f.type == "choice" and value not in f.choices:
        return f"must be one of {', '.join(f.choices)}"
    return None


#: Refreshes the credential after the service refused ``stale`` fields; returns fresh fields.
Refresh = Callable[[Mapping[str, Any]], Awaitable[Mapping[str, Any]]]


class ServiceClient:
    """Requests to one service with a credential injected (``await ctx.service(kind)``).

    Paths are relative to the service URL (``/gmail/v1/users/me/messages``). Redirects are not
    followed, so the secret never travels to another origin. With OAuth2, a 401 answer makes
    the client refresh the token once and send the request again.
    """

    def __init__(
        self,
        kind: CredentialKind,
        fields: Mapping[str, Any],
        http: httpx.AsyncClient,
        *,
        refresh: Refresh | None = None,
    ) -> None:
        self.kind = kind
        self._fields = dict(fields)
        self._http = http
        self._refresh = refresh

    @property
    def base_url(self) -> str:
        return self.kind.service_url(self._fields)

    def secret_values(self) -> list[str]:
        """The secret values this client sends (to mask them in messages)."""
        return self.kind.secret_values(self._fields)

    def url(self, path: str) -> str:
        """The absolute URL of ``path`` on this service; an absolute URL (a next-page link the
        service gave) must lie under the service URL, so the secret stays with the service."""
        base = self.base_url
        if not base:
            raise CredentialError(f"the {self.kind.name} credential has no service URL")
        if path.startswith(("http://", "https://")):
            if path != base and not path.startswith(f"{base}/"):
                raise CredentialError(
                    f"refused to send the {self.kind.name} credential outside its service URL"
                )
            return path
        prefix = self.kind.injection.path_prefix(self._fields)
        return f"{base}{prefix}/{path.lstrip('/')}"

    async def request(
        self, method: str, path: str, *, timeout: float = 30.0, **kwargs: Any
    ) -> httpx.Response:
        """Send one request (``params``, ``json``, ``content``, ``data``, ``files``,
        ``headers`` as in httpx) and return the response, whatever its status."""
        response = await self._send(method, path, timeout, kwargs)
        if response.status_code == 401 and self._can_refresh():
            assert self._refresh is not None
            await response.aclose()
            self._fields = dict(await self._refresh(self._fields))
            response = await self._send(method, path, timeout, kwargs)
        return response

    @asynccontextmanager
    async def stream(
        self, method: str, path: str, *, timeout: float = 60.0, **kwargs: Any
    ) -> AsyncIterator[httpx.Response]:
        """Like :meth:`request`, with the body left unread: iterate ``aiter_bytes()`` (a
        download) inside the ``async with``; the response is closed after it."""
        response = await self._send(method, path, timeout, kwargs, stream=True)
        if response.status_code == 401 and self._can_refresh():
            assert self._refresh is not None
            await response.aclose()
            self._fields = dict(await self._refresh(self._fields))
            response = await self._send(method, path, timeout, kwargs, stream=True)
        try:
            yield response
        finally:
            await response.aclose()

    def _can_refresh(self) -> bool:
        return self._refresh is not None and bool(self._fields.get("refresh_token"))

    async def _send(
        self,
        method: str,
        path: str,
        timeout: float,
        kwargs: dict[str, Any],
        *,
        stream: bool = False,
    ) -> httpx.Response:
        request = self._http.build_request(method, self.url(path), timeout=timeout, **kwargs)
        self.kind.injection.apply(request, self._fields)
        return await self._http.send(request, follow_redirects=False, stream=stream)
