"""OAuth2 against a local authorization server (Google's dialect) and a fake Gmail API: the
authorization-code flow with PKCE, a state that is single-use and bound to the browser, tokens
refreshed before expiry and after a 401 (one refresh at a time), and a revoked grant."""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.fakes.gmail import FakeGmail
from tests.fakes.oauth import CLIENT_ID, CLIENT_SECRET, FakeOAuth


@pytest.fixture(scope="module")
def google() -> Iterator[FakeOAuth]:
    fake = FakeOAuth("google").start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def gmail(google: FakeOAuth) -> Iterator[FakeGmail]:
    fake = FakeGmail(google).start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
async def admin_key(session_factory: Any) -> str:
    from kyra.db.queries.users import create_api_key, ensure_admin

    async with session_factory() as session:
        admin = await ensure_admin(session)
        _, key = await create_api_key(session, owner_id=admin.id, name="oauth tests")
        await session.commit()
    return key


@pytest.fixture
async def configured(
    api: httpx.AsyncClient, admin_key: str, google: FakeOAuth
) -> AsyncIterator[FakeOAuth]:
    """The fake as the operator's Google client (set by an admin over the API)."""
    body = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "authorize_url": google.authorize_url,
        "token_url": google.token_url,
    }
    stored = await api.put(
        "/api/oauth/providers/google", json=body, headers={"X-API-Key": admin_key}
    )
    assert stored.status_code == 200, stored.text
    google.reset()
    yield google
    await api.delete("/api/oauth/providers/google", headers={"X-API-Key": admin_key})


async def new_credential(api: httpx.AsyncClient, gmail: FakeGmail, **data: Any) -> str:
    body = {"name": f"gmail-{uuid.uuid4().hex[:8]}", "kind": "gmail",
            "data": {"base_url": gmail.url, **data}}  # fmt: skip
    created = await api.post("/api/credentials", json=body)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def authorize(api: httpx.AsyncClient, credential_id: str) -> tuple[str, str]:
    """Start connecting; (the provider URL, the browser's session cookie)."""
    started = await api.post("/api/oauth/authorize", json={"credential_id": credential_id})
    assert started.status_code == 200, started.text
    cookie = started.cookies["kyra_oauth"]
    api.cookies.clear()  # every test below says which browser it is
    return started.json()["authorize_url"], cookie


def consent(authorize_url: str, *, allow: bool = True) -> str:
    """The user on the provider's consent page: the link back to Kyra they follow."""
    page = httpx.get(authorize_url)
    assert page.status_code == 200, page.text
    links = dict(
        (label, href.replace("&amp;", "&"))
        for href, label in re.findall(r'<a href="([^"]+)">(\w+)</a>', page.text)
    )
    return links["Allow" if allow else "Deny"]


async def follow(api: httpx.AsyncClient, callback_url: str, cookie: str | None) -> dict[str, str]:
    """The browser coming back to the callback (no API key); the query of where it lands."""
    parts = urlsplit(callback_url)
    headers = {"X-API-Key": ""} | ({"Cookie": f"kyra_oauth={cookie}"} if cookie else {})
    answer = await api.get(f"{parts.path}?{parts.query}", headers=headers)
    assert answer.status_code == 303, answer.text
    location = answer.headers["location"]
    assert location.startswith("/credentials?")
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


