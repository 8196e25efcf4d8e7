"""A local fake of the Google Drive API v3 (https://developers.google.com/drive/api/reference/rest/v3)
for one user's My Drive.

- ``GET /drive/v3/files`` ``?q&pageSize&pageToken&orderBy&fields`` → ``{files, nextPageToken?}``;
  ``q`` in Drive's search syntax (``'<id>' in parents``, ``name contains '…'``, ``name = '…'``,
  ``mimeType = '…'`` / ``!=``, ``trashed = true|false``, ``modifiedTime > '…'``, joined by
  ``and``, grouped in parentheses); anything else is 400 ``Invalid Value``
- ``GET /drive/v3/files/{id}`` → the File; ``?alt=media`` → its bytes (403
  ``fileNotDownloadable`` for Google Docs); ``GET …/{id}/export?mimeType`` → a Doc exported
  (403 ``fileNotExportable`` for other files)
- ``POST /drive/v3/files`` (JSON metadata) → a File without content (folders)
- ``POST /upload/drive/v3/files?uploadType=multipart``: ``multipart/related`` with exactly two
  parts, the JSON metadata (``application/json; charset=UTF-8``) first, then the media
- ``POST /upload/drive/v3/files?uploadType=resumable`` (JSON metadata, ``X-Upload-Content-Type``,
  ``X-Upload-Content-Length``) → 200 with the session URI in ``Location``; ``PUT <session>``
  with ``Content-Range: bytes a-b/total`` (``a`` is what the session holds; every chunk but the
  last a multiple of 256 KiB) → 308 with ``Range: bytes=0-b``, or the File when complete;
  ``Content-Range: bytes */total`` asks where it stands; an unknown session is 404
- ``GET /drive/v3/changes/startPageToken`` → ``{startPageToken}``; ``GET /drive/v3/changes``
  ``?pageToken&pageSize&includeRemoved`` → ``{changes: [{fileId, removed, time, file}],
  nextPageToken | newStartPageToken}`` (a file changed several times appears once)
- ``GET /drive/v3/about?fields=user(emailAddress)``

Every answer honours ``fields`` (partial responses: ``nextPageToken,files(id,name)``). Sizes
and versions are strings, as Drive's int64s are. Errors are Google's JSON shape (see
:mod:`tests.fakes.gmail`); bearer tokens are checked with :class:`tests.fakes.oauth.FakeOAuth`.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import secrets
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from tests.fakes.gmail import google_error
from tests.fakes.oauth import FakeOAuth
from tests.fakes.server import FakeServer, Recorded, Reply, Response

ROOT = "0AKyraFakeRootFolderUk9PVA"
FOLDER = "application/vnd.google-apps.folder"
DOCS = "application/vnd.google-apps."
#: Every chunk of a resumable upload but the last is a multiple of this.
UPLOAD_GRANULE = 256 * 1024
_LITERAL = r"'((?:[^'\\]|\\.)*)'"
Test = Callable[[dict[str, Any]], bool]
#: The search terms the fake understands, each building a test of a File from its match.
_TERMS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], Test]]] = [
    (re.compile(rf"^{_LITERAL} in parents$"),
     lambda m: lambda f: _parent(_unquote(m[1])) in f["parents"]),
    (re.compile(rf"^name contains {_LITERAL}$"),
     lambda m: lambda f: _unquote(m[1]).lower() in f["name"].lower()),
    (re.compile(rf"^name = {_LITERAL}$"), lambda m: lambda f: f["name"] == _unquote(m[1])),
    (re.compile(rf"^mimeType (=|!=) {_LITERAL}$"),
     lambda m: lambda f: (f["mimeType"] == _unquote(m[2])) == (m[1] == "=")),
    (re.compile(r"^trashed = (true|false)$"), lambda m: lambda f: f["trashed"] == (m[1] == "true")),
    (re.compile(rf"^modifiedTime (>|>=|<|<=) {_LITERAL}$"),
     lambda m: lambda f: _compare(f["modifiedTime"], m[1], _unquote(m[2]))),
]  # fmt: skip


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _unquote(literal: str) -> str:
    return re.sub(r"\\(.)", r"\1", literal)


def _parent(value: str) -> str:
    return ROOT if value == "root" else value


def _compare(value: str, operator: str, other: str) -> bool:
    other = other if other.endswith("Z") or "+" in other[10:] else other + "Z"
    return {">": value > other, ">=": value >= other, "<": value < other,
            "<=": value <= other}[operator]  # fmt: skip


def _outside(text: str) -> list[bool]:
    """For each character: whether it lies outside quotes and parentheses."""
    flags, depth, quoted, escaped = [], 0, False, False
    for ch in text:
        flags.append(depth == 0 and not quoted and ch not in "()'")
        if escaped:
            escaped = False
        elif quoted and ch == "\\":
            escaped = True
        elif ch == "'":
            quoted = not quoted
        elif not quoted and ch in "()":
            depth += 1 if ch == "(" else -1
    return flags


def _split(text: str, separator: str) -> list[str]:
    """``text`` split on ``separator`` outside quotes and parentheses."""
    flags, parts, start, i = _outside(text), [], 0, 0
    while i < len(text):
        if flags[i] and text.startswith(separator, i):
            parts.append(text[start:i])
            i = start = i + len(separator)
        else:
            i += 1
    return [*parts, text[start:]]


def matcher(query: str) -> Test | None:
    """A predicate for a ``q`` (None when the fake does not understand it)."""
    tests = []
    for term in (t.strip() for t in _split(query, " and ")):
        if term.startswith("(") and term.endswith(")"):  # a group (top-level "and"s are split)
            inner = matcher(term[1:-1])
        else:
            found = next(((p.match(term), build) for p, build in _TERMS if p.match(term)), None)
            inner = found[1](found[0]) if found and found[0] else None
        if inner is None:
            return None
        tests.append(inner)
    return lambda f: all(test(f) for test in tests)


def selector(fields: str) -> dict[str, Any] | None:
    """``a,b(c,d)`` as ``{"a": None, "b": {"c": None, "d": None}}`` (None: everything)."""
    if not fields or fields == "*":
        return None
    chosen: dict[str, Any] = {}
    for part in _split(fields, ","):
        part = part.strip()
        name, _, inner = part.partition("(")
        chosen[name.strip()] = selector(inner[:-1]) if inner else None
    return chosen


def partial(value: Any, chosen: dict[str, Any] | None) -> Any:
    """``value`` cut down to the ``fields`` selection, as Drive's partial responses are."""
    if chosen is None:
        return value
    if isinstance(value, list):
        return [partial(item, chosen) for item in value]
    if isinstance(value, dict):
        return {k: partial(value[k], sub) for k, sub in chosen.items() if k in value}
    return value


