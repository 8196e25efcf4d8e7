"""Connections to mail servers: the credential's server and security, a socket to the address
the outbound address rules checked (``ctx.connect_address``), and TLS that checks the server's
name (unless the credential accepts a self-signed certificate). The protocol clients (smtplib,
imaplib) run in a thread."""

from __future__ import annotations

import asyncio
import socket
import ssl
from dataclasses import dataclass, field
from typing import Any, Literal

from kyra.context import NodeContext, TriggerContext
from kyra.errors import CredentialError, NodeError

Security = Literal["tls", "starttls", "none"]
_SECURITIES: tuple[Security, ...] = ("tls", "starttls", "none")


@dataclass(frozen=True)
class MailServer:
    """Where and how to connect, from an ``smtp`` or ``imap`` credential."""

    host: str
    port: int
    security: Security
    username: str = ""
    password: str = field(default="", repr=False)
    allow_self_signed: bool = False

    def tls_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        if self.allow_self_signed:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context


def mail_server(kind: str, fields: dict[str, Any]) -> MailServer:
    """The server of a decrypted credential.

    Raises:
        CredentialError: no host, or a port that is not a number.
    """
    host, port = str(fields.get("host") or "").strip(), str(fields.get("port") or "").strip()
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise CredentialError(f"the {kind} credential needs a host and a port number")
    security = str(fields.get("security") or "tls")
    return MailServer(
        host=host, port=int(port),
        security=next((known for known in _SECURITIES if known == security), "tls"),
        username=str(fields.get("username") or ""), password=str(fields.get("password") or ""),
        allow_self_signed=fields.get("allow_self_signed") == "yes",
    )  # fmt: skip


async def connect(
    ctx: NodeContext | TriggerContext, server: MailServer, *, timeout: float
) -> socket.socket:
    """A socket to the address of the server that the outbound address rules checked (the
    TLS that follows still checks the server's name).

    Raises:
        NodeError: the server cannot be reached (retryable); a refused address is not.
    """
    address = await ctx.connect_address(server.host, server.port)
    try:
        return await asyncio.to_thread(
            socket.create_connection, (address, server.port), timeout=timeout
        )
    except OSError as exc:
        raise NodeError(
            f"could not connect to {server.host}:{server.port}: {exc.strerror or exc}",
            retryable=True,
        ) from None


def tls_failure(server: MailServer, exc: ssl.SSLError) -> NodeError:
    """A TLS failure: a certificate problem is not cured by trying again."""
    certificate = isinstance(exc, ssl.SSLCertVerificationError)
    hint = " (set allow_self_signed on the credential for your own server)" if certificate else ""
    reason = getattr(exc, "verify_message", None) or exc.reason or type(exc).__name__
    return NodeError(f"TLS with {server.host} failed: {reason}{hint}", retryable=not certificate)
