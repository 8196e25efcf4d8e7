"""The ``smtp`` and ``imap`` credentials: a mail server's address, how the connection is
secured (implicit TLS, STARTTLS, or none on trusted networks) and the account's login."""

from __future__ import annotations

from kyra.credentials import CredentialField, CredentialKind


def _server_fields(default_port: str) -> tuple[CredentialField, ...]:
    return (
        CredentialField("host", placeholder="mail.example.org"),
        CredentialField("port", default=default_port, placeholder=default_port),
        CredentialField(
            "security",
            type="choice",
            choices=("tls", "starttls", "none"),
            default="tls",
            description="tls: encrypted from the start (ports 465, 993); starttls: upgraded "
            "after connecting (ports 587, 143); none: never encrypted (trusted networks only)",
        ),
        CredentialField("username", required=False, placeholder="ada@example.org"),
        CredentialField("password", secret=True, required=False),
        CredentialField(
            "allow_self_signed",
            type="choice",
            choices=("no", "yes"),
            default="no",
            required=False,
            description="yes: accept a certificate no public authority signed (own servers)",
        ),
    )


SMTP = CredentialKind(
    name="smtp",
    title="SMTP (send email)",
    description="An SMTP server account Email.send sends through (your provider's, or your "
    "own); an app password where the provider asks for one.",
    fields=(
        *_server_fields("465"),
        CredentialField(
            "from_address",
            required=False,
            placeholder="Ada <ada@example.org>",
            description="Default sender; the username when empty",
        ),
    ),
)

IMAP = CredentialKind(
    name="imap",
    title="IMAP (read email)",
    description="An IMAP mailbox Email.trigger watches for new messages.",
    fields=_server_fields("993"),
)
