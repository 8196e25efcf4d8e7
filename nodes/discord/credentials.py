"""The Discord credentials: a bot's token (``Authorization: Bot <token>``, REST API v10), or a
channel webhook's URL (its token is part of the URL, so the whole URL is secret)."""

from __future__ import annotations

from typing import Any

from kyra.credentials import ConnectionTest, CredentialField, CredentialKind, Header


def _bot(me: Any) -> str | None:
    return str(me.get("username")) if me.get("username") else None


DISCORD_BOT = CredentialKind(
    name="discord_bot",
    title="Discord bot",
    description="A Discord application's bot token (Developer Portal → Bot → Reset Token); the "
    "bot must be in the server with Send Messages in the channel.",
    fields=(CredentialField("token", secret=True, label="Bot token"),),
    injection=Header("token", name="Authorization", prefix="Bot "),
    base_url="https://discord.com/api/v10",
    test=ConnectionTest("GET", "/users/@me", account=_bot),
    docs_url="https://discord.com/developers/docs/reference#authentication",
)

DISCORD_WEBHOOK = CredentialKind(
    name="discord_webhook",
    title="Discord webhook",
    description="A channel webhook's URL (Channel settings → Integrations → Webhooks → Copy "
    "Webhook URL); anyone with it can post to the channel.",
    fields=(
        CredentialField(
            "webhook_url",
            label="Webhook URL",
            secret=True,
            type="url",
            placeholder="https://discord.com/api/webhooks/123/abc…",
        ),
    ),
    base_url_field="webhook_url",
    test=ConnectionTest("GET", "", account=lambda hook: hook.get("name")),
    docs_url="https://discord.com/developers/docs/resources/webhook#execute-webhook",
)
