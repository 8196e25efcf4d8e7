"""The ``gmail`` credential: a Google account connected with OAuth2 (Gmail API scopes)."""

from __future__ import annotations

from kyra.credentials import ConnectionTest, CredentialKind, OAuth2

GMAIL = CredentialKind(
    name="gmail",
    title="Gmail",
    description="A Google account connected with OAuth2 (press Connect): the Gmail nodes read, "
    "label and send its mail.",
    base_url="https://gmail.googleapis.com",
    oauth2=OAuth2(
        "google",
        scopes=("https://www.googleapis.com/auth/gmail.modify",),
        # A refresh token is only issued with offline access, and again only on consent.
        authorize_params={"access_type": "offline", "prompt": "consent"},
    ),
    test=ConnectionTest(
        "GET", "/gmail/v1/users/me/profile", account=lambda profile: profile.get("emailAddress")
    ),
    docs_url="https://developers.google.com/gmail/api/auth/scopes",
)
