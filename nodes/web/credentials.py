"""The ``search_api`` credential of Web.research: a SearXNG instance or a Brave Search key."""

from __future__ import annotations

from kyra.credentials import CredentialField, CredentialKind

SEARCH_API = CredentialKind(
    name="search_api",
    title="Web search",
    description="Where Web.research searches: the base URL of a SearXNG instance, or an API "
    "key for Brave Search.",
    fields=(
        CredentialField(
            "endpoint", type="url", required=False, placeholder="https://searx.example.org"
        ),
        CredentialField("api_key", secret=True, required=False, description="Brave Search key"),
    ),
)
