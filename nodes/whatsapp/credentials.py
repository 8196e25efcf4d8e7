"""The ``whatsapp`` credential: a WhatsApp Business phone number on Meta's Cloud API (a system
user's access token and the number's id), plus the app secret and verify token that
WhatsApp.trigger checks webhooks with."""

from __future__ import annotations

from typing import Any

from kyra.credentials import Bearer, ConnectionTest, CredentialField, CredentialKind


def _number(answer: Any) -> str | None:
    shown = answer.get("display_phone_number") or answer.get("id")
    name = answer.get("verified_name")
    return f"{name} ({shown})" if name else str(shown) if shown else None


WHATSAPP = CredentialKind(
    name="whatsapp",
    title="WhatsApp Business",
    description="A WhatsApp Business phone number on the Cloud API: a (system user) access "
    "token with whatsapp_business_messaging, and the number's id. WhatsApp.trigger also needs "
    "the app secret and a verify token of your choice.",
    fields=(
        CredentialField(
            "access_token",
            secret=True,
            placeholder="EAAG…",
            description="Business settings → System users → Generate token",
        ),
        CredentialField(
            "phone_number_id",
            placeholder="106540352242922",
            description="WhatsApp → API setup → Phone number ID (not the phone number)",
        ),
        CredentialField(
            "app_secret",
            secret=True,
            required=False,
            description="App settings → Basic → App secret; checks X-Hub-Signature-256",
        ),
        CredentialField(
            "verify_token",
            secret=True,
            required=False,
            description="Any string; enter the same one as the webhook's Verify token",
        ),
    ),
    injection=Bearer("access_token"),
    base_url="https://graph.facebook.com/v23.0",
    test=ConnectionTest("GET", "/{phone_number_id}", account=_number),
    docs_url="https://developers.facebook.com/docs/whatsapp/cloud-api/get-started",
)
