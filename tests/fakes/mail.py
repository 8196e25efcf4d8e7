"""Real mail servers for the Email nodes, started on 127.0.0.1 from PyPI packages (not fakes):
aiosmtpd (SMTP with AUTH, STARTTLS or implicit TLS) and pymap (IMAP4rev1, in-memory mailboxes,
STARTTLS), with a self-signed certificate made for the session."""

from __future__ import annotations

import datetime
import imaplib
import ipaddress
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from kyra.infra.embedded import free_port

USER, PASSWORD = "ada@example.org", "app-password-1"
#: An address the SMTP server does not know (550 at RCPT).
UNKNOWN = "nobody@example.org"


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for localhost and 127.0.0.1 and its key, written to ``folder``."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))  # fmt: skip
    return cert_path, key_path


@dataclass
class Received:
    """One message the SMTP server accepted: the envelope and the bytes."""

    mail_from: str
    rcpt_tos: list[str]
    content: bytes


class Mailroom:
    """The aiosmtpd handler: refuses unknown recipients, may answer DATA with scripted
    replies (e.g. ``451`` to test retries), keeps what it accepted."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.data_replies: deque[str] = deque()
        self._lock = threading.Lock()

    def reset(self) -> None:
        with self._lock:
            self.received.clear()
            self.data_replies.clear()

    async def handle_RCPT(self, server: Any, session: Session, envelope: Envelope,
                          address: str, options: list[str]) -> str:  # fmt: skip
        if address == UNKNOWN:
            return "550 5.1.1 <nobody@example.org>: Recipient address rejected"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        with self._lock:
            if self.data_replies:
                return self.data_replies.popleft()
            content = envelope.original_content or b""
            self.received.append(Received(str(envelope.mail_from), list(envelope.rcpt_tos),
                                          content))  # fmt: skip
        return "250 2.0.0 Ok: queued"


def _authenticate(server: Any, session: Session, envelope: Envelope, mechanism: str,
                  data: Any) -> AuthResult:  # fmt: skip
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
        USER.encode(), PASSWORD.encode())  # fmt: skip
    return AuthResult(success=ok, handled=False)


def smtp_server(mailroom: Mailroom, security: str, cert: tuple[Path, Path]) -> Controller:
    """An aiosmtpd server with AUTH: ``none`` (AUTH over plain text allowed), ``starttls``
    (required before AUTH) or ``tls`` (implicit)."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*map(str, cert))
    options: dict[str, Any] = {"none": {"auth_require_tls": False},
                               "starttls": {"tls_context": context, "require_starttls": True},
                               # aiosmtpd only counts STARTTLS as TLS for AUTH.
                               "tls": {"ssl_context": context, "auth_require_tls": False},
                               }[security]  # fmt: skip
    controller = Controller(mailroom, hostname="127.0.0.1", port=free_port(),
                            authenticator=_authenticate, server_hostname="localhost",
                            **options)  # fmt: skip
    controller.start()
    return controller


class ImapServer:
    """pymap's in-memory IMAP server (one user) in a child process, with STARTTLS."""

    def __init__(self, cert: tuple[Path, Path]) -> None:
        self.port = free_port()
        self._proc = subprocess.Popen(
            [sys.executable, "-c", "from pymap.main import main; main()",
             "--host", "127.0.0.1", "--port", str(self.port),
             "--cert", str(cert[0]), "--key", str(cert[1]),
             "dict", "--demo-data", "--demo-user", USER, "--demo-password", PASSWORD],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if self._proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("pymap did not start") from None
                time.sleep(0.1)

    def deliver(self, raw: bytes, mailbox: str = "INBOX") -> int:
        """Put a message in ``mailbox`` (IMAP APPEND, as a delivery would); its UID."""
        imap = imaplib.IMAP4("127.0.0.1", self.port)
        try:
            imap.login(USER, PASSWORD)
            _, answer = imap.append(mailbox, None, None, raw)
        finally:
            imap.logout()
        # "[APPENDUID <uidvalidity> <uid>] APPEND completed."
        return int(answer[0].split(b"]")[0].split()[-1])

    def stop(self) -> None:
        self._proc.terminate()
        try:
            self._proc.wait(10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
