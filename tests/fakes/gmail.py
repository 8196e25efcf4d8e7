"""A local fake of the Gmail API v1 (https://developers.google.com/gmail/api/reference/rest),
for one mailbox ``users/me``:

- ``GET /gmail/v1/users/me/profile`` → ``{emailAddress, messagesTotal, threadsTotal, historyId}``
- ``POST /gmail/v1/users/me/messages/send`` ``{raw, threadId?}`` (raw: base64url RFC 2822)
  → ``{id, threadId, labelIds: ["SENT"]}``
- ``GET /gmail/v1/users/me/messages`` ``?q&labelIds&maxResults&pageToken`` →
  ``{messages: [{id, threadId}], nextPageToken?, resultSizeEstimate}`` (newest first)
- ``GET /gmail/v1/users/me/messages/{id}`` ``?format=full|metadata|minimal|raw&metadataHeaders``
  → a Message resource with its ``payload`` MIME tree (``body.data`` base64url)
- ``POST /gmail/v1/users/me/messages/{id}/modify`` ``{addLabelIds, removeLabelIds}``
- ``GET /gmail/v1/users/me/history`` ``?startHistoryId&historyTypes&labelId&pageToken`` →
  ``{history: [{id, messages, messagesAdded: [{message}]}], historyId, nextPageToken?}``;
  404 when ``startHistoryId`` is older than the history kept

Errors are Google's ``{"error": {"code", "message", "errors": [{message, domain, reason}],
"status"}}``; a missing or dead bearer token is 401 ``UNAUTHENTICATED``. Bearer tokens are
checked with the fake authorization server (:class:`tests.fakes.oauth.FakeOAuth`).
"""

from __future__ import annotations

import base64
import email
import email.policy
import html
import itertools
import re
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from typing import Any

from tests.fakes.oauth import FakeOAuth
from tests.fakes.server import FakeServer, Recorded, Reply, Response

PREFIX = "/gmail/v1/users/me"
ADDRESS = "ada@example.com"
SYSTEM_LABELS = frozenset(
    {
        "INBOX",
        "SENT",
        "UNREAD",
        "STARRED",
        "IMPORTANT",
        "TRASH",
        "SPAM",
        "DRAFT",
        "CATEGORY_PERSONAL",
    }
)
_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}
_REASON = {
    400: "invalidArgument",
    401: "authError",
    403: "insufficientPermissions",
    404: "notFound",
    429: "rateLimitExceeded",
    500: "backendError",
    503: "backendError",
}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def google_error(status: int, message: str, *, reason: str | None = None) -> Response:
    """An error answer in Google's JSON shape."""
    detail = {"message": message, "domain": "global", "reason": reason or _REASON.get(status, "")}
    body = {
        "error": {
            "code": status,
            "message": message,
            "errors": [detail],
            "status": _STATUS.get(status, "UNKNOWN"),
        }
    }
    return Response(status, body)


@dataclass
class Stored:
    id: str
    thread_id: str
    raw: bytes
    label_ids: list[str]
    history_id: int
    internal_date: int = field(default_factory=lambda: int(time.time() * 1000))

    @property
    def mime(self) -> Message:
        return email.message_from_bytes(self.raw, policy=email.policy.default)


