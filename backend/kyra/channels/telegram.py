"""Telegram bots: ``setWebhook`` with a ``secret_token``, updates checked against it and keyed
by ``update_id``; the graph answers with ``Telegram.send_message``.

Bot API calls carry the token in the URL path, so no error message here includes a URL.
"""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any

import httpx

from kyra.channels.base import ChannelAuthError, ChannelDeployer, ChannelError, Deployment, Inbound
from kyra.errors import KyraError

_log = logging.getLogger("kyra.channels.telegram")
#: Header Telegram sends with every update when the webhook has a secret_token.
SECRET_HEADER = "x-telegram-bot-api-secret-token"
#: Update kinds the bot asks for (a message, an edit, a button press).
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]


class TelegramDeployer(ChannelDeployer):
    name = "telegram"
    credential_kind = "telegram_bot"
    trigger_type = "Telegram.trigger"

    async def deploy(self, deployment: Deployment) -> dict[str, Any]:
        token = _token(deployment)
        me = await self._call(token, "getMe", {})
        await self._call(
            token,
            "setWebhook",
            {
                "url": deployment.webhook_url,
                "secret_token": deployment.secret,
                "allowed_updates": ALLOWED_UPDATES,
            },
        )
        return {
            "bot_id": (me or {}).get("id"),
            "bot_username": (me or {}).get("username"),
            "webhook_url": deployment.webhook_url,
        }

    async def undeploy(self, deployment: Deployment) -> None:
        try:
            await self._call(_token(deployment), "deleteWebhook", {})
        except ChannelError as exc:  # the deployment goes away regardless
            _log.warning("deployment %s: deleteWebhook failed: %s", deployment.id, exc)

    async def handle_update(
        self, deployment: Deployment, *, headers: dict[str, str], body: bytes
    ) -> Inbound | None:
        given = headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), deployment.secret.encode()):
            raise ChannelAuthError("missing or wrong X-Telegram-Bot-Api-Secret-Token")
        try:
            update = json.loads(body)
        except (ValueError, UnicodeDecodeError, RecursionError):
            return None
        if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
            return None
        return Inbound(trigger_of(update), f"telegram:{deployment.id}:{update['update_id']}")

    async def _call(self, token: str, method: str, payload: dict[str, Any]) -> Any:
        url = f"{self.api_base}/bot{token}/{method}"
        try:
            response = await self.http.post(url, json=payload, timeout=15.0)
            data = response.json()
        except (httpx.HTTPError, KyraError, ValueError) as exc:
            raise ChannelError(f"Telegram {method} failed ({type(exc).__name__})") from None
        if not isinstance(data, dict) or not data.get("ok"):
            description = data.get("description") if isinstance(data, dict) else None
            raise ChannelError(f"Telegram {method} refused: {description or response.status_code}")
        return data.get("result")


def trigger_of(update: dict[str, Any]) -> dict[str, Any]:
    """The run's trigger: the update plus the fields most graphs need at the top level."""
    callback = update.get("callback_query") or {}
    message = update.get("message") or update.get("edited_message") or callback.get("message")
    message = message if isinstance(message, dict) else {}
    chat = message.get("chat") or {}
    return {
        "update_id": update["update_id"],
        "chat_id": chat.get("id"),
        "text": callback.get("data") or message.get("text") or message.get("caption") or "",
        "from": callback.get("from") or message.get("from") or {},
        "message": message,
        "update": update,
    }


def _token(deployment: Deployment) -> str:
    token = str(deployment.credentials.get("token") or "")
    if not token:
        raise ChannelError("the telegram_bot credential has no token")
    return token
