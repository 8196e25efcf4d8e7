"""Credential kinds as data: declaration checks, validation naming fields, injections, the
service client (base URL, override, one refresh on 401) and masking of secret values."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

import httpx
import pytest

from kyra import masking
from kyra.credentials import (
    Basic,
    Bearer,
    ByChoice,
    CredentialField,
    CredentialKind,
    Header,
    OAuth2,
    PathPrefix,
    Query,
    ServiceClient,
)
from kyra.errors import CredentialInvalidError
from kyra.registry import discover
from kyra_nodes.http.credentials import HTTP_AUTH

SERVICE = CredentialKind(
    name="example",
    title="Example",
    fields=(CredentialField("api_key", secret=True), CredentialField("team", required=False)),
    injection=Header("api_key", name="X-Api-Key"),
    base_url="https://api.example.com/v2",
)


def problems(kind: CredentialKind, data: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(CredentialInvalidError) as caught:
        kind.validate(data)
    return {p["field"]: p["message"] for p in caught.value.problems}


def test_validation_names_every_field_that_is_wrong() -> None:
    found = problems(SERVICE, {"team": ["x"], "colour": "red"})

    assert found == {
        "data.colour": "unknown field for a example credential",
        "data.team": "must be a string",
        "data.api_key": "required",
    }


def test_validation_keeps_known_fields_as_strings_and_drops_empty_ones() -> None:
    assert SERVICE.validate({"api_key": "k-123", "team": "", "base_url": None}) == {
        "api_key": "k-123"
    }


def test_conditional_fields_are_required_only_when_they_apply() -> None:
    assert problems(HTTP_AUTH, {"type": "bearer"}) == {"data.token": "required"}
    assert HTTP_AUTH.validate({"type": "basic", "username": "ada"}) == {
        "type": "basic",
        "username": "ada",
    }
    assert problems(HTTP_AUTH, {"type": "digest"}) == {
        "data.type": "must be one of bearer, basic, header"
    }


def test_a_kind_with_a_base_url_gets_an_optional_url_override_field() -> None:
    override = next(f for f in SERVICE.fields if f.name == "base_url")

    assert (override.required, override.secret, override.type) == (False, False, "url")
    assert problems(SERVICE, {"api_key": "k", "base_url": "ftp://x"}) == {
        "data.base_url": "must be an absolute http(s) URL"
    }
    assert SERVICE.service_url({}) == "https://api.example.com/v2"
    assert SERVICE.service_url({"base_url": "http://127.0.0.1:9/"}) == "http://127.0.0.1:9"


def test_oauth2_kinds_store_tokens_and_inject_a_bearer_token() -> None:
    kind = CredentialKind("svc", "Svc", oauth2=OAuth2("google", ("scope.a",)))

    assert {"access_token", "refresh_token"} <= kind.secret_names
    assert kind.injection == Bearer("access_token")
    served = kind.as_dict()
    assert served["oauth2"] == {"provider": "google", "scopes": ["scope.a"]}
    assert "expires_at" not in [f["name"] for f in served["fields"]]


@pytest.mark.parametrize(
    ("declaration", "message"),
    [
        ({"name": "Bad-Name"}, "must match"),
        ({"fields": (CredentialField("a"), CredentialField("a"))}, "repeat"),
        ({"fields": (CredentialField("kind", type="choice"),)}, "no choices"),
        ({"injection": Bearer("token")}, "unknown fields ['token']"),
        ({"fields": (CredentialField("a", when=("b", ("x",))),)}, "unknown field 'b'"),
    ],
)
def test_bad_declarations_fail_at_import_time(declaration: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("[", r"\[")):
        CredentialKind(**{"name": "ok", "title": "Ok", **declaration})


def test_the_built_in_kinds_are_discovered_with_the_nodes_that_read_them() -> None:
    registry = discover()
    kinds = {k.name for k in registry.credential_kinds()}

    assert {"http_auth", "telegram_bot", "search_api"} <= kinds
    for spec in registry:
        assert all(ref.kind in kinds for ref in spec.credentials)


def _request(injection: Any, fields: Mapping[str, Any]) -> httpx.Request:
    request = httpx.Request("GET", "https://svc.example/items?page=2")
    injection.apply(request, fields)
    return request


def test_injections_put_the_secret_where_the_service_expects_it() -> None:
    fields = {"token": "t0k", "user": "ada", "pass": "pw", "kind": "q", "h": "X-Key"}

    assert _request(Bearer("token"), fields).headers["authorization"] == "Bearer t0k"
    assert _request(Basic("user", "pass"), fields).headers["authorization"] == "Basic YWRhOnB3"
    assert _request(Header("token", name_field="h"), fields).headers["x-key"] == "t0k"
    assert dict(_request(Query("key", "token"), fields).url.params) == {"page": "2", "key": "t0k"}
    choice = ByChoice("kind", {"q": Query("k", "token"), "b": Bearer("token")})
    assert _request(choice, fields).url.params["k"] == "t0k"
    assert "authorization" not in _request(Bearer("token"), {}).headers
    assert PathPrefix("/bot{token}").path_prefix(fields) == "/bott0k"


class Recorder:
    """An httpx transport standing in for a third-party service (records, answers)."""

    def __init__(self, *statuses: int) -> None:
        self.requests: list[httpx.Request] = []
        self._statuses = list(statuses)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        status = self._statuses.pop(0) if self._statuses else 200
        return httpx.Response(status, json={"ok": status == 200})


async def test_the_service_client_sends_to_the_base_url_with_the_secret_injected() -> None:
    service = Recorder()
    async with httpx.AsyncClient(transport=httpx.MockTransport(service)) as http:
        client = ServiceClient(SERVICE, {"api_key": "k-1"}, http)
        response = await client.request("POST", "/things", json={"a": 1}, params={"q": "x"})

    sent = service.requests[0]
    assert response.status_code == 200
    assert str(sent.url) == "https://api.example.com/v2/things?q=x"
    assert sent.headers["x-api-key"] == "k-1"
    assert json.loads(sent.content) == {"a": 1}


async def test_the_service_url_override_and_a_path_token_are_used() -> None:
    kind = CredentialKind(
        "bot", "Bot", fields=(CredentialField("token", secret=True),),
        injection=PathPrefix("/bot{token}"), base_url="https://api.bot.example",
        base_url_field="api_base",
    )  # fmt: skip
    service = Recorder()
    async with httpx.AsyncClient(transport=httpx.MockTransport(service)) as http:
        client = ServiceClient(kind, {"token": "1:x", "api_base": "http://127.0.0.1:5/t"}, http)
        await client.request("GET", "getMe")

    assert str(service.requests[0].url) == "http://127.0.0.1:5/t/bot1:x/getMe"


async def test_a_401_refreshes_an_oauth2_token_once_and_resends() -> None:
    kind = CredentialKind("svc", "Svc", oauth2=OAuth2("google"), base_url="https://svc.example")
    service = Recorder(401, 401)
    refreshed: list[Mapping[str, Any]] = []

    async def refresh(stale: Mapping[str, Any]) -> Mapping[str, Any]:
        refreshed.append(stale)
        return {**stale, "access_token": f"fresh-{len(refreshed)}"}

    async with httpx.AsyncClient(transport=httpx.MockTransport(service)) as http:
        fields = {"access_token": "old", "refresh_token": "r"}
        client = ServiceClient(kind, fields, http, refresh=refresh)
        response = await client.request("GET", "/me")

    assert response.status_code == 401  # refreshed once; the second refusal is the answer
    assert [r.headers["authorization"] for r in service.requests] == [
        "Bearer old",
        "Bearer fresh-1",
    ]
    assert [s["access_token"] for s in refreshed] == ["old"]


def test_masking_replaces_secrets_in_nested_values() -> None:
    value = {"url": "https://x/botSECRET1/send", "items": ["SECRET1", 3, {"SECRET1": "k"}]}

    assert masking.mask(value, ["SECRET1", "ab"]) == {
        "url": "https://x/bot***/send",
        "items": ["***", 3, {"***": "k"}],
    }


def test_log_records_never_show_a_remembered_secret(caplog: pytest.LogCaptureFixture) -> None:
    masking.install_log_masking()
    masking.remember(["tok-98765"])
    log = logging.getLogger("kyra.test")

    with caplog.at_level(logging.INFO, logger="kyra.test"):
        log.info("calling %s", "https://api/bottok-98765/getMe")
        try:
            raise ValueError("bad token tok-98765")
        except ValueError:
            log.exception("failed")

    assert "tok-98765" not in caplog.text
    assert "https://api/bot***/getMe" in caplog.text
