"""The ``google_sheets`` credential: a Google account connected with OAuth2 (Sheets scope)."""

from __future__ import annotations

from kyra.credentials import CredentialKind, OAuth2

GOOGLE_SHEETS = CredentialKind(
    name="google_sheets",
    title="Google Sheets",
    description="A Google account connected with OAuth2 (press Connect): the Sheets nodes read "
    "and write the spreadsheets it can open.",
    base_url="https://sheets.googleapis.com",
    oauth2=OAuth2(
        "google",
        scopes=("https://www.googleapis.com/auth/spreadsheets",),
        authorize_params={"access_type": "offline", "prompt": "consent"},
    ),
    docs_url="https://developers.google.com/sheets/api/guides/authorizing",
)
