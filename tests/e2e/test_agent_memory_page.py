"""Journeys: the Memory tab of an agent (edit core facts, search and delete memories, read a
session's window), and its memory options set with the agent form."""

from __future__ import annotations

import uuid

import httpx
import pytest
from playwright.sync_api import expect

from tests.fakes.fixtures import _openai_server  # noqa: F401
from tests.fakes.openai import FakeOpenAI
from tests.fakes.server import Reply

from .conftest import Editor
from .test_agents_page import fake_model  # noqa: F401

pytestmark = pytest.mark.e2e


def _add_embedding_model(api_client: httpx.Client, provider: str) -> None:
    """The fake's embedding model, in the catalogue of ``provider``."""
    providers = api_client.get("/api/llm/providers").json()
    provider_id = next(p["id"] for p in providers if p["name"] == provider)
    embedding = api_client.post(
        "/api/llm/models",
        json={"provider_id": provider_id, "model_key": "text-embedding-3-small",
              "input_cost_per_1k": "0.00002", "output_cost_per_1k": "0",
              "capabilities": {"embeddings": True}},
    )  # fmt: skip
    assert embedding.status_code == 201, embedding.text


def test_the_memory_tab_edits_core_facts_searches_memories_and_shows_sessions(
    editor: Editor,
    api_client: httpx.Client,
    fake_model: str,  # noqa: F811
    _openai_server: FakeOpenAI,  # noqa: F811
) -> None:
    page = editor.page
    _add_embedding_model(api_client, fake_model)
    schema = {"long_backend": "postgres", "short_backend": "postgres",
              "embedding": {"provider": fake_model, "model": "text-embedding-3-small"}}  # fmt: skip
    agent = api_client.post(
        "/api/agents",
        json={"name": f"memo-{uuid.uuid4().hex[:6]}", "memory_schema": schema,
              "model": "gpt-4o-mini", "provider": fake_model},
    ).json()  # fmt: skip
    memories = f"/api/agents/{agent['id']}/memories"
    for content in ("The boiler was serviced in May.", "The cat is called Miso."):
        assert api_client.post(memories, json={"content": content}).status_code == 201
    _openai_server.script(Reply(text="Hello Ada."))
    ran = api_client.post(f"/api/agents/{agent['id']}/run",
                          json={"goal": "Hi, I am Ada.", "session_id": "web-1"})  # fmt: skip
    assert ran.status_code == 200, ran.text

    # Given the agent's Memory tab
    page.goto(f"{editor.url}/agents/{agent['id']}")
    page.get_by_role("tab", name="Memory").click()
    memory = page.get_by_role("region", name="Agent memory")

    # When a core fact is added, then edited
    facts = memory.get_by_role("form", name="Add core fact")
    facts.get_by_label("Key").fill("city")
    facts.get_by_label("Value").fill("Lisbon")
    facts.get_by_role("button", name="Add fact").click()
    value = memory.get_by_label("Value of city")
    expect(value).to_have_value("Lisbon")
    value.fill("Porto")
    memory.get_by_test_id("core-fact").get_by_role("button", name="Save").click()
    expect(memory.get_by_test_id("core-fact").get_by_role("button", name="Save")).to_be_disabled()
    assert {m["key"]: m["content"] for m in api_client.get(f"{memories}?kind=core").json()} == {
        "city": "Porto"
    }

    # And the memories are searched: the boiler comes first, found by the fused strategy
    search = memory.get_by_role("form", name="Search memories")
    search.get_by_label("Search").fill("when was the boiler serviced")
    search.get_by_role("button", name="Search").click()
    first = memory.get_by_test_id("memory-row").first
    expect(first).to_contain_text("The boiler was serviced in May.")
    expect(first).to_contain_text("fused")

    # And one is deleted
    page.once("dialog", lambda dialog: dialog.accept())
    first.get_by_role("button", name="Delete").click()
    expect(memory.get_by_text("The boiler was serviced in May.")).to_have_count(0)

    # Then the session of the run shows its window
    memory.get_by_role("button", name="web-1").click()
    window = memory.get_by_test_id("session-window")
    expect(window).to_contain_text("Hi, I am Ada.")
    expect(window).to_contain_text("Hello Ada.")


def test_memory_options_are_set_with_the_form_and_kept(
    editor: Editor,
    api_client: httpx.Client,
    fake_model: str,  # noqa: F811
) -> None:
    page = editor.page
    _add_embedding_model(api_client, fake_model)
    agent = api_client.post("/api/agents", json={"name": f"opts-{uuid.uuid4().hex[:6]}"}).json()

    # Given the agent's edit form
    page.goto(f"{editor.url}/agents/{agent['id']}")
    page.get_by_role("button", name="Edit", exact=True).click()
    form = page.get_by_role("form", name=f"Edit agent {agent['name']}")

    # When memory options are chosen with the fields, with a model name the API refuses
    form.get_by_label("Short-term backend").select_option("postgres")
    form.get_by_label("Messages kept per session").fill("8")
    form.get_by_label("Long-term backend").select_option("postgres")
    form.get_by_label("Memories recalled per run (top k)").fill("3")
    form.get_by_label("Compression").select_option("summarize")
    form.get_by_label("Rank recent memories higher (decay)").check()
    form.get_by_label("Decay half-life (days)").fill("14")
    form.get_by_label("Embedding provider").select_option(fake_model)
    model = form.get_by_label("Embedding model")
    expect(model).to_have_value("text-embedding-3-small")
    model.fill("m" * 201)
    form.get_by_role("button", name="Save agent").click()

    # Then the API's error is shown on the field it names
    model_field = form.locator("label.field").filter(has_text="Embedding model")
    expect(model_field).to_contain_text("at most 200 characters")

    # When the model is corrected and the agent saved, then reloaded
    model.fill("text-embedding-3-small")
    form.get_by_role("button", name="Save agent").click()
    expect(page.get_by_test_id("agent-summary")).to_be_visible()
    page.reload()
    page.get_by_role("button", name="Edit", exact=True).click()

    # Then the form shows what was saved, and so does the API
    expect(form.get_by_label("Short-term backend")).to_have_value("postgres")
    expect(form.get_by_label("Messages kept per session")).to_have_value("8")
    expect(form.get_by_label("Long-term backend")).to_have_value("postgres")
    expect(form.get_by_label("Memories recalled per run (top k)")).to_have_value("3")
    expect(form.get_by_label("Compression")).to_have_value("summarize")
    expect(form.get_by_label("Rank recent memories higher (decay)")).to_be_checked()
    expect(form.get_by_label("Decay half-life (days)")).to_have_value("14")
    expect(form.get_by_label("Embedding provider")).to_have_value(fake_model)
    saved = api_client.get(f"/api/agents/{agent['id']}").json()["memory_schema"]
    assert saved == {
        "short_backend": "postgres", "short_window": 8, "long_backend": "postgres", "top_k": 3,
        "compression_strategy": "summarize", "decay_enabled": True, "decay_half_life_days": 14.0,
        "embedding": {"provider": fake_model, "model": "text-embedding-3-small",
                      "dimensions": None},
    }  # fmt: skip
