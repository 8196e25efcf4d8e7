"""The ``airtable`` credential: a personal access token (or an OAuth access token)."""

from __future__ import annotations

from kyra.credentials import Bearer, ConnectionTest, CredentialField, CredentialKind

AIRTABLE = CredentialKind(
    name="airtable",
    title="Airtable",
    description="An Airtable personal access token with the data.records:read and "
    "data.records:write scopes on the bases the graph uses (airtable.com/create/tokens).",
    fields=(CredentialField("access_token", label="Personal access token", secret=True),),
    injection=Bearer("access_token"),
    base_url="https://api.airtable.com",
    test=ConnectionTest(
        "GET", "/v0/meta/whoami", account=lambda me: me.get("email") or me.get("id")
    ),
    docs_url="https://airtable.com/developers/web/api/authentication",
)
