"""Fixtures for the service nodes: fake services (with their authorization servers) reached
through each credential's base-URL override, and running one node in a graph."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from tests.fakes.gmail import FakeGmail
from tests.fakes.graph import FakeGraph
from tests.fakes.oauth import CLIENT_ID, CLIENT_SECRET, FakeOAuth
from tests.fakes.slack import PASTED_TOKEN, SIGNING_SECRET, FakeSlack
from tests.graphs.test_examples import wait_for_final


@pytest.fixture(scope="session")
async def admin_key(session_factory: Any) -> str:
    from kyra.db.queries.users import create_api_key, ensure_admin

    async with session_factory() as session:
        admin = await ensure_admin(session)
        _, key = await create_api_key(session, owner_id=admin.id, name="service tests")
        await session.commit()
    return key


async def configured_provider(
    api: httpx.AsyncClient, admin_key: str, name: str, fake: FakeOAuth
) -> AsyncIterator[FakeOAuth]:
    """The fake authorization server as the operator's client for ``name`` while a test runs,
    removed after it (other tests expect providers they did not configure to be absent)."""
    body = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
            "authorize_url": fake.authorize_url, "token_url": fake.token_url}  # fmt: skip
    headers = {"X-API-Key": admin_key}
    stored = await api.put(f"/api/oauth/providers/{name}", json=body, headers=headers)
    assert stored.status_code == 200, stored.text
    yield fake
    await api.delete(f"/api/oauth/providers/{name}", headers=headers)


@pytest.fixture(scope="session")
def _google_server() -> Iterator[FakeOAuth]:
    fake = FakeOAuth("google").start()
    yield fake
    fake.stop()


@pytest.fixture
async def google_oauth(
    _google_server: FakeOAuth, api: httpx.AsyncClient, admin_key: str
) -> AsyncIterator[FakeOAuth]:
    """The fake Google authorization server, configured as the operator's client."""
    async for fake in configured_provider(api, admin_key, "google", _google_server):
        yield fake


@pytest.fixture(scope="session")
def _gmail_server(_google_server: FakeOAuth) -> Iterator[FakeGmail]:
    fake = FakeGmail(_google_server).start()
    yield fake
    fake.stop()


@pytest.fixture
def fake_gmail(_gmail_server: FakeGmail, google_oauth: FakeOAuth) -> FakeGmail:
    """The fake Gmail API with an empty mailbox and request log."""
    _gmail_server.reset()
    return _gmail_server


async def oauth_credential(
    api: httpx.AsyncClient, oauth: FakeOAuth, kind: str, base_url: str, **fields: str
) -> str:
    """A connected credential of an OAuth2 kind (tokens as the fake server issues them)."""
    tokens = oauth.issue()
    data = {"access_token": tokens["access_token"], "refresh_token": tokens["refresh_token"],
            "expires_at": str(int(time.time()) + 3600), "base_url": base_url, **fields}  # fmt: skip
    created = await api.post(
        "/api/credentials",
        json={"name": f"{kind}-{uuid.uuid4().hex[:8]}", "kind": kind, "data": data},
    )
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


@pytest.fixture
async def gmail_credential(
    api: httpx.AsyncClient, google_oauth: FakeOAuth, fake_gmail: FakeGmail
) -> str:
    return await oauth_credential(api, google_oauth, "gmail", fake_gmail.url)


def one_node_graph(node: dict[str, Any], *, retry_backoff_s: float = 0.01) -> dict[str, Any]:
    """Manual.trigger → ``node`` (with fast retries)."""
    node = {"id": "call", **node}
    node.setdefault("settings", {}).setdefault("retry_backoff_s", retry_backoff_s)
    return {
        "schema": "kyra.graph/1",
        "name": f"svc-{uuid.uuid4().hex[:8]}",
        "nodes": [{"id": "start", "type": "Manual.trigger"}, node],
        "edges": [{"source": "start", "target": "call"}],
    }


async def run_node(
    api: httpx.AsyncClient, node: dict[str, Any], *, mode: str = "sync",
    inputs: dict[str, Any] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Run a one-node graph; the node's run (status, output, error, attempt)."""
    created = await api.post("/api/graphs", json=one_node_graph(node))
    assert created.status_code == 201, created.text
    started = await api.post(
        f"/api/graphs/{created.json()['id']}/runs", json={"mode": mode, "inputs": inputs or {}}
    )
    assert started.status_code in (200, 202), started.text
    run = started.json() if mode == "sync" else await wait_for_final(api, started.json()["id"])
    return dict(next(n for n in run["node_runs"] if n["node_id"] == "call"))


@pytest.fixture(scope="session")
def _slack_oauth_server() -> Iterator[FakeOAuth]:
    fake = FakeOAuth("slack").start()
    yield fake
    fake.stop()


@pytest.fixture
async def slack_oauth(
    _slack_oauth_server: FakeOAuth, api: httpx.AsyncClient, admin_key: str
) -> AsyncIterator[FakeOAuth]:
    async for fake in configured_provider(api, admin_key, "slack", _slack_oauth_server):
        yield fake


@pytest.fixture(scope="session")
def _slack_server(_slack_oauth_server: FakeOAuth) -> Iterator[FakeSlack]:
    fake = FakeSlack(_slack_oauth_server).start()
    yield fake
    fake.stop()


@pytest.fixture
def fake_slack(_slack_server: FakeSlack) -> FakeSlack:
    """The fake Slack Web API: fresh channels, no requests, no scripted failures."""
    _slack_server.reset()
    return _slack_server


@pytest.fixture
async def slack_credential(api: httpx.AsyncClient, fake_slack: FakeSlack) -> str:
    """A Slack credential with a pasted bot token and the app's signing secret."""
    data = {"access_token": PASTED_TOKEN, "signing_secret": SIGNING_SECRET,
            "base_url": f"{fake_slack.url}/api"}  # fmt: skip
    created = await api.post(
        "/api/credentials",
        json={"name": f"slack-{uuid.uuid4().hex[:8]}", "kind": "slack", "data": data},
    )
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


@pytest.fixture(scope="session")
def _microsoft_server() -> Iterator[FakeOAuth]:
    fake = FakeOAuth("microsoft").start()
    yield fake
    fake.stop()


@pytest.fixture
async def microsoft_oauth(
    _microsoft_server: FakeOAuth, api: httpx.AsyncClient, admin_key: str
) -> AsyncIterator[FakeOAuth]:
    async for fake in configured_provider(api, admin_key, "microsoft", _microsoft_server):
        yield fake


@pytest.fixture(scope="session")
def _graph_server(_microsoft_server: FakeOAuth) -> Iterator[FakeGraph]:
    fake = FakeGraph(_microsoft_server).start()
    yield fake
    fake.stop()


@pytest.fixture
def fake_graph(_graph_server: FakeGraph, microsoft_oauth: FakeOAuth) -> FakeGraph:
    """The fake Microsoft Graph with an empty mailbox and request log."""
    _graph_server.reset()
    return _graph_server


@pytest.fixture
async def outlook_credential(
    api: httpx.AsyncClient, microsoft_oauth: FakeOAuth, fake_graph: FakeGraph
) -> str:
    return await oauth_credential(api, microsoft_oauth, "outlook", f"{fake_graph.url}/v1.0")
