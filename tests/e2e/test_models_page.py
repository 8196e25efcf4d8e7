"""Journey: on Models & costs a provider is tested, edited and deleted, and a model added to it."""

from __future__ import annotations

import uuid

import httpx
import pytest
from playwright.sync_api import expect

from tests.fakes.fixtures import _openai_server  # noqa: F401
from tests.fakes.openai import FakeOpenAI

from .conftest import Editor

pytestmark = pytest.mark.e2e


def test_a_provider_is_tested_given_a_model_edited_and_deleted(
    editor: Editor,
    api_client: httpx.Client,
    _openai_server: FakeOpenAI,  # noqa: F811
) -> None:
    page = editor.page
    name = f"fake-{uuid.uuid4().hex[:6]}"
    created = api_client.post(
        "/api/llm/providers",
        json={"name": name, "kind": "openai_compatible", "base_url": _openai_server.base_url,
              "api_key": "sk-secret"},
    )  # fmt: skip
    assert created.status_code == 201
    page.goto(f"{editor.url}/models")
    row = page.locator(f'[data-testid="provider-row"][data-provider="{name}"]')

    # Test provider: it answers with the models it serves
    row.get_by_role("button", name="Test").click()
    result = page.get_by_test_id("provider-test-result")
    expect(result).to_contain_text("answered with 2 models")
    expect(result).to_contain_text("gpt-4o-mini")

    # Add model: a key of that provider with its prices
    key = f"gpt-4o-{uuid.uuid4().hex[:4]}"
    form = page.get_by_role("form", name="Add model")
    form.get_by_label("Provider").select_option(label=name)
    form.get_by_label("Model key").fill(key)
    form.get_by_label("Input $ / 1k").fill("0.25")
    form.get_by_label("Output $ / 1k").fill("1")
    form.get_by_role("button", name="Add model").click()
    model_row = page.locator(f'[data-testid="model-row"][data-model-key="{key}"]')
    expect(model_row.get_by_test_id("input-price")).to_have_text("$0.25")

    # Edit: rename it and forget its key
    row.get_by_role("button", name=f"Edit {name}").click()
    row.get_by_label(f"Name of {name}").fill(f"{name}-2")
    row.get_by_label("forget the key").check()
    row.get_by_role("button", name="Save").click()
    renamed = page.locator(f'[data-testid="provider-row"][data-provider="{name}-2"]')
    expect(renamed).to_contain_text("none")
    assert "sk-secret" not in page.content()

    # Delete: the provider and its model leave the page
    page.once("dialog", lambda d: d.accept())
    renamed.get_by_role("button", name=f"Delete {name}-2").click()
    expect(renamed).to_have_count(0)
    page.reload()
    expect(model_row).to_have_count(0)
