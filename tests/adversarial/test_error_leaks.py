"""Failed nodes tell users what went wrong in their own terms: their code's frames, their
template's line, a clear message; never the server's traceback, paths or virtualenv."""

from __future__ import annotations

import logging
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import BaseModel

import kyra
from kyra.engine.services import EngineServices
from kyra.registry import Registry
from kyra.spec import NodeSpec, Port

#: Strings that only the server's own tracebacks and paths contain.
SERVER_MARKERS = (
    'File "/',
    sys.prefix,
    str(Path(kyra.__file__).parent),
    "site-packages",
    "bootstrap",
)


class _NoParams(BaseModel):
    pass


BUGGY = NodeSpec(
    type="Plugin.buggy",
    title="A third-party node with a bug",
    category="Plugins",
    description="Fail the way a plugin with a bug does.",
    params=_NoParams,
    inputs=[Port("in")],
)


@BUGGY.handler
async def _buggy(ctx: Any, params: Any, inputs: dict[str, Any]) -> dict[str, Any]:
    missing = Path(sys.prefix) / "lib" / "plugin-data.json"
    raise FileNotFoundError(2, "No such file or directory", str(missing))


@pytest.fixture
async def plugin_api(services: Any, owner: Any) -> AsyncIterator[httpx.AsyncClient]:
    """The app with one extra, buggy node type installed, as a plugin package would add it."""
    from kyra.api.app import create_app

    registry = Registry([*services.registry, BUGGY])
    with_plugin = EngineServices(
        settings=services.settings,
        registry=registry,
        session_factory=services.session_factory,
        # its own sender: closing this app's services must leave the session's one working
        dispatcher=services.dispatcher.for_queue(services.dispatcher.queue_name),
    )
    app = create_app(services.settings, services=with_plugin)
    transport = httpx.ASGITransport(app=app)
    headers = {"X-API-Key": owner.api_key}
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", headers=headers
    ) as client:
        yield client
    await with_plugin.close()


async def _failed_node(api: httpx.AsyncClient, node: dict[str, Any]) -> dict[str, Any]:
    document = {
        "schema": "kyra.graph/1",
        "name": f"leak-{uuid.uuid4().hex[:8]}",
        "nodes": [{"id": "start", "type": "Manual.trigger"}, node],
        "edges": [
            {"source": "start", "sourcePort": "out", "target": node["id"], "targetPort": "in"}
        ],
    }
    created = await api.post("/api/graphs", json=document)
    assert created.status_code == 201, created.text
    response = await api.post(
        f"/api/graphs/{created.json()['id']}/runs",
        json={"mode": "sync", "inputs": {"n": 7}},
    )
    assert response.status_code == 200, response.text
    run = response.json()
    assert run["status"] == "failed"
    failed = next(n for n in run["node_runs"] if n["node_id"] == node["id"])
    for text in (response.text, str(failed["error"])):
        for marker in SERVER_MARKERS:
            assert marker not in text, (marker, text)
    return dict(failed["error"])


async def test_a_handler_bug_gives_a_clear_message_and_logs_the_traceback(
    plugin_api: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    node = {"id": "bug", "type": "Plugin.buggy", "settings": {"retries": 0}}
    with caplog.at_level(logging.ERROR, logger="kyra.engine"):
        error = await _failed_node(plugin_api, node)
    assert error["type"] == "FileNotFoundError"
    assert error["message"].startswith("Plugin.buggy failed unexpectedly: FileNotFoundError")
    assert "plugin-data.json" in error["message"]
    assert "traceback" not in error
    logged = [r for r in caplog.records if r.exc_info and "bug" in r.getMessage()]
    assert logged, "the full traceback goes to the server log"
    assert "Plugin.buggy" in logged[0].getMessage() and "run " in logged[0].getMessage()


async def test_code_errors_keep_only_the_users_frames(api: httpx.AsyncClient) -> None:
    code = "def half(x):\n    return x['n'] / 0\n\nresult = half(data)"
    node = {"id": "code", "type": "Core.code", "params": {"code": code}}
    error = await _failed_node(api, node)
    assert "ZeroDivisionError: division by zero" in error["message"]
    assert 'File "<code>", line 2, in half' in error["message"]
    assert 'File "<code>", line 4' in error["message"]


async def test_template_errors_name_the_line_of_the_template(api: httpx.AsyncClient) -> None:
    template = "Hello\n{{ trigger.n + 'x' }}"
    node = {"id": "greet", "type": "Core.set", "params": {"values": {"text": template}}}
    error = await _failed_node(api, node)
    assert error["message"].startswith("TypeError: unsupported operand")
    assert error["details"]["line"] == 2
    assert error["details"]["template"] == template