class FakeGmail(FakeServer):
    """One mailbox; tokens are checked with ``oauth``."""

    def __init__(self, oauth: FakeOAuth) -> None:
        super().__init__()
        self.oauth = oauth
        self.messages: dict[str, Stored] = {}
        self.history: list[tuple[int, str]] = []  # (history id, message id added)
        self._history_ids = itertools.count(1000)
        self.history_id = next(self._history_ids)
        #: History older than this is gone (``startHistoryId`` before it answers 404).
        self.oldest_history_id = self.history_id
        #: Answers given before normal handling, one per request (rate limits, outages).
        self.failures: deque[Response] = deque()
        #: Most items per page whatever maxResults asks (Gmail may return fewer).
        self.page_size = 500
        self._guard = threading.RLock()

    # --- helpers for tests -------------------------------------------------------------------

    def reset(self) -> None:
        """An empty mailbox and request log; no scripted failures."""
        super().reset()
        with self._guard:
            self.messages.clear()
            self.history.clear()
            self.failures.clear()
            self.page_size = 500
            self.oldest_history_id = self.history_id

    def deliver(
        self, *, sender: str, subject: str, text: str, labels: tuple[str, ...] = ("INBOX", "UNREAD")
    ) -> Stored:
        """A message arrives in the mailbox (as mail from outside would)."""
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = sender, ADDRESS, subject
        message["Message-ID"] = f"<{secrets.token_hex(8)}@mail.example.com>"
        message["Date"] = email.utils.formatdate()
        message.set_content(text)
        return self._store(bytes(message), list(labels), None)

    def sent(self) -> list[Stored]:
        return [m for m in self.messages.values() if "SENT" in m.label_ids]

    def calls(self, method: str, suffix: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and r.path.endswith(suffix)]

    # --- the API -----------------------------------------------------------------------------

    def respond(self, recorded: Recorded, reply: Reply) -> Response:
        token = recorded.headers.get("authorization", "").removeprefix("Bearer ")
        if not self.oauth.valid(token):
            answer = google_error(
                401, "Request had invalid authentication credentials.", reason="authError"
            )
            answer.headers["www-authenticate"] = 'Bearer realm="https://accounts.google.com/"'
            return answer
        with self._guard:
            if self.failures:
                return self.failures.popleft()
            return self._route(recorded)

    def _route(self, r: Recorded) -> Response:
        path = r.path.removeprefix(PREFIX)
        if r.method == "GET" and path == "/profile":
            return Response(
                200,
                {
                    "emailAddress": ADDRESS,
                    "messagesTotal": len(self.messages),
                    "threadsTotal": len({m.thread_id for m in self.messages.values()}),
                    "historyId": str(self.history_id),
                },
            )
        if r.method == "POST" and path == "/messages/send":
            return self._send(r.body or {})
        if r.method == "GET" and path == "/messages":
            return self._list(r)
        if r.method == "GET" and path == "/history":
            return self._history(r)
        found = re.fullmatch(r"/messages/([^/]+)(/modify)?", path)
        if found:
            stored = self.messages.get(found.group(1))
            if stored is None:
                return google_error(404, "Requested entity was not found.")
            if r.method == "POST" and found.group(2):
                return self._modify(stored, r.body or {})
            if r.method == "GET" and not found.group(2):
                return Response(200, self._resource(stored, r))
        return google_error(404, "Not Found")

    def _store(self, raw: bytes, labels: list[str], thread_id: str | None) -> Stored:
        self.history_id = next(self._history_ids)
        message_id = secrets.token_hex(8)
        stored = Stored(message_id, thread_id or message_id, raw, labels, self.history_id)
        self.messages[message_id] = stored
        self.history.append((self.history_id, message_id))
        return stored

    def _send(self, body: dict[str, Any]) -> Response:
        if not body.get("raw"):
            return google_error(
                400,
                "'raw' RFC822 payload message string or uploading message "
                "via /upload/* URL required",
            )
        try:
            raw = unb64url(str(body["raw"]))
            parsed = email.message_from_bytes(raw, policy=email.policy.default)
        except (ValueError, TypeError):
            return google_error(400, "Invalid value for ByteString")
        if not parsed.get("To") and not parsed.get("Cc") and not parsed.get("Bcc"):
            return google_error(400, "Recipient address required")
        if not parsed.get("From"):  # Gmail sends as the authenticated user
            raw = f"From: {ADDRESS}\r\n".encode() + raw
        thread = body.get("threadId")
        if thread and thread not in {m.thread_id for m in self.messages.values()}:
            return google_error(404, "Requested entity was not found.")
        stored = self._store(raw, ["SENT"], thread)
        return Response(200, {"id": stored.id, "threadId": stored.thread_id, "labelIds": ["SENT"]})

    def _list(self, r: Recorded) -> Response:
        labels = r.query_all.get("labelIds", [])
        found = [
            m
            for m in sorted(self.messages.values(), key=lambda m: -m.history_id)
            if all(label in m.label_ids for label in labels)
            and _matches(m, r.query.get("q", ""))
            and (
                r.query.get("includeSpamTrash") == "true"
                or not {"SPAM", "TRASH"} & set(m.label_ids)
            )
        ]
        size = min(int(r.query.get("maxResults") or 100), 500, self.page_size)
        start = int(r.query.get("pageToken") or 0)
        page = found[start : start + size]
        answer: dict[str, Any] = {"resultSizeEstimate": len(found)}
        if page:
            answer["messages"] = [{"id": m.id, "threadId": m.thread_id} for m in page]
        if start + size < len(found):
            answer["nextPageToken"] = str(start + size)
        return Response(200, answer)

    def _history(self, r: Recorded) -> Response:
        start = r.query.get("startHistoryId", "")
        if not start.isdigit():
            return google_error(400, "Invalid startHistoryId")
        if int(start) < self.oldest_history_id:
            return google_error(404, "Requested entity was not found.")
        label = r.query.get("labelId")
        added = [
            (hid, mid)
            for hid, mid in self.history
            if hid > int(start) and (not label or label in self.messages[mid].label_ids)
        ]
        size = min(int(r.query.get("maxResults") or 100), 500)
        offset = int(r.query.get("pageToken") or 0)
        page = added[offset : offset + size]
        answer: dict[str, Any] = {"historyId": str(self.history_id)}
        if page:
            answer["history"] = [
                {
                    "id": str(hid),
                    "messages": [self._ref(mid)],
                    "messagesAdded": [
                        {"message": self._ref(mid) | {"labelIds": self.messages[mid].label_ids}}
                    ],
                }
                for hid, mid in page
            ]
        if offset + size < len(added):
            answer["nextPageToken"] = str(offset + size)
        return Response(200, answer)

    def _ref(self, message_id: str) -> dict[str, str]:
        return {"id": message_id, "threadId": self.messages[message_id].thread_id}

    def _modify(self, stored: Stored, body: dict[str, Any]) -> Response:
        add, remove = list(body.get("addLabelIds") or []), list(body.get("removeLabelIds") or [])
        for label in add + remove:
            if label not in SYSTEM_LABELS and not re.fullmatch(r"Label_\d+", label):
                return google_error(400, f"Invalid label: {label}")
        self.history_id = next(self._history_ids)
        labels = [label for label in stored.label_ids if label not in remove]
        stored.label_ids = labels + [label for label in add if label not in labels]
        return Response(
            200, {"id": stored.id, "threadId": stored.thread_id, "labelIds": stored.label_ids}
        )

    def _resource(self, stored: Stored, r: Recorded) -> dict[str, Any]:
        fmt = r.query.get("format", "full")
        mime = stored.mime
        resource: dict[str, Any] = {
            "id": stored.id,
            "threadId": stored.thread_id,
            "labelIds": stored.label_ids,
            "snippet": html.escape(_text_of(mime)[:200].strip(), quote=True),
            "historyId": str(stored.history_id),
            "internalDate": str(stored.internal_date),
            "sizeEstimate": len(stored.raw),
        }
        if fmt == "raw":
            resource["raw"] = b64url(stored.raw)
        elif fmt == "metadata":
            wanted = {h.lower() for h in r.query_all.get("metadataHeaders", [])}
            headers = _headers(mime)
            shown = [h for h in headers if not wanted or h["name"].lower() in wanted]
            resource["payload"] = {"mimeType": mime.get_content_type(), "headers": shown}
        elif fmt == "full":
            resource["payload"] = _part(mime, "")
        return resource


