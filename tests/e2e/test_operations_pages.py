"""Journeys over the operations pages: users & keys, schedules & webhooks, and deploying an
agent to a Telegram bot from the Agents page."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.conftest import start_api_server, stop_process_group
from tests.fakes.oidc import CLIENT_ID, CLIENT_SECRET, FakeOidc
from tests.fakes.server import FakeServer
from tests.fakes.telegram import FakeTelegram

from .conftest import Editor
from .test_platform_pages import _in_own_loop

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def admin_key(live_server: Any) -> str:
    """An admin's API key, created in the database like `kyra migrate` creates the first."""
    from kyra.db.engine import create_engine, create_session_factory
    from kyra.db.queries.users import create_api_key, create_user
    from kyra.settings import get_settings

    keys: list[str] = []

    async def create() -> None:
        engine = create_engine(get_settings().database_url)
        try:
            async with create_session_factory(engine).begin() as session:
                user = await create_user(session, name="e2e admin", is_admin=True)
                keys.append((await create_api_key(session, owner_id=user.id, name="e2e"))[1])
        finally:
            await engine.dispose()

    _in_own_loop(create)
    return keys[0]


def _signed_in(page: Page, url: str, key: str) -> Editor:
    page.set_viewport_size({"width": 1500, "height": 900})
    editor = Editor(page, url, key)
    editor.sign_in()
    return editor


def _nav(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name).click()


def test_an_admin_creates_a_user_and_keys_and_disables_the_user(
    live_server: Any, page: Page, admin_key: str
) -> None:
    _signed_in(page, live_server.url, admin_key)
    _nav(page, "Users & keys")
    expect(page.get_by_role("heading", name="Users & keys")).to_be_visible()

    # A key of one's own: shown once, listed by its first characters, revocable
    page.get_by_label("Key name").fill("laptop")
    page.get_by_role("button", name="Create key").click()
    secret = page.get_by_test_id("new-secret").inner_text()
    assert secret.startswith("kyra_")
    page.get_by_role("button", name="Done").click()
    row = page.get_by_test_id("key-row").filter(has_text="laptop")
    expect(row).to_contain_text(secret[:12])
    page.once("dialog", lambda d: d.accept())
    row.get_by_role("button", name="Revoke").click()
    expect(row).to_contain_text("revoked")
    assert httpx.get(f"{live_server.url}/api/me", headers={"X-API-Key": secret}).status_code == 401

    # A new user gets a key shown once; disabling the user stops that key
    name = f"Bea {uuid.uuid4().hex[:4]}"
    page.get_by_label("User name").fill(name)
    page.get_by_label("Role").select_option("member")
    page.get_by_role("button", name="Create user").click()
    user_key = page.get_by_test_id("new-secret").inner_text()
    page.get_by_role("button", name="Done").click()
    me = httpx.get(f"{live_server.url}/api/me", headers={"X-API-Key": user_key})
    assert me.json()["role"] == "member"
    page.get_by_label(f"{name} enabled").click()  # saved, then shown from the server
    expect(page.get_by_test_id("user-row").filter(has_text=name)).to_contain_text("disabled")
    assert (
        httpx.get(f"{live_server.url}/api/me", headers={"X-API-Key": user_key}).status_code == 401
    )


def test_a_member_sees_only_their_keys_not_the_users(editor: Editor) -> None:
    _nav(editor.page, "Users & keys")
    expect(editor.page.get_by_role("heading", name="My API keys")).to_be_visible()
    expect(editor.page.get_by_test_id("key-row").first).to_be_visible()
    expect(editor.page.get_by_role("heading", name="Users", exact=True)).to_have_count(0)


def test_the_triggers_page_lists_a_webhook_and_switches_it_off(
    editor: Editor, api_client: httpx.Client
) -> None:
    tag = uuid.uuid4().hex[:8]
    graph = {
        "schema": "kyra.graph/1",
        "name": f"page-hook-{tag}",
        "nodes": [
            {"id": "hook", "type": "Webhook.trigger", "params": {"path": f"page-{tag}"}},
            {"id": "set", "type": "Core.set", "params": {"values": {"a": 1}}},
        ],
        "edges": [{"source": "hook", "target": "set"}],
    }
    assert api_client.post("/api/graphs", json=graph).status_code == 201
    assert api_client.post(f"/hooks/page-{tag}", json={}).is_success

    _nav(editor.page, "Schedules & webhooks")
    row = editor.page.get_by_test_id("trigger-row").filter(has_text=f"page-hook-{tag}")
    expect(row.get_by_test_id("trigger-url")).to_have_text(f"{editor.url}/hooks/page-{tag}")
    expect(row).not_to_contain_text("never")
    switch = row.get_by_label(f"page-hook-{tag} webhook enabled")
    switch.click()  # saved, then shown from the server
    expect(switch).not_to_be_checked()
    assert api_client.post(f"/hooks/page-{tag}", json={}).status_code == 404


