"""Journey: signing in with an API key, and staying signed in across reloads."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e


def test_sign_in_checks_the_key_and_survives_a_reload(page: Page, live_server: Any) -> None:
    page.goto(live_server.url)
    page.get_by_label("API key").fill("not-a-real-key")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("not accepted")

    page.get_by_label("API key").fill(live_server.api_key)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Graphs")).to_be_visible()
    assert live_server.api_key not in page.url

    page.reload()
    expect(page.get_by_role("heading", name="Graphs")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_label("API key")).to_be_visible()
