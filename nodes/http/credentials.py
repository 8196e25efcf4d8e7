"""The ``http_auth`` credential: bearer token, Basic or one header, for any HTTP endpoint."""

from __future__ import annotations

from kyra.credentials import Basic, Bearer, ByChoice, CredentialField, CredentialKind, Header

HTTP_AUTH = CredentialKind(
    name="http_auth",
    title="HTTP authentication",
    description="A bearer token, a username and password (Basic) or one header, sent by "
    "HTTP.request to the URL it calls (never to another origin on a redirect).",
    fields=(
        CredentialField("type", type="choice", choices=("bearer", "basic", "header")),
        CredentialField("token", secret=True, when=("type", ("bearer",))),
        CredentialField("username", when=("type", ("basic",))),
        CredentialField("password", secret=True, required=False, when=("type", ("basic",))),
        CredentialField("header_name", placeholder="X-Api-Key", when=("type", ("header",))),
        CredentialField("header_value", secret=True, when=("type", ("header",))),
    ),
    injection=ByChoice(
        "type",
        {
            "bearer": Bearer("token"),
            "basic": Basic("username", "password"),
            "header": Header("header_value", name_field="header_name"),
        },
    ),
)