def _headers(part: Message) -> list[dict[str, str]]:
    return [{"name": name, "value": str(value)} for name, value in part.items()]


def _part(part: Message, part_id: str) -> dict[str, Any]:
    node: dict[str, Any] = {
        "partId": part_id,
        "mimeType": part.get_content_type(),
        "filename": part.get_filename() or "",
        "headers": _headers(part),
    }
    if part.is_multipart():
        node["body"] = {"size": 0}
        children = part.get_payload()
        assert isinstance(children, list)
        node["parts"] = [
            _part(child, f"{part_id}.{i}".lstrip(".")) for i, child in enumerate(children)
        ]
        return node
    data = part.get_payload(decode=True)
    assert isinstance(data, bytes)
    if part.get_filename():
        node["body"] = {"attachmentId": f"att-{secrets.token_hex(6)}", "size": len(data)}
    else:
        node["body"] = {"size": len(data), "data": b64url(data)}
    return node


def _text_of(mime: Message) -> str:
    body = mime.get_body(preferencelist=("plain", "html")) if hasattr(mime, "get_body") else mime
    if body is None:
        return ""
    content = body.get_content()
    return content if isinstance(content, str) else ""


def _matches(stored: Stored, query: str) -> bool:
    """The few Gmail search operators the fake knows: from:, to:, subject:, is:unread, words."""
    mime = stored.mime
    for term in query.split():
        key, _, value = term.partition(":")
        if key == "is" and value == "unread":
            ok = "UNREAD" in stored.label_ids
        elif key in ("from", "to", "subject") and value:
            ok = value.lower() in str(mime.get(key, "")).lower()
        else:
            ok = term.lower() in (str(mime.get("Subject", "")) + _text_of(mime)).lower()
        if not ok:
            return False
    return True
