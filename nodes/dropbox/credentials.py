"""The ``dropbox`` credential: a Dropbox account connected with OAuth2 (or a pasted token).

Dropbox serves metadata calls from ``api.dropboxapi.com`` and file content from
``content.dropboxapi.com``: the kind declares both hosts, each with its own override field.
"""

from __future__ import annotations

from kyra.credentials import ConnectionTest, CredentialKind, OAuth2, ServiceHost

DROPBOX = CredentialKind(
    name="dropbox",
    title="Dropbox",
    description="A Dropbox account connected with OAuth2 (press Connect; the app needs the "
    "files.content.read/write, files.metadata.read and account_info.read permissions), or an "
    "access token generated in the App Console pasted (it expires after a few hours).",
    base_url="https://api.dropboxapi.com",
    hosts=(ServiceHost("content", "https://content.dropboxapi.com"),),
    oauth2=OAuth2(
        "dropbox",
        scopes=(
            "account_info.read",
            "files.metadata.read",
            "files.content.read",
            "files.content.write",
        ),
        # A refresh token is only issued for offline access.
        authorize_params={"token_access_type": "offline"},
    ),
    test=ConnectionTest(
        "POST",
        "/2/users/get_current_account",
        account=lambda account: account.get("email"),
    ),
    docs_url="https://developers.dropbox.com/oauth-guide",
)