Fake = TypeVar("Fake", bound=FakeServer)


@contextlib.contextmanager
def _server_using(fake: Fake, env: Callable[[Fake], dict[str, str]]) -> Iterator[tuple[str, Fake]]:
    """A started fake and an API process configured (by ``env``) to reach it."""
    fake.start()
    proc, url = start_api_server(env(fake))
    try:
        yield url, fake
    finally:
        stop_process_group(proc)
        fake.stop()


@pytest.fixture(scope="module")
def bot_server(owner: Any) -> Iterator[tuple[str, FakeTelegram]]:
    """An API server whose Telegram Bot API is the fake (the agent deploys through it)."""
    with _server_using(FakeTelegram(), lambda t: {"KYRA_TELEGRAM_API_BASE": t.url}) as server:
        yield server


def test_an_agent_is_deployed_to_telegram_from_the_agents_page(
    page: Page, owner: Any, bot_server: tuple[str, FakeTelegram]
) -> None:
    url, telegram = bot_server
    name = f"bot-agent-{uuid.uuid4().hex[:6]}"
    created = httpx.post(
        f"{url}/api/agents", json={"name": name}, headers={"X-API-Key": owner.api_key}
    )
    assert created.status_code == 201, created.text
    _signed_in(page, url, owner.api_key)
    page.goto(f"{url}/agents/{created.json()['id']}")
    page.get_by_role("tab", name="Deploy").click()
    page.get_by_label("Telegram bot token").fill(telegram.token)
    page.get_by_label("Public URL").fill("https://kyra.example.org")
    page.get_by_role("button", name="Deploy to Telegram").click()

    row = page.get_by_test_id("deployment-row")
    expect(row).to_contain_text("@kyra_test_bot")
    assert telegram.webhook["url"].startswith("https://kyra.example.org/channels/telegram/")
    assert telegram.token not in page.content()
    page.once("dialog", lambda d: d.accept())
    row.get_by_role("button", name="Remove").click()
    expect(page.get_by_test_id("deployment-row")).to_have_count(0)
    assert telegram.calls("deleteWebhook")


@pytest.fixture(scope="module")
def sso_server(live_server: Any) -> Iterator[tuple[str, FakeOidc]]:
    """An API process configured for a fake OpenID Connect provider that signs in new people."""

    def env(provider: FakeOidc) -> dict[str, str]:
        return {
            "KYRA_OIDC_ISSUER": provider.issuer,
            "KYRA_OIDC_CLIENT_ID": CLIENT_ID,
            "KYRA_OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "KYRA_OIDC_CREATE_USERS": "true",
        }

    with _server_using(FakeOidc(), env) as server:
        yield server


def test_a_person_signs_in_with_single_sign_on_and_becomes_a_member(
    page: Page, admin_key: str, sso_server: tuple[str, FakeOidc]
) -> None:
    url, provider = sso_server
    email = f"sso-{uuid.uuid4().hex[:6]}@example.org"
    provider.person = {"sub": email, "email": email, "email_verified": True, "name": "Grace"}

    page.goto(url)
    page.get_by_role("link", name="Sign in with single sign-on").click()

    # The provider signed Grace in and sent the browser back: the app is open, with her key
    expect(page.get_by_role("heading", name="Graphs")).to_be_visible()
    key = page.evaluate("() => Object.values(localStorage).find(v => v.startsWith('kyra_'))")
    me = httpx.get(f"{url}/api/me", headers={"X-API-Key": key}).json()
    assert me["name"] == "Grace" and me["role"] == "member"
    users = httpx.get(f"{url}/api/users", headers={"X-API-Key": admin_key}).json()
    assert {u["email"] for u in users if u["name"] == "Grace"} == {email}
