"""A local fake of the Dropbox API v2 (https://www.dropbox.com/developers/documentation/http/
documentation) on its two hosts, sharing one account's files.

- the API host (RPC: JSON body, ``Content-Type: application/json``):
  ``POST /2/files/list_folder`` ``{path, recursive, include_deleted, limit}`` and
  ``/2/files/list_folder/continue`` ``{cursor}`` → ``{entries, cursor, has_more}`` (entries
  tagged ``.tag`` file / folder / deleted); ``POST /2/users/get_current_account``
- the content host (the argument as JSON in ``Dropbox-API-Arg``, ASCII only):
  ``/2/files/upload`` (body: the file, ``Content-Type: application/octet-stream``) →
  FileMetadata; ``/2/files/upload_session/start`` → ``{session_id}``,
  ``/2/files/upload_session/append_v2`` ``{cursor: {session_id, offset}, close}`` → null,
  ``/2/files/upload_session/finish`` ``{cursor, commit}`` → FileMetadata;
  ``/2/files/download`` ``{path}`` → the bytes, metadata in ``Dropbox-API-Result``

Each host answers only its own routes (others are 404). Endpoint errors are 409
``{"error_summary": "path/conflict/file/..", "error": {".tag": …}}`` (``incorrect_offset``
carries ``correct_offset``, nested under ``lookup_failed`` in ``finish``); malformed calls are
400 with a text body; a bad token is 401 ``invalid_access_token``. Bearer tokens are checked with
:class:`tests.fakes.oauth.FakeOAuth` (dialect ``dropbox``). ``content_hash`` is Dropbox's: the
SHA-256 of the SHA-256s of each 4 MiB block.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import posixpath
import secrets
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from tests.fakes.oauth import FakeOAuth
from tests.fakes.server import FakeServer, Recorded, Reply, Response

BLOCK = 4 * 1024 * 1024
ACCOUNT = {"account_id": "dbid:AAH4f99T0taONIb-OurWxbNQ6ywGRopQngc",
           "name": {"display_name": "Ada Lovelace"}, "email": "ada@example.com",
           "email_verified": True, "disabled": False}  # fmt: skip
_RPC = ("/2/files/list_folder", "/2/files/list_folder/continue", "/2/users/get_current_account")
_CONTENT = ("/2/files/upload", "/2/files/upload_session/start",
            "/2/files/upload_session/append_v2", "/2/files/upload_session/finish",
            "/2/files/download")  # fmt: skip


def content_hash(data: bytes) -> str:
    blocks = b"".join(
        hashlib.sha256(data[i : i + BLOCK]).digest() for i in range(0, len(data), BLOCK)
    )
    return hashlib.sha256(blocks).hexdigest()


def endpoint_error(summary: str, error: dict[str, Any]) -> Response:
    """A 409: Dropbox's answer for an endpoint-specific error."""
    return Response(409, {"error_summary": f"{summary}/..", "error": error})


