"""``kyra.graph/1``: nodes with typed ports, explicit edges, notes and graph settings.

Python names are snake_case; JSON keys follow DESIGN §5 (``sourcePort``) through aliases.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kyra.jsontypes import Flag, Integer, Number

SCHEMA_ID = "kyra.graph/1"
#: Node ids are used as ``nodes.<id>`` in templates, so keep them identifier-like.
NODE_ID_PATTERN = r"^[A-Za-z][A-Za-z0-9_-]{0,99}$"


class _Model(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")


class Position(_Model):
    x: float = 0
    y: float = 0


class NodeSettings(_Model):
    """Per-node execution settings; unset values fall back to the spec's defaults."""

    retries: Integer | None = Field(None, ge=0, le=20)
    retry_backoff_s: Number = Field(1.0, ge=0, le=3600)
    timeout_s: Number | None = Field(None, gt=0, le=86_400)
    #: Pause the run for a human decision before the node executes (rejected: the node fails).
    requires_approval: Flag = False
    #: Skip the node: it emits its first input unchanged on its first output (triggers refuse it).
    disabled: Flag = False


class GraphNode(_Model):
    id: str = Field(pattern=NODE_ID_PATTERN)
    type: str = Field(min_length=1, max_length=100)
    name: str | None = Field(None, max_length=200)
    params: dict[str, Any] = Field(default_factory=dict)
    position: Position | None = None
    settings: NodeSettings = Field(default_factory=NodeSettings)
    #: Credential kind → credential id of the graph's owner.
    credentials: dict[str, str] = Field(default_factory=dict)


class Edge(_Model):
    source: str
    source_port: str = Field("out", alias="sourcePort")
    target: str
    target_port: str = Field("in", alias="targetPort")


class Note(BaseModel):
    """A sticky note on the canvas; free-form beyond id and text."""

    model_config = ConfigDict(extra="allow")

    id: str = Field(max_length=100)
    text: str = Field("", max_length=20_000)


class GraphSettings(_Model):
    #: Which finished runs keep their records: all, failures only, or none.
    save_runs: Literal["all", "failures", "none"] = "all"
    #: Default hard budget in USD for runs of this graph.
    budget_usd: Number | None = Field(None, ge=0)
    on_budget_exceeded: Literal["pause", "fail"] = "pause"
    #: Webhooks refuse unsigned requests even before a secret is created (fail closed).
    require_webhook_signature: Flag = False


class EditorData(BaseModel):
    """What the editor keeps with a graph for testing it. Runs never read it: pinned outputs are
    used only by test runs started from the editor."""

    model_config = ConfigDict(extra="allow")

    #: The trigger payload of test runs started from the editor.
    test_payload: Any = None
    #: Node id → output ports served instead of running that node in editor test runs.
    pinned: dict[str, dict[str, Any]] = Field(default_factory=dict)


class GraphDocument(_Model):
    schema_: Literal["kyra.graph/1"] = Field(alias="schema")
    name: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=10_000)
    nodes: list[GraphNode] = Field(default_factory=list)
    edges: list[Edge] = Field(default_factory=list)
    notes: list[Note] = Field(default_factory=list)
    settings: GraphSettings = Field(default_factory=GraphSettings)
    editor: EditorData = Field(default_factory=EditorData)

    def node(self, node_id: str) -> GraphNode | None:
        for node in self.nodes:
            if node.id == node_id:
                return node
        return None


def is_template(value: Any) -> bool:
    """True for a string that contains Jinja2 template markers."""
    # Unrolled: called for every string parameter of every node the engine runs.
    return isinstance(value, str) and ("{{" in value or "{%" in value or "{#" in value)


def contains_template(value: Any) -> bool:
    """True when ``value`` holds a template string anywhere inside it."""
    if isinstance(value, str):
        return is_template(value)
    if isinstance(value, dict):
        return any(contains_template(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_template(v) for v in value)
    return False
