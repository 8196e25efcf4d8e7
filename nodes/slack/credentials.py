"""The ``slack`` credential: a Slack app's bot token (connected with OAuth2, or pasted) and the
app's signing secret for Slack.trigger."""

from __future__ import annotations

from typing import Any

from kyra.credentials import ConnectionTest, CredentialField, CredentialKind, OAuth2


def slack_refused(answer: Any) -> str | None:
    """Slack answers HTTP 200 with ``ok: false`` and an error code when it refuses."""
    if isinstance(answer, dict) and answer.get("ok"):
        return None
    return str((answer or {}).get("error") or "Slack refused the request")


def _workspace(answer: Any) -> str | None:
    return f"{answer.get('user')} in {answer.get('team')}" if answer.get("team") else None


SLACK = CredentialKind(
    name="slack",
    title="Slack",
    description="A Slack app installed in a workspace: press Connect, or paste its bot token. "
    "Slack.trigger also needs the app's signing secret.",
    fields=(
        CredentialField(
            "access_token",
            label="Bot token",
            secret=True,
            required=False,
            placeholder="xoxb-…",
            description="Filled by Connect, or the app's Bot User OAuth Token",
        ),
        CredentialField(
            "signing_secret",
            secret=True,
            required=False,
            description="Basic Information → App Credentials; checks Slack.trigger's requests",
        ),
    ),
    base_url="https://slack.com/api",
    oauth2=OAuth2(
        "slack",
        scopes=("chat:write", "channels:read", "groups:read", "files:write", "channels:history"),
    ),
    test=ConnectionTest("POST", "/auth.test", refused=slack_refused, account=_workspace),
    docs_url="https://api.slack.com/authentication/oauth-v2",
)
