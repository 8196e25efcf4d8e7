"""Journeys over the pages beyond the editor: credentials, models & costs, trigger URLs."""

from __future__ import annotations

import asyncio
import threading
import uuid
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.fakes.telegram import FakeTelegram

from .conftest import Editor

pytestmark = pytest.mark.e2e


def _in_own_loop(coro_factory: Any) -> None:
    """Run a coroutine on a fresh event loop in a thread (Playwright holds this thread's loop)."""
    errors: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(coro_factory())
        except BaseException as exc:  # re-raised in the test's thread
            errors.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(60)
    if errors:
        raise errors[0]


@pytest.fixture(scope="module")
def seeded_catalogue(live_server: Any) -> None:
    """The shipped LLM catalogue, as `kyra up` seeds it on start."""
    from kyra.db.engine import create_engine, create_session_factory
    from kyra.db.queries.llm import seed_catalogue
    from kyra.settings import get_settings

    async def seed() -> None:
        engine = create_engine(get_settings().database_url)
        try:
            async with create_session_factory(engine).begin() as session:
                await seed_catalogue(session)
        finally:
            await engine.dispose()

    _in_own_loop(seed)


def _price(value: float) -> str:
    """The web app's price format: up to 6 decimals, at least 2."""
    whole, _, frac = f"{value:.6f}".rstrip("0").partition(".")
    return f"${whole}.{frac.ljust(2, '0')}"


def test_a_created_credential_is_listed_without_its_secret(
    editor: Editor, api_client: httpx.Client
) -> None:
    page = editor.page
    name = f"crm token {uuid.uuid4().hex[:6]}"
    secret = f"s3cret-{uuid.uuid4().hex}"

    # Given the credentials page, reached from the navigation
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Credentials").click()
    expect(page.get_by_role("heading", name="Credentials")).to_be_visible()

    # When an HTTP bearer-token credential is saved with the form of its kind
    form = page.get_by_role("form", name="New credential")
    form.get_by_label("Kind", exact=True).select_option("http_auth")
    form.get_by_label("Name", exact=True).fill(name)
    expect(form.get_by_label("Type", exact=True)).to_have_value("bearer")
    expect(form.get_by_label("Username", exact=True)).to_have_count(0)
    form.get_by_label("Token", exact=True).fill(secret)
    form.get_by_role("button", name="Save credential").click()

    # Then it is listed by name and kind, and the secret is nowhere on the page
    row = page.get_by_test_id("credential-row").filter(has_text=name)
    expect(row).to_be_visible()
    expect(row).to_contain_text("http_auth")
    expect(form.get_by_label("Token", exact=True)).to_have_value("")
    assert secret not in page.content()

    # And the API stores it without returning the secret
    listed = api_client.get("/api/credentials").json()
    assert any(c["name"] == name for c in listed)
    assert secret not in str(listed)

    # When it is deleted, it leaves the list
    page.once("dialog", lambda d: d.accept())
    row.get_by_role("button", name="Delete").click()
    expect(page.get_by_test_id("credential-row").filter(has_text=name)).to_have_count(0)


