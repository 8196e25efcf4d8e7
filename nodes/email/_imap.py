"""Reading new mail from an IMAP server (RFC 3501) with imaplib, over a socket the SSRF guard
opened: the mailbox is only examined (read-only, nothing marked as seen), and messages are
found by UID after a cursor that holds while the mailbox's UIDVALIDITY does."""

from __future__ import annotations

import asyncio
import imaplib
import re
import socket
import ssl
from dataclasses import dataclass, field

from kyra.context import TriggerContext
from kyra.errors import CredentialError, NodeError
from kyra_nodes.email._connection import MailServer, connect, tls_failure

#: Seconds one IMAP command may take.
TIMEOUT_S = 60.0
_UID = re.compile(rb"UID (\d+)")
_SIZE = re.compile(rb"RFC822\.SIZE (\d+)")


@dataclass
class Found:
    """What one look at the mailbox found."""

    uidvalidity: int
    #: The highest UID the next look starts after.
    last_uid: int
    #: New messages, oldest first: (UID, size, raw bytes; only the header when too large).
    messages: list[tuple[int, int, bytes]] = field(default_factory=list)


class _ConnectedIMAP(imaplib.IMAP4):
    """imaplib on a socket that is already connected (to the address the guard checked)."""

    def __init__(self, sock: socket.socket, server: MailServer) -> None:
        self._connected, self._server = sock, server
        super().__init__(server.host, server.port, timeout=TIMEOUT_S)

    def _create_socket(self, timeout: float | None) -> socket.socket:
        if self._server.security != "tls":
            return self._connected
        context = self._server.tls_context()
        return context.wrap_socket(self._connected, server_hostname=self._server.host)


def _quoted(mailbox: str) -> str:
    return '"' + mailbox.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _number(imap: imaplib.IMAP4, code: str) -> int | None:
    _, values = imap.response(code)
    value = values[-1] if values else None
    return int(value) if isinstance(value, bytes) and value.isdigit() else None


def _look(sock: socket.socket, server: MailServer, mailbox: str, after: tuple[int, int] | None,
          limit: int, max_bytes: int) -> Found:  # fmt: skip
    imap = _ConnectedIMAP(sock, server)
    try:
        if server.security == "starttls":
            imap.starttls(ssl_context=server.tls_context())
        if server.username:
            imap.login(server.username, server.password)
        status, answer = imap.select(_quoted(mailbox), readonly=True)
        if status != "OK":
            raise NodeError(f"IMAP mailbox {mailbox!r} cannot be opened: {answer}", retryable=False)
        uidvalidity = _number(imap, "UIDVALIDITY") or 0
        if after is None or after[0] != uidvalidity:
            _, found = imap.uid("SEARCH", "ALL")
            uids = [int(u) for u in (found[0] or b"").split()]
            return Found(uidvalidity, max([(_number(imap, "UIDNEXT") or 1) - 1, *uids]))
        _, found = imap.uid("SEARCH", f"UID {after[1] + 1}:*")
        # "n:*" always matches the highest UID, even one below n.
        new = sorted(u for u in (int(x) for x in (found[0] or b"").split()) if u > after[1])
        return Found(uidvalidity, after[1], _fetch(imap, new[:limit], max_bytes))
    finally:
        try:
            imap.logout()
        except (imaplib.IMAP4.error, OSError):
            imap.shutdown()


def _fetch(imap: imaplib.IMAP4, uids: list[int], max_bytes: int) -> list[tuple[int, int, bytes]]:
    if not uids:
        return []
    _, answer = imap.uid("FETCH", ",".join(map(str, uids)), "(UID RFC822.SIZE)")
    sizes: dict[int, int] = {}
    for line in answer:
        text = line[0] if isinstance(line, tuple) else line
        uid_match, size_match = _UID.search(text or b""), _SIZE.search(text or b"")
        if uid_match and size_match:
            sizes[int(uid_match.group(1))] = int(size_match.group(1))
    messages: list[tuple[int, int, bytes]] = []
    for uid in uids:
        size = sizes.get(uid, 0)
        part = "BODY.PEEK[]" if size <= max_bytes else "BODY.PEEK[HEADER]"
        _, answer = imap.uid("FETCH", str(uid), f"({part})")
        raw = next((item[1] for item in answer if isinstance(item, tuple)), b"")
        messages.append((uid, size, raw))
    return messages


async def new_messages(
    ctx: TriggerContext, server: MailServer, mailbox: str, *, after: tuple[int, int] | None,
    limit: int, max_bytes: int,
) -> Found:  # fmt: skip
    """Messages with a UID above ``after`` = (UIDVALIDITY, UID) in ``mailbox``, at most
    ``limit``; without a cursor (or when UIDVALIDITY changed), none, and where to start.

    Raises:
        CredentialError: the server refused the login.
        NodeError: the server could not be reached or refused a command.
    """
    sock = await connect(ctx, server, timeout=TIMEOUT_S)
    try:
        return await asyncio.to_thread(_look, sock, server, mailbox, after, limit, max_bytes)
    except imaplib.IMAP4.abort as exc:
        raise NodeError(f"IMAP connection to {server.host} broke: {exc}", retryable=True) from None
    except imaplib.IMAP4.error as exc:
        text = str(exc)
        if "LOGIN" in text.upper() or "AUTHENTICATIONFAILED" in text.upper():
            raise CredentialError(f"IMAP login refused: {text}") from None
        raise NodeError(f"IMAP {server.host} refused: {text}", retryable=False) from None
    except ssl.SSLError as exc:
        raise tls_failure(server, exc) from None
    except OSError as exc:
        raise NodeError(
            f"IMAP conversation with {server.host} failed: {exc}", retryable=True
        ) from None
    finally:
        sock.close()
