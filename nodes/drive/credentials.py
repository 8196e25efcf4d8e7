"""The ``google_drive`` credential: a Google account connected with OAuth2 (Drive scope)."""

from __future__ import annotations

from kyra.credentials import ConnectionTest, CredentialKind, OAuth2

GOOGLE_DRIVE = CredentialKind(
    name="google_drive",
    title="Google Drive",
    description="A Google account connected with OAuth2 (press Connect): the Drive nodes list, "
    "upload and download the files it can open, and watch them for changes.",
    base_url="https://www.googleapis.com",
    oauth2=OAuth2(
        "google",
        scopes=("https://www.googleapis.com/auth/drive",),
        authorize_params={"access_type": "offline", "prompt": "consent"},
    ),
    test=ConnectionTest(
        "GET",
        "/drive/v3/about?fields=user(emailAddress)",
        account=lambda about: (about.get("user") or {}).get("emailAddress"),
    ),
    docs_url="https://developers.google.com/drive/api/guides/api-specific-auth",
)
