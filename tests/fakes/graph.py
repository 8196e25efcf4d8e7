"""A local fake of Microsoft Graph v1.0 mail (https://learn.microsoft.com/graph/api/resources/mail-api-overview)
for one user ``/me``:

- ``GET /v1.0/me`` → ``{id, displayName, mail, userPrincipalName}``
- ``POST /v1.0/me/messages`` (a draft: ``subject``, ``body{contentType, content}``,
  ``toRecipients``/``ccRecipients``/``bccRecipients`` of ``{emailAddress{address, name}}``) →
  201 the message
- ``POST /v1.0/me/messages/{id}/send`` → 202, no body; the draft moves to Sent Items with a new
  id (sending it again is a 404)
- ``GET /v1.0/me/mailFolders/{folder}/messages`` with ``$top``, ``$skip``, ``$select``,
  ``$filter`` (``isRead eq false``), ``$orderby`` → ``{value, @odata.nextLink?}``
- ``GET /v1.0/me/messages/{id}`` (``Prefer: outlook.body-content-type="text"`` for text bodies)

Errors are ``{"error": {"code", "message", "innerError": {...}}}``; a missing or dead token is
401 ``InvalidAuthenticationToken``; throttling is 429 with ``Retry-After``.
"""

from __future__ import annotations

import re
import secrets
import threading
import uuid
from collections import deque
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from tests.fakes.oauth import FakeOAuth
from tests.fakes.server import FakeServer, Recorded, Reply, Response

ME = {
    "id": "48d31887-5fad-4d73-a9f5-3c356e68a038",
    "displayName": "Ada Lovelace",
    "mail": "ada@contoso.example",
    "userPrincipalName": "ada@contoso.example",
}
FOLDERS = ("inbox", "drafts", "sentitems", "archive")


def graph_error(status: int, code: str, message: str) -> Response:
    inner = {
        "date": datetime.now(UTC).isoformat(),
        "request-id": str(uuid.uuid4()),
        "client-request-id": str(uuid.uuid4()),
    }
    return Response(status, {"error": {"code": code, "message": message, "innerError": inner}})


def _recipients(value: Any) -> list[dict[str, Any]] | None:
    if value is None:
        return []
    if not isinstance(value, list):
        return None
    for item in value:
        if not isinstance(item, dict) or not (item.get("emailAddress") or {}).get("address"):
            return None
    return value