def bad_request(function: str, problem: str) -> Response:
    text = f'Error in call to API function "{function}": {problem}'
    return Response(400, content=text.encode(), headers={"content-type": "text/plain"})


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class FakeDropbox(FakeServer):
    """The API host; :attr:`content` is the content host (another port, the same account)."""

    def __init__(self, oauth: FakeOAuth) -> None:
        super().__init__()
        self.oauth = oauth
        self.content = _ContentHost(self)
        #: path_lower → metadata (``.tag`` file or folder); files' bytes in ``data``.
        self.entries: dict[str, dict[str, Any]] = {}
        self.data: dict[str, bytes] = {}
        #: Session id → {received, closed}.
        self.sessions: dict[str, dict[str, Any]] = {}
        self.cursors: dict[str, tuple[list[dict[str, Any]], int, int]] = {}
        #: The next this many listings answer an empty page that still has more.
        self.empty_pages = 0
        self.failures: list[tuple[Callable[[Recorded], bool], Response, bool]] = []
        self._revs = itertools.count(0x015F9C0000)
        self._guard = threading.RLock()

    def start(self) -> FakeDropbox:
        super().start()
        self.content.start()
        return self

    def stop(self) -> None:
        self.content.stop()
        super().stop()

    def reset(self) -> None:
        super().reset()
        self.content.reset()
        with self._guard:
            for state in (self.entries, self.data, self.sessions, self.cursors):
                state.clear()
            self.failures.clear()
            self.empty_pages = 0

    def fail(
        self, when: Callable[[Recorded], bool], answer: Response, *, after: bool = False
    ) -> None:
        """Answer the next request (either host) for which ``when`` holds with ``answer``;
        with ``after`` the request is carried out first (its answer is lost on the way)."""
        with self._guard:
            self.failures.append((when, answer, after))

    # --- helpers for tests -------------------------------------------------------------------

    def put(self, path: str, data: bytes) -> dict[str, Any]:
        """A file as if the user had saved it in Dropbox."""
        with self._guard:
            return self._write(path, data)

    def file(self, path: str) -> bytes:
        return self.data[path.lower()]

    # --- the hosts ---------------------------------------------------------------------------

    def respond(self, recorded: Recorded, reply: Reply) -> Response:
        return self._serve(recorded, _RPC, self._rpc)

    def _serve(
        self, r: Recorded, routes: tuple[str, ...], route: Callable[[Recorded], Response]
    ) -> Response:
        if r.method != "POST" or r.path not in routes:
            return Response(404, content=b"Not Found", headers={"content-type": "text/plain"})
        token = r.headers.get("authorization", "").removeprefix("Bearer ")
        if not self.oauth.valid(token):
            return Response(401, {"error_summary": "invalid_access_token/..",
                                  "error": {".tag": "invalid_access_token"}})  # fmt: skip
        with self._guard:
            for index, (when, answer, after) in enumerate(self.failures):
                if when(r):
                    del self.failures[index]
                    if after:
                        route(r)
                    return answer
            return route(r)

    def _rpc(self, r: Recorded) -> Response:
        function = r.path.removeprefix("/2/")
        if r.path == "/2/users/get_current_account":
            if r.raw not in (b"", b"null"):
                return bad_request(function, "This function takes no arguments.")
            return Response(200, ACCOUNT)
        kind = r.headers.get("content-type", "")
        if kind not in ("application/json", "application/json; charset=utf-8"):
            return bad_request(function, f'Bad HTTP "Content-Type" header: "{kind}".  Expecting '
                               'one of "application/json", "application/json; charset=utf-8", '
                               '"text/plain; charset=dropbox-cors-hack".')  # fmt: skip
        arg = r.body if isinstance(r.body, dict) else {}
        if r.path == "/2/files/list_folder":
            return self._list(arg)
        listing = self.cursors.get(str(arg.get("cursor")))
        if listing is None:
            return endpoint_error("reset", {".tag": "reset"})
        return self._page(*listing)

    def _list(self, arg: dict[str, Any]) -> Response:
        path = str(arg.get("path", "")).lower()
        if path == "/":
            return bad_request("files/list_folder", "Error in call to API function: "
                               "request body: path: Specify the root folder as an empty string "
                               'rather than as "/".')  # fmt: skip
        if path and self.entries.get(path, {}).get(".tag") != "folder":
            return endpoint_error("path/not_found", {".tag": "path", "path": {".tag": "not_found"}})
        limit = int(arg.get("limit") or 2000)
        if not 1 <= limit <= 2000:
            return bad_request("files/list_folder", "limit: value out of range")
        inside = [
            {k: v for k, v in e.items()} for key, e in sorted(self.entries.items())
            if posixpath.dirname(key) == (path or "/")
            or (arg.get("recursive") and key.startswith(f"{path}/"))
        ]  # fmt: skip
        return self._page(inside, 0, limit)

    def _page(self, listing: list[dict[str, Any]], start: int, size: int) -> Response:
        if self.empty_pages:
            self.empty_pages -= 1
            page: list[dict[str, Any]] = []
        else:
            page, start = listing[start : start + size], start + size
        cursor = secrets.token_urlsafe(24)
        self.cursors[cursor] = (listing, start, size)
        return Response(200, {"entries": page, "cursor": cursor, "has_more": start < len(listing)})

    def _content_route(self, r: Recorded) -> Response:
        function = r.path.removeprefix("/2/")
        raw = r.headers.get("dropbox-api-arg")
        if raw is None:
            return bad_request(function, 'Missing HTTP header "Dropbox-API-Arg".')
        if not raw.isascii() or "\x7f" in raw:
            return bad_request(function, 'HTTP header "Dropbox-API-Arg": could not decode input '
                               "as JSON (non-ASCII characters must be escaped)")  # fmt: skip
        try:
            arg = json.loads(raw)
        except ValueError:
            return bad_request(function, 'HTTP header "Dropbox-API-Arg": could not decode input '
                               "as JSON")  # fmt: skip
        if r.path == "/2/files/download":
            return self._download(arg, r)
        kind = r.headers.get("content-type", "")
        if kind not in ("application/octet-stream", "text/plain; charset=dropbox-cors-hack"):
            return bad_request(function, f'Bad HTTP "Content-Type" header: "{kind}".  Expecting '
                               'one of "application/octet-stream", "text/plain; '
                               'charset=dropbox-cors-hack".')  # fmt: skip
        if r.path == "/2/files/upload":
            return self._commit(arg, r.raw)
        if r.path == "/2/files/upload_session/start":
            session_id = f"AAAAAAAAA{secrets.token_urlsafe(16)}"
            self.sessions[session_id] = {"received": bytearray(r.raw),
                                         "closed": bool(arg.get("close"))}  # fmt: skip
            return Response(200, {"session_id": session_id})
        cursor = arg.get("cursor") or {}
        session = self.sessions.get(str(cursor.get("session_id")))
        finishing = r.path.endswith("/finish")
        problem = self._session_problem(session, cursor, finishing)
        if problem is not None:
            if finishing:
                summary = f"lookup_failed/{problem['.tag']}"
                return endpoint_error(summary, {".tag": "lookup_failed", "lookup_failed": problem})
            return endpoint_error(problem[".tag"], problem)
        assert session is not None
        session["received"].extend(r.raw)
        if not finishing:
            session["closed"] = bool(arg.get("close"))
            return Response(200, None)
        answer = self._commit(arg.get("commit") or {}, bytes(session["received"]))
        if answer.status == 200:
            del self.sessions[str(cursor["session_id"])]
        return answer

    @staticmethod
    def _session_problem(
        session: dict[str, Any] | None, cursor: dict[str, Any], finishing: bool
    ) -> dict[str, Any] | None:
        if session is None:
            return {".tag": "not_found"}
        held = len(session["received"])
        if cursor.get("offset") != held:
            return {".tag": "incorrect_offset", "correct_offset": held}
        if session["closed"] and not finishing:
            return {".tag": "closed"}
        return None

    def _commit(self, commit: dict[str, Any], data: bytes) -> Response:
        path = str(commit.get("path", ""))
        if not path.startswith("/") or path.endswith("/"):
            return endpoint_error(
                "path/malformed_path", {".tag": "path", "reason": {".tag": "malformed_path"}}
            )
        if path.lower() in self.entries and commit.get("mode", "add") == "add":
            if not commit.get("autorename"):
                conflict = {".tag": "path", "reason": {".tag": "conflict",
                                                       "conflict": {".tag": "file"}},
                            "upload_session_id": ""}  # fmt: skip
                return endpoint_error("path/conflict/file", conflict)
            stem, extension = posixpath.splitext(path)
            path = next(f"{stem} ({n}){extension}" for n in itertools.count(1)
                        if f"{stem} ({n}){extension}".lower() not in self.entries)  # fmt: skip
        return Response(200, self._public(self._write(path, data)))

    def _write(self, path: str, data: bytes) -> dict[str, Any]:
        parent = posixpath.dirname(path)
        while parent != "/" and parent.lower() not in self.entries:
            self.entries[parent.lower()] = {
                ".tag": "folder", "name": posixpath.basename(parent), "path_lower": parent.lower(),
                "path_display": parent, "id": f"id:{secrets.token_urlsafe(12)}",
            }  # fmt: skip
            parent = posixpath.dirname(parent)
        stamp = _stamp()
        entry = {
            ".tag": "file", "name": posixpath.basename(path), "path_lower": path.lower(),
            "path_display": path, "id": f"id:{secrets.token_urlsafe(12)}",
            "client_modified": stamp, "server_modified": stamp, "rev": f"{next(self._revs):x}",
            "size": len(data), "is_downloadable": True, "content_hash": content_hash(data),
        }  # fmt: skip
        self.entries[path.lower()] = entry
        self.data[path.lower()] = data
        return entry

    @staticmethod
    def _public(entry: dict[str, Any]) -> dict[str, Any]:
        """FileMetadata as upload answers give it (without the ``.tag``)."""
        return {k: v for k, v in entry.items() if k != ".tag"}

    def _download(self, arg: dict[str, Any], r: Recorded) -> Response:
        if r.raw:
            return bad_request("files/download", "This function takes its argument in the "
                               "Dropbox-API-Arg header and no request body.")  # fmt: skip
        wanted = str(arg.get("path", ""))
        key = next(
            (
                k
                for k, e in self.entries.items()
                if wanted.lower() == k or wanted in (e["id"], f"rev:{e.get('rev')}")
            ),
            None,
        )
        if key is None:
            return endpoint_error("path/not_found", {".tag": "path", "path": {".tag": "not_found"}})
        entry = self.entries[key]
        if entry[".tag"] != "file":
            return endpoint_error("path/not_file", {".tag": "path", "path": {".tag": "not_file"}})
        headers = {"content-type": "application/octet-stream",
                   "dropbox-api-result": json.dumps(self._public(entry))}  # fmt: skip
        return Response(200, content=self.data[key], headers=headers)


class _ContentHost(FakeServer):
    """``content.dropboxapi.com``: uploads and downloads, on the account of its API host."""

    def __init__(self, api: FakeDropbox) -> None:
        super().__init__()
        self.api = api

    def respond(self, recorded: Recorded, reply: Reply) -> Response:
        return self.api._serve(recorded, _CONTENT, self.api._content_route)