def drive_error(status: int, message: str, reason: str) -> Response:
    return google_error(status, message, reason=reason)


class FakeDrive(FakeServer):
    def __init__(self, oauth: FakeOAuth) -> None:
        super().__init__()
        self.oauth = oauth
        #: File id → File resource (Drive's field names) and its content.
        self.files: dict[str, dict[str, Any]] = {}
        self.contents: dict[str, bytes] = {}
        #: (change number, file id, time, removed), oldest first.
        self.changes: list[tuple[int, str, str, bool]] = []
        #: Upload id → {metadata, fields, received, size}.
        self.sessions: dict[str, dict[str, Any]] = {}
        self.failures: list[tuple[Callable[[Recorded], bool], Response, bool]] = []
        self._numbers = itertools.count(1000)
        self._guard = threading.RLock()

    def reset(self) -> None:
        super().reset()
        with self._guard:
            self.files.clear()
            self.contents.clear()
            self.changes.clear()
            self.sessions.clear()
            self.failures.clear()

    def fail(
        self, when: Callable[[Recorded], bool], answer: Response, *, after: bool = False
    ) -> None:
        """Answer the next request for which ``when`` holds with ``answer``; with ``after`` the
        request is carried out first (its answer is lost on the way back)."""
        with self._guard:
            self.failures.append((when, answer, after))

    # --- helpers for tests -------------------------------------------------------------------

    def add(
        self, name: str, content: bytes = b"", *, mime: str = "text/plain",
        parents: list[str] | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        """A file (or a folder, or a Google Doc) as if a user made it in Drive."""
        with self._guard:
            return self._create({"name": name, "mimeType": mime, "parents": parents}, content)

    def change(self, file_id: str, content: bytes | None = None, **fields: Any) -> None:
        """A user edits a file: new content and/or fields, a new version, a change recorded."""
        with self._guard:
            resource = self.files[file_id]
            resource.update(fields)
            if content is not None:
                self._set_content(resource, content)
            resource["version"] = str(int(resource["version"]) + 1)
            resource["modifiedTime"] = now()
            self._record(file_id, removed=False)

    def remove(self, file_id: str) -> None:
        with self._guard:
            del self.files[file_id]
            self._record(file_id, removed=True)

    def named(self, name: str) -> dict[str, Any]:
        return next(f for f in self.files.values() if f["name"] == name)

    # --- the endpoints -----------------------------------------------------------------------

    def respond(self, recorded: Recorded, reply: Reply) -> Response:
        token = recorded.headers.get("authorization", "").removeprefix("Bearer ")
        if not self.oauth.valid(token):
            return drive_error(401, "Request had invalid authentication credentials.", "authError")
        with self._guard:
            for index, (when, answer, after) in enumerate(self.failures):
                if when(recorded):
                    del self.failures[index]
                    if after:
                        self._route(recorded)
                    return answer
            return self._route(recorded)

    def _route(self, r: Recorded) -> Response:
        method, path = r.method, r.path
        if path == "/upload/drive/v3/files" and method == "POST":
            kind = r.query.get("uploadType")
            if kind == "multipart":
                return self._multipart(r)
            if kind == "resumable":
                return self._start_session(r)
            return drive_error(400, f"Invalid upload type: {kind}", "badRequest")
        if path == "/upload/drive/v3/files" and method == "PUT":
            return self._chunk(r)
        if path == "/drive/v3/files" and method == "GET":
            return self._list(r)
        if path == "/drive/v3/files" and method == "POST":
            created = self._create(r.body or {}, b"")
            return Response(200, partial(created, selector(r.query.get("fields", ""))))
        if path == "/drive/v3/changes/startPageToken":
            return Response(200, {"kind": "drive#startPageToken",
                                  "startPageToken": str(self._next_change())})  # fmt: skip
        if path == "/drive/v3/changes":
            return self._changes(r)
        if path == "/drive/v3/about":
            about = {
                "kind": "drive#about",
                "user": {"displayName": "Ada", "emailAddress": "ada@example.com"},
            }
            return Response(200, partial(about, selector(r.query.get("fields", ""))))
        found = re.fullmatch(r"/drive/v3/files/([^/]+)(/export)?", path)
        if found and method == "GET":
            return self._get(r, found[1], export=bool(found[2]))
        return drive_error(404, "Not Found", "notFound")

    def _create(self, metadata: dict[str, Any], content: bytes) -> dict[str, Any]:
        file_id = secrets.token_urlsafe(24)
        stamp = now()
        parents = [_parent(p) for p in metadata.get("parents") or [ROOT]]
        resource = {
            "kind": "drive#file", "id": file_id, "name": metadata.get("name") or "Untitled",
            "mimeType": metadata.get("mimeType") or "application/octet-stream",
            "parents": parents, "createdTime": stamp, "modifiedTime": stamp, "trashed": False,
            "version": "1", "webViewLink": f"https://drive.google.com/file/d/{file_id}/view",
        }  # fmt: skip
        if not resource["mimeType"].startswith(DOCS):
            self._set_content(resource, content)
        self.files[file_id] = resource
        self._record(file_id, removed=False)
        return resource

    def _set_content(self, resource: dict[str, Any], content: bytes) -> None:
        self.contents[resource["id"]] = content
        resource["size"] = str(len(content))
        resource["md5Checksum"] = hashlib.md5(content).hexdigest()

    def _record(self, file_id: str, *, removed: bool) -> None:
        self.changes.append((next(self._numbers), file_id, now(), removed))

    def _next_change(self) -> int:
        return self.changes[-1][0] + 1 if self.changes else 1000

    def _list(self, r: Recorded) -> Response:
        test = matcher(r.query.get("q", "")) if r.query.get("q") else (lambda f: True)
        if test is None:
            return drive_error(400, "Invalid Value", "invalid")
        size = int(r.query.get("pageSize") or 100)
        if not 1 <= size <= 1000:
            return drive_error(400, f"Invalid value '{size}'. Values must be within the range: "
                               "[1, 1000]", "invalid")  # fmt: skip
        found = [f for f in self.files.values() if test(f)]
        for key in reversed((r.query.get("orderBy") or "name").split(",")):
            name, _, desc = key.strip().partition(" ")
            if name in ("name", "modifiedTime", "createdTime"):
                found.sort(key=lambda f, n=name: f[n], reverse=bool(desc))  # type: ignore[misc]
            elif name == "folder":
                found.sort(key=lambda f: f["mimeType"] != FOLDER, reverse=bool(desc))
        start = int(r.query.get("pageToken") or 0)
        answer: dict[str, Any] = {"kind": "drive#fileList", "incompleteSearch": False,
                                  "files": found[start : start + size]}  # fmt: skip
        if start + size < len(found):
            answer["nextPageToken"] = str(start + size)
        return Response(200, partial(answer, selector(r.query.get("fields", ""))))

    def _get(self, r: Recorded, file_id: str, *, export: bool) -> Response:
        resource = self.files.get(file_id)
        if resource is None:
            return drive_error(404, f"File not found: {file_id}.", "notFound")
        is_doc = resource["mimeType"].startswith(DOCS) and resource["mimeType"] != FOLDER
        if export:
            if not is_doc:
                return drive_error(403, "Export only supports Docs Editors files.",
                                   "fileNotExportable")  # fmt: skip
            wanted = r.query.get("mimeType", "")
            body = f"{resource['name']} exported as {wanted}".encode()
            return Response(200, content=body, headers={"content-type": wanted})
        if r.query.get("alt") == "media":
            if is_doc or resource["mimeType"] == FOLDER:
                return drive_error(
                    403,
                    "Only files with binary content can be downloaded. Use "
                    "Export with Docs Editors files.",
                    "fileNotDownloadable",
                )
            return Response(200, content=self.contents[file_id],
                            headers={"content-type": resource["mimeType"]})  # fmt: skip
        return Response(200, partial(resource, selector(r.query.get("fields", ""))))

    def _multipart(self, r: Recorded) -> Response:
        found = re.fullmatch(r"multipart/related; ?boundary=\"?([^\";]+)\"?",
                             r.headers.get("content-type", ""))  # fmt: skip
        if not found:
            return drive_error(400, "Bad content type. Please use multipart.", "badContent")
        pieces = r.raw.split(b"--" + found[1].encode())
        if len(pieces) != 4 or pieces[0] or not pieces[3].startswith(b"--"):
            return drive_error(400, "Malformed multipart body.", "badRequest")
        parts = []
        for piece in pieces[1:3]:
            head, _, body = piece.removeprefix(b"\r\n").partition(b"\r\n\r\n")
            parts.append((head.decode().lower(), body.removesuffix(b"\r\n")))
        if parts[0][0] != "content-type: application/json; charset=utf-8":
            return drive_error(400, "Metadata part is missing or not JSON.", "badRequest")
        if not parts[1][0].startswith("content-type: "):
            return drive_error(400, "Media part has no Content-Type.", "badRequest")
        created = self._create(json.loads(parts[0][1]), parts[1][1])
        return Response(200, partial(created, selector(r.query.get("fields", ""))))

    def _start_session(self, r: Recorded) -> Response:
        upload_id = secrets.token_urlsafe(32)
        declared = r.headers.get("x-upload-content-length")
        self.sessions[upload_id] = {
            "metadata": r.body or {}, "fields": r.query.get("fields", ""),
            "size": int(declared) if declared else None, "received": bytearray(), "file": None,
        }  # fmt: skip
        location = f"{self.url}/upload/drive/v3/files?uploadType=resumable&upload_id={upload_id}"
        return Response(200, content=b"", headers={"location": location})

    def _chunk(self, r: Recorded) -> Response:
        session = self.sessions.get(r.query.get("upload_id", ""))
        if session is None:
            return drive_error(404, "Not Found", "notFound")
        done = session["file"]
        found = re.fullmatch(r"bytes (\*|(\d+)-(\d+))/(\d+|\*)", r.headers.get("content-range", ""))
        if found is None:
            return drive_error(400, "Invalid Content-Range header.", "badRequest")
        if found[1] == "*":  # where does the upload stand?
            if done is not None:
                return Response(200, partial(self.files[done], selector(session["fields"])))
            return self._incomplete(session)
        first, last, total = int(found[2]), int(found[3]), found[4]
        received: bytearray = session["received"]
        if first != len(received) or len(r.raw) != last - first + 1:
            return drive_error(400, "Invalid request. The Content-Range does not continue the "
                               "bytes received.", "badRequest")  # fmt: skip
        final = total != "*" and last + 1 == int(total)
        if not final and len(r.raw) % UPLOAD_GRANULE:
            return drive_error(400, "Invalid request. The number of bytes uploaded is required "
                               "to be equal or greater than 262144, except for the final "
                               "request (it's recommended to be the exact multiple of "
                               "262144).", "badRequest")  # fmt: skip
        received.extend(r.raw)
        if not final:
            return self._incomplete(session)
        created = self._create(session["metadata"], bytes(received))
        session["file"] = created["id"]
        return Response(200, partial(created, selector(session["fields"])))

    @staticmethod
    def _incomplete(session: dict[str, Any]) -> Response:
        held = len(session["received"])
        headers = {"range": f"bytes=0-{held - 1}"} if held else {}
        return Response(308, content=b"", headers=headers)

    def _changes(self, r: Recorded) -> Response:
        token = r.query.get("pageToken", "")
        if not token.isdigit():
            return drive_error(400, "Invalid Value", "invalid")
        size = int(r.query.get("pageSize") or 100)
        with_removed = r.query.get("includeRemoved", "true") == "true"
        latest: dict[str, tuple[int, str, str, bool]] = {}
        for change in self.changes:
            if change[0] >= int(token):
                latest.pop(change[1], None)
                latest[change[1]] = change
        listed = [c for c in latest.values() if with_removed or not c[3]]
        page = listed[:size]
        answer: dict[str, Any] = {"kind": "drive#changeList", "changes": [
            {"kind": "drive#change", "changeType": "file", "fileId": file_id, "time": time,
             "removed": removed, **({} if removed else {"file": self.files[file_id]})}
            for _, file_id, time, removed in page
        ]}  # fmt: skip
        if len(listed) > size:
            answer["nextPageToken"] = str(listed[size][0])
        else:
            answer["newStartPageToken"] = str(self._next_change())
        return Response(200, partial(answer, selector(r.query.get("fields", ""))))