def test_a_credential_is_tested_from_its_row_and_edited_without_its_secret(
    editor: Editor, api_client: httpx.Client
) -> None:
    page = editor.page
    telegram = FakeTelegram().start()
    name = f"bot {uuid.uuid4().hex[:6]}"
    try:
        # Given the credentials page and a bot token typed into the Telegram bot form
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Credentials").click()
        form = page.get_by_role("form", name="New credential")
        form.get_by_label("Kind", exact=True).select_option("telegram_bot")
        form.get_by_label("Name", exact=True).fill(name)
        form.get_by_label("Token", exact=True).fill("999:wrong")
        form.get_by_label("Service URL", exact=True).fill(telegram.url)
        form.get_by_role("button", name="Save credential").click()
        row = page.get_by_test_id("credential-row").filter(has_text=name)

        # When it is tested, the service's refusal is shown on its row
        row.get_by_role("button", name="Test").click()
        result = row.get_by_test_id("credential-test-result")
        expect(result).to_have_text("Telegram bot refused: 401 Unauthorized")

        # When only the token is replaced in the edit form (the URL is kept) and tested again
        row.get_by_role("button", name="Edit").click()
        edit = page.get_by_role("form", name="Edit credential")
        expect(edit.get_by_label("Service URL", exact=True)).to_have_value(telegram.url)
        expect(edit.get_by_label("Token", exact=True)).to_have_value("")
        edit.get_by_label("Token", exact=True).fill(telegram.token)
        edit.get_by_role("button", name="Save credential").click()
        expect(page.get_by_role("form", name="New credential")).to_be_visible()
        row.get_by_role("button", name="Test").click()

        # Then the test passes and names the bot
        expect(result).to_have_attribute("data-ok", "true")
        expect(result).to_have_text("connected to Telegram bot as @kyra_test_bot")
        assert telegram.token not in page.content()
    finally:
        telegram.stop()


def test_the_models_page_shows_seeded_models_with_prices(
    editor: Editor, api_client: httpx.Client, seeded_catalogue: None
) -> None:
    page = editor.page
    models = api_client.get("/api/llm/models").json()
    assert models, "the shipped catalogue is seeded"
    model = models[0]

    # Given the Models & costs page, reached from the navigation
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Models & costs").click()
    expect(page.get_by_role("heading", name="Models & costs")).to_be_visible()

    # Then every seeded model is listed with its prices per 1k tokens
    expect(page.get_by_test_id("model-row")).to_have_count(len(models))
    row = page.locator(f'[data-testid="model-row"][data-model-key="{model["model_key"]}"]').first
    expect(row.get_by_test_id("input-price")).to_have_text(_price(model["input_cost_per_1k"]))
    expect(row.get_by_test_id("output-price")).to_have_text(_price(model["output_cost_per_1k"]))

    # And recommendations and the analytics sections load (no usage yet is fine)
    expect(page.get_by_test_id("recommendations")).to_be_visible()
    expect(page.get_by_role("region", name="LLM cost")).to_be_visible()
    expect(page.get_by_test_id("usage-totals")).to_contain_text("calls")
    expect(page.get_by_role("region", name="Run health")).to_be_visible()


def test_a_saved_webhook_trigger_shows_its_url_and_a_secret_once(
    editor: Editor, api_client: httpx.Client
) -> None:
    page = editor.page
    path = f"e2e-{uuid.uuid4().hex[:8]}"
    editor.new_graph()

    # Given a Webhook.trigger node with a path
    hook = editor.drop("Webhook.trigger", 160, 220)
    editor.select(hook)
    editor.inspector.get_by_label("Path").fill(path)
    expect(editor.inspector.get_by_test_id("trigger-section")).to_contain_text("Save the graph")

    # When the graph is saved
    graph_id = editor.save()

    # Then the node and the inspector show the webhook URL with a copy button
    url = f"{editor.url}/hooks/{path}"
    expect(editor.node(hook).get_by_test_id("node-webhook-url")).to_contain_text(url)
    editor.select(hook)
    expect(editor.inspector.get_by_test_id("webhook-url")).to_have_text(url)
    expect(editor.inspector.get_by_role("button", name="Copy webhook URL")).to_be_visible()
    graph = api_client.get(f"/api/graphs/{graph_id}").json()
    assert [w["url"] for w in graph["webhooks"]] == [url]

    # When a signing secret is created, it is shown once and the graph now needs signatures
    expect(editor.inspector.get_by_test_id("webhook-secret-state")).to_contain_text("off")
    editor.inspector.get_by_role("button", name="Create secret").click()
    secret = editor.inspector.get_by_test_id("webhook-secret")
    expect(secret).to_be_visible()
    assert len(secret.inner_text()) >= 16
    expect(editor.inspector.get_by_test_id("webhook-secret-state")).to_contain_text("required")
    assert api_client.post(f"/hooks/{path}", json={}).status_code == 401

    # And after a reload the secret is not shown again, but its state is
    page.reload()
    expect(editor.canvas).to_be_visible()
    editor.select(hook)
    expect(editor.inspector.get_by_test_id("webhook-secret-state")).to_contain_text("required")
    expect(editor.inspector.get_by_test_id("webhook-secret")).to_have_count(0)