async def test_connecting_stores_tokens_after_a_pkce_checked_exchange(
    api: httpx.AsyncClient, configured: FakeOAuth, gmail: FakeGmail
) -> None:
    credential_id = await new_credential(api, gmail)

    authorize_url, cookie = await authorize(api, credential_id)
    landed = await follow(api, consent(authorize_url), cookie)

    assert landed == {"connected": credential_id}
    query = {k: v[0] for k, v in parse_qs(urlsplit(authorize_url).query).items()}
    assert authorize_url.startswith(configured.authorize_url)
    assert query | {"state": "-", "code_challenge": "-"} == {
        "response_type": "code", "client_id": CLIENT_ID,
        "redirect_uri": "http://testserver/api/oauth/callback",
        "scope": "https://www.googleapis.com/auth/gmail.modify", "state": "-",
        "code_challenge": "-", "code_challenge_method": "S256",
        "access_type": "offline", "prompt": "consent",
    }  # fmt: skip
    [exchange] = configured.token_requests("authorization_code")
    assert exchange.body["redirect_uri"] == "http://testserver/api/oauth/callback"
    assert len(exchange.body["code_verifier"]) >= 43  # the fake checked it against the challenge
    read = (await api.get(f"/api/credentials/{credential_id}")).json()
    assert read["oauth"] | {"expires_at": 0} == {
        "provider": "google", "connected": True, "expires_at": 0, "refreshable": True,
    }  # fmt: skip
    assert read["secrets_set"] == ["access_token", "refresh_token"]
    tested = (await api.post(f"/api/credentials/{credential_id}/test")).json()
    assert tested == {"ok": True, "message": "connected to Gmail as ada@example.com",
                      "status": 200, "account": "ada@example.com"}  # fmt: skip


async def test_a_state_works_once_and_only_in_the_browser_that_started(
    api: httpx.AsyncClient, configured: FakeOAuth, gmail: FakeGmail
) -> None:
    credential_id = await new_credential(api, gmail)
    authorize_url, cookie = await authorize(api, credential_id)
    back = consent(authorize_url)

    other_browser = await follow(api, back, "someone-elses-session")
    replayed = await follow(api, back, cookie)

    assert other_browser["oauth_error"] == (
        "this authorization was started in another browser session"
    )
    assert (
        replayed["oauth_error"] == "this authorization is unknown or was already used; start again"
    )
    assert configured.token_requests() == []
    read = (await api.get(f"/api/credentials/{credential_id}")).json()
    assert read["oauth"]["connected"] is False


async def test_a_denied_consent_or_a_wrong_verifier_connects_nothing(
    api: httpx.AsyncClient, configured: FakeOAuth, gmail: FakeGmail, session_factory: Any
) -> None:
    from sqlalchemy import update

    from kyra.crypto import encrypt_text
    from kyra.db.models import OAuthState

    credential_id = await new_credential(api, gmail)
    authorize_url, cookie = await authorize(api, credential_id)
    denied = await follow(api, consent(authorize_url, allow=False), cookie)

    authorize_url, cookie = await authorize(api, credential_id)
    async with session_factory() as session, session.begin():  # a verifier that does not match
        await session.execute(update(OAuthState).values(verifier_enc=encrypt_text("x" * 64)))
    refused = await follow(api, consent(authorize_url), cookie)

    assert denied["oauth_error"] == "the provider did not authorize: access_denied"
    assert refused["oauth_error"] == "Google refused: invalid_grant (Invalid code verifier.)"
    assert (await api.get(f"/api/credentials/{credential_id}")).json()["oauth"][
        "connected"
    ] is False


async def test_an_expiring_token_is_refreshed_before_it_is_used(
    api: httpx.AsyncClient, configured: FakeOAuth, gmail: FakeGmail
) -> None:
    tokens = configured.issue()
    configured.expire_access_tokens()
    credential_id = await new_credential(
        api, gmail, access_token=tokens["access_token"], refresh_token=tokens["refresh_token"],
        expires_at=str(int(time.time()) + 30),
    )  # fmt: skip

    tested = (await api.post(f"/api/credentials/{credential_id}/test")).json()

    assert tested["ok"] is True, tested
    [refresh] = configured.token_requests("refresh_token")
    assert refresh.body["refresh_token"] == tokens["refresh_token"]
    assert [c.headers["authorization"] for c in gmail.calls("GET", "/profile")][-1] != (
        f"Bearer {tokens['access_token']}"
    )


