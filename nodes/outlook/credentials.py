"""The ``outlook`` credential: a Microsoft 365 / Outlook.com account connected with OAuth2
(Microsoft Graph mail scopes)."""

from __future__ import annotations

from kyra.credentials import ConnectionTest, CredentialKind, OAuth2

OUTLOOK = CredentialKind(
    name="outlook",
    title="Outlook (Microsoft 365)",
    description="A Microsoft account connected with OAuth2 (press Connect): the Outlook nodes "
    "read and send its mail through Microsoft Graph.",
    base_url="https://graph.microsoft.com/v1.0",
    oauth2=OAuth2(
        "microsoft",
        scopes=("offline_access", "User.Read", "Mail.ReadWrite", "Mail.Send"),
        authorize_params={"response_mode": "query"},
    ),
    test=ConnectionTest(
        "GET", "/me", account=lambda me: me.get("mail") or me.get("userPrincipalName")
    ),
    docs_url="https://learn.microsoft.com/en-us/graph/permissions-reference#mail-permissions",
)
