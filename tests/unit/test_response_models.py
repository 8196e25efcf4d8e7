"""Every route's answer is a typed model the OpenAPI document describes, and the models write
the same JSON the API always wrote (``isoformat`` times, ``$file``, keys left out, not null)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from kyra.api.app import create_app
from kyra.api.openapi import complete_document
from kyra.api.schemas.files import FileRef
from kyra.api.schemas.memory import MemoryRead
from kyra.api.schemas.system import HealthRead
from kyra.registry import default_registry

#: Answers that are not JSON the server defines: the graph's own webhook reply.
UNTYPED = {("/hooks/{path}", code) for code in ("201", "default")}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    app = create_app()
    completed: dict[str, Any] = complete_document(app, app.openapi_schema.to_schema())
    return completed


def _success_schemas(document: dict[str, Any]) -> list[tuple[str, str, str, Any]]:
    found = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for code, response in operation["responses"].items():
                if code.startswith("2") or code == "default":
                    content = response.get("content") or {}
                    schema = content.get("application/json", {}).get("schema")
                    found.append((method, path, code, schema))
    return found


def test_every_json_answer_is_described_by_a_model(document: dict[str, Any]) -> None:
    untyped = [
        f"{method.upper()} {path} {code}"
        for method, path, code, schema in _success_schemas(document)
        if schema is not None and "$ref" not in json.dumps(schema) and (path, code) not in UNTYPED
    ]
    assert untyped == []


def test_streams_are_documented_as_what_they_send(document: dict[str, Any]) -> None:
    def content(path: str) -> dict[str, Any]:
        answer: dict[str, Any] = document["paths"][path]["get"]["responses"]["200"]["content"]
        return answer

    assert list(content("/api/runs/{run_id}/events")) == ["text/event-stream"]
    assert content("/api/files/{file_id}/content") == {
        "*/*": {"schema": {"type": "string", "format": "binary"}}
    }


def test_every_reference_in_the_document_resolves(document: dict[str, Any]) -> None:
    text = json.dumps(document)
    names = {part.split('"')[0] for part in text.split('"#/components/schemas/')[1:]}
    assert names - set(document["components"]["schemas"]) == set()


def test_a_response_model_publishes_what_it_writes(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    created_at = schemas["GraphSummary"]["properties"]["created_at"]
    assert (created_at["type"], created_at["format"]) == ("string", "date-time")
    assert schemas["GraphSummary"]["additionalProperties"] is False
    assert "$file" in schemas["FileRef"]["properties"]
    assert "processes" not in schemas["HealthRead"]["required"]


def test_times_are_written_as_isoformat_and_absent_keys_stay_absent() -> None:
    when = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    record = {"id": 1, "kind": "note", "content": "x", "importance": 0.5, "metadata": {},
              "occurred_at": when, "created_at": when}  # fmt: skip
    assert MemoryRead.model_validate(record).model_dump(mode="json") == {
        **record, "occurred_at": "2026-12-01T12:00:00+00:00",
        "created_at": "2026-12-01T12:00:00+00:00",
    }  # fmt: skip
    health = {"status": "ok", "database": "ok", "redis": "ok", "code_sandbox": "wasm"}
    assert HealthRead.model_validate(health).model_dump(mode="json") == health


def test_the_app_writes_aliases_of_response_models() -> None:
    """A file reference is ``{"$file": id, ...}`` on the wire, as nodes pass it."""
    from litestar import get
    from litestar.plugins.pydantic import PydanticInitPlugin

    ref = {"$file": str(uuid.uuid4()), "name": "a.csv", "mime": "text/csv", "size": 3}

    @get("/ref")
    async def answer() -> FileRef:
        return FileRef.of(ref)

    plugins = [p for p in create_app().plugins.init if isinstance(p, PydanticInitPlugin)]
    with TestClient(Litestar([answer], plugins=plugins)) as client:
        assert client.get("/ref").json() == ref


def test_the_node_catalogue_models_every_spec_as_it_was_served() -> None:
    from kyra.api.schemas.nodes import NodeTypeRead, ToolDefinition

    registry = default_registry()
    for spec in registry:
        served = json.loads(NodeTypeRead.of(spec).model_dump_json())
        assert served == json.loads(json.dumps(spec.as_dict())), spec.type
    for tool in registry.tool_definitions():
        served = json.loads(ToolDefinition.model_validate(tool).model_dump_json())
        assert served == json.loads(json.dumps(tool))


def test_numeric_bounds_use_json_schema_keywords(document: dict[str, Any]) -> None:
    """An optional bounded number keeps its bounds as ``minimum``/``maximum`` (pydantic names
    them ``ge``/``le`` when the number has a validator of its own)."""
    found: list[str] = []

    def walk(schema: Any, where: str) -> None:
        if isinstance(schema, dict):
            if schema.get("type") in ("integer", "number"):
                found.extend(f"{where}.{k}" for k in ("ge", "gt", "le", "lt") if k in schema)
            for key, value in schema.items():
                walk(value, f"{where}.{key}")
        elif isinstance(schema, list):
            for index, value in enumerate(schema):
                walk(value, f"{where}[{index}]")

    walk(document, "")
    assert found == []
    bounded = document["components"]["schemas"]["AgentUpdate"]["properties"]["max_iterations"]
    assert {"type": "integer", "minimum": 1, "maximum": 100} in bounded["anyOf"]


def test_free_json_fields_document_what_the_store_refuses(document: dict[str, Any]) -> None:
    """A JSON object field says, at every depth, what the server refuses (NUL in any key or
    string), so a client or a generator following the document is never refused."""
    from jsonschema import Draft202012Validator

    schema = {"$ref": "#/components/schemas/AgentUpdate", "components": document["components"]}
    validator = Draft202012Validator(schema)
    nested = {"memory_schema": {"a": [{"b": "text", "c": 1.5, "d": None}, True]}}
    assert validator.is_valid(nested)
    assert not validator.is_valid({"memory_schema": {"a": [{"b": "bad\x00"}]}})
    assert not validator.is_valid({"memory_schema": {"a": {"k\x00": 1}}})
