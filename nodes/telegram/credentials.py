"""The ``telegram_bot`` credential: a bot token from @BotFather (it travels in the URL path)."""

from __future__ import annotations

from typing import Any

from kyra.credentials import ConnectionTest, CredentialField, CredentialKind, PathPrefix


def _refused(answer: Any) -> str | None:
    if isinstance(answer, dict) and answer.get("ok"):
        return None
    return str((answer or {}).get("description") or "Telegram refused the token")


def _bot(answer: Any) -> str | None:
    username = ((answer or {}).get("result") or {}).get("username")
    return f"@{username}" if username else None


TELEGRAM_BOT = CredentialKind(
    name="telegram_bot",
    title="Telegram bot",
    description="The token @BotFather gives a bot; used to send messages and to deploy a "
    "graph as the bot.",
    fields=(CredentialField("token", secret=True, placeholder="123456:ABC-DEF..."),),
    injection=PathPrefix("/bot{token}"),
    base_url="https://api.telegram.org",
    base_url_field="api_base",
    test=ConnectionTest("GET", "/getMe", refused=_refused, account=_bot),
    docs_url="https://core.telegram.org/bots/api#authorizing-your-bot",
)