async def test_a_401_refreshes_the_token_and_the_request_is_sent_again(
    api: httpx.AsyncClient, configured: FakeOAuth, gmail: FakeGmail
) -> None:
    tokens = configured.issue()
    credential_id = await new_credential(
        api, gmail, access_token=tokens["access_token"], refresh_token=tokens["refresh_token"],
        expires_at=str(int(time.time()) + 3000),
    )  # fmt: skip
    configured.expire_access_tokens()  # the provider revoked it early; the clock says it is fine
    gmail.reset()

    tested = (await api.post(f"/api/credentials/{credential_id}/test")).json()

    assert tested["ok"] is True, tested
    assert len(configured.token_requests("refresh_token")) == 1
    statuses = [c.headers["authorization"] == f"Bearer {tokens['access_token']}" for c in
                gmail.calls("GET", "/profile")]  # fmt: skip
    assert statuses == [True, False]


async def test_concurrent_refreshes_of_one_credential_ask_the_provider_once(
    configured: FakeOAuth, gmail: FakeGmail, api: httpx.AsyncClient, services: Any, owner: Any
) -> None:
    from kyra.oauth.tokens import refresh_credential

    tokens = configured.issue()
    credential_id = await new_credential(
        api, gmail, access_token=tokens["access_token"], refresh_token=tokens["refresh_token"],
        expires_at=str(int(time.time()) + 3000),
    )  # fmt: skip
    kind = services.registry.credential_kind("gmail")

    fresh = await asyncio.gather(*(
        refresh_credential(
            services.session_factory, services.settings, services.http, kind=kind,
            owner_id=owner.id, credential_id=uuid.UUID(credential_id),
            stale_token=tokens["access_token"],
        )
        for _ in range(8)
    ))  # fmt: skip

    assert len(configured.token_requests("refresh_token")) == 1
    assert len({f["access_token"] for f in fresh}) == 1
    assert fresh[0]["access_token"] != tokens["access_token"]


async def test_a_revoked_grant_becomes_a_credential_problem_to_reconnect(
    api: httpx.AsyncClient, configured: FakeOAuth, gmail: FakeGmail
) -> None:
    tokens = configured.issue()
    credential_id = await new_credential(
        api, gmail, access_token=tokens["access_token"], refresh_token=tokens["refresh_token"],
        expires_at=str(int(time.time()) - 10),
    )  # fmt: skip
    configured.revoke(tokens["refresh_token"])

    tested = (await api.post(f"/api/credentials/{credential_id}/test")).json()
    again = (await api.post(f"/api/credentials/{credential_id}/test")).json()

    assert tested["ok"] is False
    assert "authorization was revoked or has expired" in tested["message"]
    assert "invalid_grant" in tested["message"] and "reconnect" in tested["message"]
    assert again["message"] == tested["message"]
    assert len(configured.token_requests("refresh_token")) == 1  # the problem is remembered
    read = (await api.get(f"/api/credentials/{credential_id}")).json()
    assert read["oauth"]["connected"] is False
    assert "revoked" in read["problem"]


async def test_only_admins_configure_providers_and_everyone_sees_the_redirect_uri(
    api: httpx.AsyncClient, configured: FakeOAuth
) -> None:
    refused = await api.put(
        "/api/oauth/providers/slack", json={"client_id": "x", "client_secret": "y"}
    )
    providers = {p["name"]: p for p in (await api.get("/api/oauth/providers")).json()}

    assert refused.status_code == 403
    assert providers["google"] | {"redirect_uri": "-"} == {
        "name": "google", "title": "Google", "configured": True, "source": "admin",
        "client_id": CLIENT_ID, "redirect_uri": "-",
    }  # fmt: skip
    assert providers["google"]["redirect_uri"] == "http://testserver/api/oauth/callback"
    assert providers["slack"]["configured"] is False
    assert CLIENT_SECRET not in str(providers)
