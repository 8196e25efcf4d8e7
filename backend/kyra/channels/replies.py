"""Answering the chat from a run's output: when a run started by a channel update succeeds and
its deployment says ``reply: output``, the deployer sends the output (or the part at
``reply_path``) back to the chat the update came from.

The reply is sent by the process that finished the run, right after the run's final state was
committed (an engine hook), so it goes out at most once; a process that dies in between loses
the reply, never the run.
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

from kyra.channels.base import Deployment
from kyra.channels.deployments import deployer_for
from kyra.channels.registry import default_channels
from kyra.crypto import decrypt_json, decrypt_text
from kyra.db.models import ChannelDeployment, Credential
from kyra.db.queries import channels as queries
from kyra.engine.services import EngineServices
from kyra.errors import KyraError
from kyra.hooks import EngineHook

_log = logging.getLogger("kyra.channels.replies")
#: ``reply`` values of a deployment's config.
REPLY_NONE, REPLY_OUTPUT = "none", "output"


def reply_text(output: Any, path: str = "") -> str | None:
    """The text to send for a run's ``output``: the value at the dotted ``path`` (list indexes
    allowed), or the whole output, whose single final node stands for itself. Text is sent as
    it is, other values as JSON; nothing (None or "") sends nothing."""
    value = output
    for key in path.split(".") if path else []:
        if isinstance(value, dict):
            value = value.get(key)
        elif isinstance(value, list) and key.isdigit() and int(key) < len(value):
            value = value[int(key)]
        else:
            return None
    if not path and isinstance(value, dict) and len(value) == 1:
        value = next(iter(value.values()))
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, indent=2, default=str)


class ChannelReplies(EngineHook):
    """Engine hook: replies to the chat of a succeeded channel run whose deployment asks so."""

    def __init__(self, services: EngineServices) -> None:
        self.services = services

    async def run_changed(self, run: dict[str, Any]) -> None:
        kind = run.get("trigger_kind") or ""
        if run.get("status") != "succeeded" or kind not in default_channels().names:
            return
        found = await self._deployment(uuid.UUID(run["graph_id"]), kind)
        if found is None:
            return
        row, credential = found
        options = (row.config or {}).get("reply") or {}
        text = reply_text(run.get("output"), str(options.get("path") or ""))
        if options.get("from") != REPLY_OUTPUT or text is None:
            return
        deployment = Deployment(
            id=row.id, graph_id=row.graph_id, webhook_url="", secret=decrypt_text(row.secret_enc),
            credentials=decrypt_json(credential.data_enc), config=row.config or {},
        )  # fmt: skip
        try:
            await deployer_for(self.services, kind).reply(
                deployment, run.get("trigger") or {}, text
            )
        except KyraError as exc:
            _log.warning("run %s: the %s reply failed: %s", run["id"], kind, exc)

    async def _deployment(
        self, graph_id: uuid.UUID, kind: str
    ) -> tuple[ChannelDeployment, Credential] | None:
        async with self.services.session_factory() as session:
            row = await queries.find_deployment(session, graph_id=graph_id, kind=kind)
            if row is None or not (row.config or {}).get("reply"):
                return None
            credential = await session.get(Credential, row.credential_id)
        return (row, credential) if credential is not None else None