def test_a_saved_schedule_trigger_shows_its_next_fire_time(
    editor: Editor, api_client: httpx.Client
) -> None:
    editor.new_graph()

    # Given a Schedule.trigger node with a yearly cron expression
    node = editor.drop("Schedule.trigger", 160, 220)
    editor.select(node)
    editor.inspector.get_by_label("Cron").fill("0 9 1 1 *")

    # When the graph is saved
    graph_id = editor.save()

    # Then the next fire time from the API is on the node and in the inspector
    (schedule,) = api_client.get(f"/api/graphs/{graph_id}").json()["schedules"]
    assert schedule["next_fire_at"] and schedule["cron"] == "0 9 1 1 *"
    year = schedule["next_fire_at"][:4]
    expect(editor.node(node).get_by_test_id("node-next-fire")).to_contain_text(year)
    editor.select(node)
    facts = editor.inspector.get_by_test_id("schedule-facts")
    expect(facts).to_contain_text("0 9 1 1 *")
    expect(facts.get_by_test_id("schedule-next")).to_contain_text(year)

    # And the Runs page lists it among the schedules
    editor.page.get_by_role("navigation", name="Main").get_by_role("link", name="Runs").click()
    expect(editor.page.get_by_test_id("schedules-table")).to_contain_text("0 9 1 1 *")


def test_a_provider_added_on_the_models_page_and_an_edited_price(
    editor: Editor, api_client: httpx.Client
) -> None:
    page = editor.page
    name = f"local-{uuid.uuid4().hex[:6]}"
    page.goto(f"{editor.url}/models")

    # When an OpenAI-compatible provider is added with a key
    form = page.get_by_role("form", name="New provider")
    form.get_by_label("Name", exact=True).fill(name)
    form.get_by_label("Kind").select_option("openai_compatible")
    form.get_by_label("Base URL").fill("http://127.0.0.1:9/v1")
    form.get_by_label("API key").fill("sk-never-shown")
    form.get_by_role("button", name="Add provider").click()

    # Then it is listed with its URL and "set" for the key, which is never shown
    row = page.get_by_test_id("providers-table").locator("tr").filter(has_text=name)
    expect(row).to_contain_text("http://127.0.0.1:9/v1")
    expect(row).to_contain_text("set")
    assert "sk-never-shown" not in page.content()

    # Given a model of that provider
    provider = next(p for p in api_client.get("/api/llm/providers").json() if p["name"] == name)
    key = f"m-{uuid.uuid4().hex[:6]}"
    created = api_client.post(
        "/api/llm/models",
        json={"provider_id": provider["id"], "model_key": key, "input_cost_per_1k": "0.5",
              "output_cost_per_1k": "1"},
    )  # fmt: skip
    assert created.status_code == 201, created.text
    page.reload()

    # When its prices are edited in place
    model_row = page.locator(f'[data-testid="model-row"][data-model-key="{key}"]')
    expect(model_row.get_by_test_id("input-price")).to_have_text("$0.50")
    model_row.get_by_role("button", name=f"Edit prices of {key}").click()
    model_row.get_by_label(f"Input price of {key}").fill("0.25")
    model_row.get_by_label(f"Output price of {key}").fill("0.75")
    model_row.get_by_role("button", name="Save").click()

    # Then the table and the API show the new prices
    expect(model_row.get_by_test_id("input-price")).to_have_text("$0.25")
    expect(model_row.get_by_test_id("output-price")).to_have_text("$0.75")
    stored = next(m for m in api_client.get("/api/llm/models").json() if m["model_key"] == key)
    assert (stored["input_cost_per_1k"], stored["output_cost_per_1k"]) == (0.25, 0.75)
