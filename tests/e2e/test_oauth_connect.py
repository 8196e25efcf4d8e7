"""Connecting an OAuth2 credential in the browser: Credentials page → the provider's consent
page (a local fake authorization server) → back through /api/oauth/callback → connected."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.conftest import ROOT
from tests.fakes.gmail import FakeGmail
from tests.fakes.oauth import CLIENT_ID, CLIENT_SECRET, FakeOAuth

from .conftest import RUN_TIMEOUT_MS, Editor

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def admin_key() -> str:
    done = subprocess.run(
        [sys.executable, "-m", "kyra.cli", "api-key", "create", "--name", "e2e-oauth"],
        cwd=ROOT, env=os.environ.copy(), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.fixture
def google(live_server: Any, admin_key: str) -> Iterator[tuple[FakeOAuth, FakeGmail]]:
    """The fake authorization server as the operator's Google client, and a fake Gmail."""
    oauth, gmail = FakeOAuth("google").start(), None
    try:
        gmail = FakeGmail(oauth).start()
        admin = {"X-API-Key": admin_key}
        body = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                "authorize_url": oauth.authorize_url, "token_url": oauth.token_url}  # fmt: skip
        configured = httpx.put(
            f"{live_server.url}/api/oauth/providers/google", json=body, headers=admin
        )
        assert configured.status_code == 200, configured.text
        yield oauth, gmail
        httpx.delete(f"{live_server.url}/api/oauth/providers/google", headers=admin)
    finally:
        if gmail is not None:
            gmail.stop()
        oauth.stop()


def test_a_gmail_credential_is_connected_through_the_provider(
    editor: Editor, google: tuple[FakeOAuth, FakeGmail], api_client: httpx.Client
) -> None:
    oauth, gmail = google
    page = editor.page
    name = f"my gmail {uuid.uuid4().hex[:6]}"

    # Given a new Gmail credential pointed at the (fake) Gmail API
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Credentials").click()
    form = page.get_by_role("form", name="New credential")
    form.get_by_label("Kind", exact=True).select_option("gmail")
    form.get_by_label("Name", exact=True).fill(name)
    form.get_by_label("Service URL", exact=True).fill(gmail.url)

    # When it is saved, the browser goes to the provider's consent page, where the user allows
    form.get_by_role("button", name="Save and connect").click()
    expect(
        page.get_by_role("heading", name="Kyra Flow wants to access your account")
    ).to_be_visible(timeout=RUN_TIMEOUT_MS)  # a page on another server: slow on a busy machine
    assert page.url.startswith(oauth.authorize_url)
    page.get_by_role("link", name="Allow").click()

    # Then it is back on the Credentials page with the credential connected
    expect(page.get_by_text("Credential connected")).to_be_visible(timeout=RUN_TIMEOUT_MS)
    assert page.url.endswith("/credentials")
    row = page.get_by_test_id("credential-row").filter(has_text=name)
    expect(row.get_by_test_id("oauth-status")).to_have_text("Connected")
    expect(row.get_by_role("button", name="Reconnect")).to_be_visible()

    # And the stored tokens work: the test request reaches Gmail as the account
    row.get_by_role("button", name="Test").click()
    expect(row.get_by_test_id("credential-test-result")).to_have_text(
        "connected to Gmail as ada@example.com"
    )
    assert len(oauth.token_requests("authorization_code")) == 1
    stored = next(c for c in api_client.get("/api/credentials").json() if c["name"] == name)
    assert stored["secrets_set"] == ["access_token", "refresh_token"]
    assert "access_token" not in str(stored["fields"])
