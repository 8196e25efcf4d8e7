"""A local fake of the WhatsApp Business Cloud API (Meta's Graph API) for one business number,
as documented at https://developers.facebook.com/docs/whatsapp/cloud-api.

- ``Authorization: Bearer <token>``; a bad token is HTTP 401 with Graph error code 190
- ``GET /<version>/<phone number id>``: the number (``verified_name``, ``display_phone_number``)
- ``POST /<version>/<phone number id>/messages`` with ``messaging_product: whatsapp``, ``to``,
  ``type`` (``text`` with ``body``, ``template`` with ``name``, ``language.code`` and
  ``components``), optional ``context.message_id``; answers ``{messaging_product, contacts:
  [{input, wa_id}], messages: [{id: "wamid.…"}]}`` (templates add ``message_status``)
- errors as Graph errors ``{"error": {message, type, code, error_data, fbtrace_id}}``, HTTP 400
  for bad requests and for throttling (codes 130429, 131056), 5xx for Meta's own failures

and helpers that build webhook deliveries the way Meta sends them (``X-Hub-Signature-256``:
``sha256=`` HMAC-SHA256 of the raw body with the app secret).
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import secrets
import threading
import time
from collections import deque
from typing import Any

from tests.fakes.server import FakeServer, Recorded, Reply, Response

VERSION = "v23.0"
PHONE_NUMBER_ID = "106540352242922"
DISPLAY_NUMBER = "+1 555-010-0000"
ACCESS_TOKEN = "EAAG-fake-whatsapp-access-token"
APP_SECRET = "c0ffee-whatsapp-app-secret"
VERIFY_TOKEN = "kyra-verify-me"
#: Approved templates: name → (language, number of body parameters).
TEMPLATES = {"hello_world": ("en_US", 0), "order_update": ("en_US", 2)}


def graph_error(status: int, code: int, message: str, details: str = "") -> Response:
    """A Graph API error answer."""
    error: dict[str, Any] = {"message": message, "type": "OAuthException", "code": code,
                             "fbtrace_id": secrets.token_urlsafe(8)}  # fmt: skip
    if details:
        error["error_data"] = {"messaging_product": "whatsapp", "details": details}
    return Response(status, {"error": error})


def throttled() -> Response:
    """Meta's throughput limit: HTTP 400 with code 130429."""
    return graph_error(400, 130429, "(#130429) Rate limit hit",
                       "Cloud API message throughput has been reached.")  # fmt: skip


class FakeWhatsApp(FakeServer):
    """One business number; remembers every message accepted."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[dict[str, Any]] = []
        self.failures: deque[Response] = deque()
        #: Recipients a test number may write to (None: anyone).
        self.allowed: set[str] | None = None
        self._ids = itertools.count(1)
        self._guard = threading.Lock()

    @property
    def base_url(self) -> str:
        return f"{self.url}/{VERSION}"

    def reset(self) -> None:
        super().reset()
        with self._guard:
            self.sent.clear()
            self.failures.clear()
            self.allowed = None

    def respond(self, recorded: Recorded, reply: Reply) -> Response:
        if recorded.headers.get("authorization") != f"Bearer {ACCESS_TOKEN}":
            return graph_error(401, 190, "Invalid OAuth access token - Cannot parse access token")
        with self._guard:
            if self.failures:
                return self.failures.popleft()
            if (recorded.method, recorded.path) == ("GET", f"/{VERSION}/{PHONE_NUMBER_ID}"):
                return Response(200, {"verified_name": "Kyra Test", "id": PHONE_NUMBER_ID,
                                      "display_phone_number": DISPLAY_NUMBER,
                                      "quality_rating": "GREEN"})  # fmt: skip
            if (recorded.method, recorded.path) == (
                "POST",
                f"/{VERSION}/{PHONE_NUMBER_ID}/messages",
            ):
                return self._message(recorded.body if isinstance(recorded.body, dict) else {})
        return graph_error(400, 100, "Unsupported request - method type or path not found")

    def _message(self, body: dict[str, Any]) -> Response:
        if body.get("messaging_product") != "whatsapp":
            return graph_error(400, 100, "(#100) The parameter messaging_product is required.")
        to = str(body.get("to") or "")
        if not to.isdigit():
            return graph_error(400, 131009, "(#131009) Parameter value is not valid",
                               "Invalid phone number")  # fmt: skip
        if self.allowed is not None and to not in self.allowed:
            return graph_error(
                400, 131030, "(#131030) Recipient phone number not in allowed list",
                "Add recipient phone number to recipient list and try again.",
            )  # fmt: skip
        kind = body.get("type", "text")
        problem = self._text_problem(body) if kind == "text" else self._template_problem(body)
        if problem is not None:
            return problem
        message_id = f"wamid.HBgL{to}FQIAERgS{next(self._ids):08d}"
        self.sent.append({"id": message_id, **body})
        answer: dict[str, Any] = {"messaging_product": "whatsapp",
                                  "contacts": [{"input": to, "wa_id": to}],
                                  "messages": [{"id": message_id}]}  # fmt: skip
        if kind == "template":
            answer["messages"][0]["message_status"] = "accepted"
        return Response(200, answer)

    def _text_problem(self, body: dict[str, Any]) -> Response | None:
        text = body.get("text") or {}
        if not text.get("body"):
            return graph_error(400, 100, "(#100) The parameter text['body'] is required.")
        if len(text["body"]) > 4096:
            return graph_error(
                400, 100, "(#100) Param text['body'] must be at most 4096 characters long."
            )
        return None

    def _template_problem(self, body: dict[str, Any]) -> Response | None:
        template = body.get("template") or {}
        known = TEMPLATES.get(template.get("name", ""))
        language = (template.get("language") or {}).get("code")
        if known is None or known[0] != language:
            return graph_error(404, 132001, "(#132001) Template name does not exist in the "
                               "translation", f"template name ({template.get('name')}) does not "
                               f"exist in {language}")  # fmt: skip
        body_params = [p for c in template.get("components") or [] if c.get("type") == "body"
                       for p in c.get("parameters") or []]  # fmt: skip
        if len(body_params) != known[1]:
            return graph_error(400, 132000, "(#132000) Number of parameters does not match the "
                               "expected number of params")  # fmt: skip
        return None


def sign(body: bytes, secret: str = APP_SECRET) -> dict[str, str]:
    """The headers Meta sends with a webhook delivery."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"X-Hub-Signature-256": f"sha256={digest}", "Content-Type": "application/json"}


def incoming(message_id: str, text: str, *, sender: str = "4915123456789", name: str = "Ada",
             phone_number_id: str = PHONE_NUMBER_ID) -> dict[str, Any]:  # fmt: skip
    """A ``messages`` webhook delivery carrying one text message."""
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550100000", "phone_number_id": phone_number_id},
        "contacts": [{"profile": {"name": name}, "wa_id": sender}],
        "messages": [{"from": sender, "id": message_id, "timestamp": str(int(time.time())),
                      "type": "text", "text": {"body": text}}],
    }  # fmt: skip
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"value": value, "field": "messages"}]}],
    }


def status_update(message_id: str, status: str = "delivered") -> dict[str, Any]:
    """A ``messages`` webhook delivery with a status of a message the business sent."""
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550100000", "phone_number_id": PHONE_NUMBER_ID},
        "statuses": [{"id": message_id, "status": status, "timestamp": str(int(time.time())),
                      "recipient_id": "4915123456789"}],
    }  # fmt: skip
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"value": value, "field": "messages"}]}],
    }


def dumps(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload).encode()
