"""Handing a message to an SMTP server (RFC 5321) with smtplib, over a socket the SSRF guard
opened: implicit TLS or STARTTLS with the server's name checked, AUTH when the credential has a
username, the server's reply codes turned into node errors (4xx retryable, 5xx not)."""

from __future__ import annotations

import asyncio
import smtplib
import socket
import ssl
from email.message import EmailMessage
from typing import Any

from kyra.context import NodeContext
from kyra.errors import CredentialError, NodeError
from kyra_nodes.email._connection import MailServer, connect, tls_failure

#: Seconds one SMTP conversation step may take.
TIMEOUT_S = 60.0


class _ConnectedSMTP(smtplib.SMTP):
    """smtplib on a socket that is already connected (to the address the guard checked)."""

    def __init__(self, sock: socket.socket, server: MailServer) -> None:
        super().__init__(timeout=TIMEOUT_S)
        self._connected, self._server = sock, server
        self._host = server.host  # STARTTLS checks the certificate against it

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        if self._server.security != "tls":
            return self._connected
        context = self._server.tls_context()
        return context.wrap_socket(self._connected, server_hostname=self._server.host)


def _deliver(sock: socket.socket, server: MailServer, message: EmailMessage,
             sender: str, recipients: list[str]) -> dict[str, Any]:  # fmt: skip
    smtp = _ConnectedSMTP(sock, server)
    try:
        smtp.connect(server.host, server.port)
        smtp.ehlo()
        if server.security == "starttls":
            smtp.starttls(context=server.tls_context())
            smtp.ehlo()
        if server.username:
            smtp.login(server.username, server.password)
        refused = smtp.send_message(message, from_addr=sender, to_addrs=recipients)
    finally:
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()
    accepted = [r for r in recipients if r not in refused]
    return {"accepted": accepted, "refused": _refusals(refused)}


async def send_mail(ctx: NodeContext, server: MailServer, message: EmailMessage, *,
                    sender: str, recipients: list[str]) -> dict[str, Any]:  # fmt: skip
    """Send ``message`` to ``recipients`` (the envelope: Bcc included, never in the headers).

    Raises:
        CredentialError: the server refused the login.
        NodeError: the server refused the message, or could not be reached.
    """
    sock = await connect(ctx, server, timeout=TIMEOUT_S)
    try:
        return await asyncio.to_thread(_deliver, sock, server, message, sender, recipients)
    except smtplib.SMTPAuthenticationError as exc:
        refusal = f"SMTP login refused: {exc.smtp_code} {_text(exc.smtp_error)}"
        raise CredentialError(refusal, details=_details(exc.smtp_code, exc.smtp_error)) from None
    except smtplib.SMTPRecipientsRefused as exc:
        codes = {code for code, _ in exc.recipients.values()}
        first = next(iter(exc.recipients.values()))
        raise NodeError(f"SMTP refused every recipient: {first[0]} {_text(first[1])}",
                        details={"refused": _refusals(exc.recipients)},
                        retryable=all(400 <= c < 500 for c in codes)) from None  # fmt: skip
    except smtplib.SMTPResponseException as exc:
        raise NodeError(f"SMTP refused the message: {exc.smtp_code} {_text(exc.smtp_error)}",
                        details=_details(exc.smtp_code, exc.smtp_error),
                        retryable=400 <= exc.smtp_code < 500) from None  # fmt: skip
    except ssl.SSLError as exc:
        raise tls_failure(server, exc) from None
    except (smtplib.SMTPException, OSError) as exc:
        raise NodeError(f"SMTP conversation with {server.host} failed: {exc}",
                        retryable=True) from None  # fmt: skip
    finally:
        sock.close()


def _refusals(refused: dict[str, tuple[int, bytes]]) -> dict[str, list[Any]]:
    return {address: [code, _text(text)] for address, (code, text) in refused.items()}


def _text(value: bytes | str) -> str:
    return (value.decode(errors="replace") if isinstance(value, bytes) else value)[:500]


def _details(code: int, message: bytes | str) -> dict[str, Any]:
    return {"service": "SMTP", "status": code, "message": _text(message)}