class FakeGraph(FakeServer):
    """One mailbox; tokens are checked with ``oauth``."""

    def __init__(self, oauth: FakeOAuth) -> None:
        super().__init__()
        self.oauth = oauth
        self.messages: dict[str, dict[str, Any]] = {}
        self.failures: deque[Response] = deque()
        #: (path suffix, answer): the next request whose path ends so gets the answer.
        self.path_failures: list[tuple[str, Response]] = []
        #: Most messages per page whatever ``$top`` asks (Graph may return fewer).
        self.page_size = 1000
        self._guard = threading.RLock()

    def reset(self) -> None:
        super().reset()
        with self._guard:
            self.messages.clear()
            self.failures.clear()
            self.path_failures.clear()
            self.page_size = 1000

    def fail_next(self, suffix: str, answer: Response) -> None:
        """The next request whose path ends with ``suffix`` gets ``answer``."""
        with self._guard:
            self.path_failures.append((suffix, answer))

    def in_folder(self, folder: str) -> list[dict[str, Any]]:
        return [m for m in self.messages.values() if m["parentFolderId"] == folder]

    def deliver(
        self, *, sender: str, subject: str, text: str, read: bool = False
    ) -> dict[str, Any]:
        """A message arrives in the inbox."""
        message = self._message(
            {
                "subject": subject,
                "body": {"contentType": "html", "content": f"<p>{text}</p>"},
                "from": {"emailAddress": {"address": sender, "name": sender.split("@")[0]}},
                "toRecipients": [{"emailAddress": {"address": ME["mail"], "name": "Ada"}}],
            },
            folder="inbox",
        )
        message["isRead"] = read
        return message

    def _message(self, fields: dict[str, Any], *, folder: str) -> dict[str, Any]:
        now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
        message_id = "AAMk" + secrets.token_urlsafe(24)
        content = (fields.get("body") or {}).get("content", "")
        message = {
            "id": message_id,
            "createdDateTime": now,
            "lastModifiedDateTime": now,
            "receivedDateTime": now,
            "sentDateTime": None,
            "hasAttachments": False,
            "internetMessageId": f"<{secrets.token_hex(8)}@contoso.example>",
            "subject": fields.get("subject", ""),
            "bodyPreview": re.sub("<[^>]+>", "", content)[:255],
            "importance": fields.get("importance", "normal"),
            "parentFolderId": folder,
            "conversationId": "AAQk" + secrets.token_hex(12),
            "isRead": True,
            "isDraft": folder == "drafts",
            "webLink": f"https://outlook.office365.com/owa/?ItemID={message_id}",
            "body": fields.get("body") or {"contentType": "text", "content": ""},
            "from": fields.get("from")
            or {"emailAddress": {"address": ME["mail"], "name": ME["displayName"]}},
            "toRecipients": fields.get("toRecipients", []),
            "ccRecipients": fields.get("ccRecipients", []),
            "bccRecipients": fields.get("bccRecipients", []),
        }
        self.messages[message_id] = message
        return message

    # --- the API -----------------------------------------------------------------------------

    def respond(self, recorded: Recorded, reply: Reply) -> Response:
        token = recorded.headers.get("authorization", "").removeprefix("Bearer ")
        if not self.oauth.valid(token):
            return graph_error(
                401, "InvalidAuthenticationToken", "Access token has expired or is not yet valid."
            )
        with self._guard:
            if self.failures:
                return self.failures.popleft()
            for i, (suffix, answer) in enumerate(self.path_failures):
                if recorded.path.endswith(suffix):
                    del self.path_failures[i]
                    return answer
            return self._route(recorded)

    def _route(self, r: Recorded) -> Response:
        path = r.path.removeprefix("/v1.0")
        if r.method == "GET" and path == "/me":
            return Response(
                200, {"@odata.context": f"{self.url}/v1.0/$metadata#users/$entity", **ME}
            )
        if r.method == "POST" and path == "/me/messages":
            return self._draft(r.body)
        if found := re.fullmatch(r"/me/messages/([^/]+)/send", path):
            return self._send(found.group(1)) if r.method == "POST" else _not_allowed()
        if found := re.fullmatch(r"/me/mailFolders/([^/]+)/messages", path):
            return self._list(found.group(1), r) if r.method == "GET" else _not_allowed()
        if found := re.fullmatch(r"/me/messages/([^/]+)", path):
            return self._get(found.group(1), r) if r.method == "GET" else _not_allowed()
        return graph_error(400, "BadRequest", f"Resource not found for the segment '{path}'.")

    def _draft(self, body: Any) -> Response:
        if not isinstance(body, dict):
            return graph_error(400, "RequestBodyRead", "Empty Payload. JSON content expected.")
        known = {
            "subject",
            "body",
            "toRecipients",
            "ccRecipients",
            "bccRecipients",
            "importance",
            "replyTo",
        }
        if unknown := set(body) - known:
            return graph_error(
                400,
                "RequestBodyRead",
                f"The property '{sorted(unknown)[0]}' does "
                "not exist on type 'microsoft.graph.message'.",
            )
        for name in ("toRecipients", "ccRecipients", "bccRecipients"):
            if _recipients(body.get(name)) is None:
                return graph_error(
                    400, "ErrorInvalidRecipients", "At least one recipient is not valid."
                )
        content_type = (body.get("body") or {}).get("contentType", "text").lower()
        if content_type not in ("text", "html"):
            return graph_error(400, "RequestBodyRead", "Cannot convert the literal to 'bodyType'.")
        return Response(201, self._message(body, folder="drafts"))

    def _send(self, message_id: str) -> Response:
        draft = self.messages.get(message_id)
        if draft is None or not draft["isDraft"]:
            return graph_error(
                404, "ErrorItemNotFound", "The specified object was not found in the store."
            )
        if not (draft["toRecipients"] or draft["ccRecipients"] or draft["bccRecipients"]):
            return graph_error(400, "ErrorInvalidRecipients", "At least one recipient is required.")
        del self.messages[message_id]
        sent = dict(
            draft,
            parentFolderId="sentitems",
            isDraft=False,
            sentDateTime=datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        )
        sent["id"] = "AAMk" + secrets.token_urlsafe(24)
        self.messages[sent["id"]] = sent
        return Response(202, content=b"")

    def _list(self, folder: str, r: Recorded) -> Response:
        if folder.lower() not in FOLDERS:
            return graph_error(404, "ErrorInvalidIdMalformed", "Id is malformed.")
        found = sorted(
            self.in_folder(folder.lower()), key=lambda m: m["receivedDateTime"], reverse=True
        )
        if r.query.get("$filter") == "isRead eq false":
            found = [m for m in found if not m["isRead"]]
        elif r.query.get("$filter"):
            return graph_error(400, "BadRequest", "Invalid filter clause")
        top = min(int(r.query.get("$top") or 10), 1000, self.page_size)
        skip = int(r.query.get("$skip") or 0)
        select = [f for f in (r.query.get("$select") or "").split(",") if f]
        page = [
            {k: m[k] for k in ["id", *select] if k in m} if select else m
            for m in found[skip : skip + top]
        ]
        answer: dict[str, Any] = {
            "@odata.context": f"{self.url}/v1.0/$metadata#users('me')/messages",
            "value": page,
        }
        if skip + top < len(found):
            query = {k: v for k, v in r.query.items() if k != "$skip"} | {"$skip": str(skip + top)}
            answer["@odata.nextLink"] = f"{self.url}{r.path}?{urlencode(query)}"
        return Response(200, answer)

    def _get(self, message_id: str, r: Recorded) -> Response:
        message = self.messages.get(message_id)
        if message is None:
            return graph_error(
                404, "ErrorItemNotFound", "The specified object was not found in the store."
            )
        shown = dict(message)
        if 'outlook.body-content-type="text"' in r.headers.get("prefer", ""):
            text = re.sub("<[^>]+>", "", message["body"]["content"])
            shown["body"] = {"contentType": "text", "content": text}
        return Response(200, shown)


def _not_allowed() -> Response:
    return graph_error(
        405, "Request_BadRequest", "Specified HTTP method is not allowed for the request target."
    )
