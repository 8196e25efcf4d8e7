"""OpenID Connect sign-in against a local fake provider: authorization code with PKCE, the ID
token checked (signature, issuer, audience, nonce), the identity mapped to a user, and a fresh
API key handed to the browser that started the sign-in."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from kyra.api.app import create_app
from kyra.engine.services import EngineServices
from tests.fakes.oidc import CLIENT_ID, CLIENT_SECRET, FakeOidc


@pytest.fixture(scope="module")
def provider() -> Iterator[FakeOidc]:
    fake = FakeOidc().start()
    yield fake
    fake.stop()


@pytest.fixture
async def browser(services: EngineServices, provider: FakeOidc) -> AsyncIterator[httpx.AsyncClient]:
    """A cookie-keeping client on an app configured for the fake provider."""
    settings = services.settings.model_copy(
        update={"oidc_issuer": provider.issuer, "oidc_client_id": CLIENT_ID,
                "oidc_client_secret": CLIENT_SECRET}
    )  # fmt: skip
    configured = EngineServices(
        settings=settings, registry=services.registry, session_factory=services.session_factory,
        hooks=services.hooks, dispatcher=services.dispatcher,
    )  # fmt: skip
    app = create_app(settings, services=configured)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as client:
        yield client


async def _sign_in(browser: httpx.AsyncClient) -> dict[str, list[str]]:
    """Follow the redirects a browser follows; the query the app is sent back with."""
    start = await browser.get("/auth/oidc/login")
    assert start.status_code == 302, start.text
    sent_to = urlparse(start.headers["location"])
    assert parse_qs(sent_to.query)["code_challenge_method"] == ["S256"]
    async with httpx.AsyncClient() as outside:  # the provider, reached by the browser
        answered = await outside.get(start.headers["location"])
    assert answered.status_code == 302, answered.text
    back = urlparse(answered.headers["location"])
    callback = await browser.get(f"{back.path}?{back.query}")
    assert callback.status_code == 303
    return parse_qs(urlparse(callback.headers["location"]).query)


async def test_a_known_user_signs_in_and_gets_a_key(
    browser: httpx.AsyncClient, api: httpx.AsyncClient, provider: FakeOidc, session_factory: Any
) -> None:
    from kyra.db.queries.users import create_user

    email = f"ada-{uuid.uuid4().hex[:6]}@example.org"
    async with session_factory() as session:
        user = await create_user(session, name="Ada", email=email)
        await session.commit()
    provider.person = {"sub": f"sub-{uuid.uuid4().hex[:6]}", "email": email.upper(),
                       "email_verified": True, "name": "Ada L."}  # fmt: skip
    assert (await browser.get("/auth/oidc")).json()["enabled"] is True

    back = await _sign_in(browser)
    code = back["sso"][0]
    session = await browser.post("/auth/oidc/session", json={"code": code})

    assert session.status_code == 201, session.text
    assert session.json()["user_id"] == str(user.id)
    key = {"X-API-Key": session.json()["api_key"]}
    assert (await api.get("/api/me", headers=key)).json()["user_id"] == str(user.id)
    again = await browser.post("/auth/oidc/session", json={"code": code})
    assert again.status_code == 401, "a code works once"
    # The next sign-in finds the user by the provider's subject, whatever the email says now
    provider.person = {**provider.person, "email": "changed@example.org"}
    back = await _sign_in(browser)
    session = await browser.post("/auth/oidc/session", json={"code": back["sso"][0]})
    assert session.json()["user_id"] == str(user.id)


async def test_unknown_identities_and_foreign_browsers_are_refused(
    browser: httpx.AsyncClient, provider: FakeOidc
) -> None:
    provider.person = {"sub": f"sub-{uuid.uuid4().hex[:6]}", "email": "stranger@example.org",
                       "email_verified": True}  # fmt: skip
    back = await _sign_in(browser)
    assert "sso" not in back and "ask an admin" in back["sso_error"][0]

    # A callback carrying another browser's state, or an old one, signs nobody in
    start = await browser.get("/auth/oidc/login")
    async with httpx.AsyncClient() as outside:
        answered = await outside.get(start.headers["location"])
    back_url = urlparse(answered.headers["location"])
    browser.cookies.clear()
    stolen = await browser.get(f"{back_url.path}?{back_url.query}")
    assert "another browser" in parse_qs(urlparse(stolen.headers["location"]).query)["sso_error"][0]
    replayed = await browser.get(f"{back_url.path}?{back_url.query}")
    assert "expired" in parse_qs(urlparse(replayed.headers["location"]).query)["sso_error"][0]


async def test_sign_in_is_off_unless_configured(api: httpx.AsyncClient) -> None:
    assert (await api.get("/auth/oidc")).json()["enabled"] is False
    assert (await api.get("/auth/oidc/login")).status_code == 404
