"""Structured validation of graph documents: every problem names its node, field and code.

Never raises on user input; the engine and the API both call :func:`validate_document`.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from pydantic import ValidationError

from kyra.graph.document import GraphDocument, GraphNode, contains_template, is_template
from kyra.registry import Registry
from kyra.spec import NodeSpec, Port, ports_compatible

#: Every node can route its failure to this implicit output port.
ERROR_PORT = "error"
MAX_NODES = 5_000
#: Param errors no rendered template can fix (a rendered value still leaves the key wrong).
_UNFIXABLE = frozenset({"missing", "extra_forbidden"})
MAX_BYTES = 2_000_000


@dataclass(frozen=True)
class GraphError:
    node_id: str | None
    field: str
    code: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _loc(parts: tuple[int | str, ...]) -> str:
    return ".".join(str(p) for p in parts)


def _structure_errors(raw: Any, exc: ValidationError) -> list[GraphError]:
    errors = []
    for item in exc.errors():
        loc = item["loc"]
        node_id = None
        if len(loc) >= 2 and loc[0] == "nodes" and isinstance(loc[1], int):
            try:
                node_id = raw["nodes"][loc[1]].get("id")
            except (KeyError, IndexError, TypeError, AttributeError):
                node_id = None
        code = "missing_field" if item["type"] == "missing" else "invalid_field"
        errors.append(GraphError(node_id, _loc(loc), code, item["msg"]))
    return errors


def output_ports(spec: NodeSpec, node: GraphNode) -> dict[str, Port]:
    """The node's output ports for its params, plus the implicit error port."""
    try:
        ports = {p.name: p for p in spec.output_ports(node.params)}
    except (TypeError, ValueError, KeyError, AttributeError):
        ports = {p.name: p for p in spec.outputs}
    ports.setdefault(ERROR_PORT, Port(ERROR_PORT))
    return ports


def _templated(params: Any, loc: tuple[int | str, ...]) -> bool:
    """Whether the value at ``loc`` is rendered from a template at run time.

    It is when it, or a value on the way to it, is a template string (a list holding a template
    elsewhere is not).
    """
    value = params
    for part in loc:
        if is_template(value):
            return True
        try:
            value = value[part]
        except (KeyError, IndexError, TypeError):
            return False
    return is_template(value)


def params_errors(
    spec: NodeSpec, node_id: str, params: dict[str, Any], *, registry: Registry | None = None
) -> list[GraphError]:
    """Param problems that templates cannot fix later (templated values are checked at run time).

    Params models see the registry as validation context (e.g. to check tool names), and a
    ``check_node(type, params)`` for node bodies they hold (a loop's body): both answer exactly
    what graph validation answers for a node.
    """
    context = None if registry is None else {"registry": registry, "check_node": _checker(registry)}
    try:
        spec.params.model_validate(params, context=context)
    except ValidationError as exc:
        errors = []
        for item in exc.errors():
            if item["type"] not in _UNFIXABLE and _templated(params, item["loc"]):
                continue
            code = "missing_parameter" if item["type"] == "missing" else "invalid_parameter"
            errors.append(GraphError(node_id, _loc(("params", *item["loc"])), code, item["msg"]))
        return errors
    return []


def _checker(registry: Registry) -> Callable[[str, dict[str, Any]], list[str]]:
    def check_node(type_name: str, params: dict[str, Any]) -> list[str]:
        """Problems of a node body held in params, as ``field: message`` texts."""
        spec = registry.get(type_name)
        if spec is None:
            return [f"type: unknown node type {type_name!r}"]
        if spec.trigger:
            return [f"type: {type_name} is a trigger and cannot run inside another node"]
        errors = params_errors(spec, "", params, registry=registry)
        return [f"{e.field}: {e.message}" for e in errors]

    return check_node


def _node_errors(document: GraphDocument, registry: Registry) -> list[GraphError]:
    errors: list[GraphError] = []
    seen: set[str] = set()
    for node in document.nodes:
        if node.id in seen:
            errors.append(
                GraphError(node.id, "id", "duplicate_id", f"node id {node.id!r} is used twice")
            )
            continue
        seen.add(node.id)
        spec = registry.get(node.type)
        if spec is None:
            errors.append(
                GraphError(node.id, "type", "unknown_type", f"unknown node type {node.type!r}")
            )
            continue
        if spec.trigger and node.settings.disabled:
            message = "a trigger starts the run and cannot be disabled: delete it instead"
            errors.append(GraphError(node.id, "settings.disabled", "invalid_setting", message))
        errors.extend(params_errors(spec, node.id, node.params, registry=registry))
        errors.extend(_credential_errors(node, spec))
    return errors


def _credential_errors(node: GraphNode, spec: NodeSpec) -> list[GraphError]:
    """A graph names credentials by id; a secret itself never travels in a document."""
    errors: list[GraphError] = []
    for kind, reference in node.credentials.items():
        field = f"credentials.{kind}"
        if kind not in {c.kind for c in spec.credentials}:
            message = f"{node.type} does not use credentials of kind {kind!r}"
            errors.append(GraphError(node.id, field, "unknown_credential", message))
        elif not _is_uuid(reference):
            message = "a credential is referenced by its id; store the secret as a credential"
            errors.append(GraphError(node.id, field, "credential_value", message))
    for path in _secret_params(node.params, ("params",)):
        message = "a secret in params is stored in the graph: use a credential instead"
        errors.append(GraphError(node.id, _loc(path), "credential_value", message))
    return errors


#: Parameter names that only ever hold secrets (compared lower-cased, ``-`` as ``_``).
SECRET_NAMES = frozenset(
    {"api_key", "apikey", "x_api_key", "access_token", "refresh_token", "bearer_token",
     "client_secret", "secret_key", "password", "passwd", "authorization", "private_key"}
)  # fmt: skip


def _secret_params(value: Any, path: tuple[int | str, ...]) -> list[tuple[int | str, ...]]:
    """Paths of literal strings under secret-only names (templates and empty values pass)."""
    found: list[tuple[int | str, ...]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            name = str(key).lower().replace("-", "_")
            if name in SECRET_NAMES and isinstance(item, str) and item.strip():
                if not contains_template(item):
                    found.append((*path, key))
                continue
            found += _secret_params(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _secret_params(item, (*path, index))
    return found


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except (ValueError, TypeError, AttributeError):
        return False
    return True


def _edge_errors(document: GraphDocument, registry: Registry) -> list[GraphError]:
    errors: list[GraphError] = []
    nodes = {n.id: n for n in document.nodes}
    seen: set[tuple[str, str, str, str]] = set()
    for index, edge in enumerate(document.edges):
        field = f"edges.{index}"
        key = (edge.source, edge.source_port, edge.target, edge.target_port)
        if key in seen:
            errors.append(
                GraphError(edge.target, field, "duplicate_edge", "the same edge appears twice")
            )
            continue
        seen.add(key)
        source, target = nodes.get(edge.source), nodes.get(edge.target)
        if source is None or target is None:
            missing = edge.source if source is None else edge.target
            message = f"edge refers to missing node {missing!r}"
            errors.append(GraphError(missing, field, "dangling_edge", message))
            continue
        source_spec, target_spec = registry.get(source.type), registry.get(target.type)
        if source_spec is None or target_spec is None:
            continue  # already reported as unknown_type
        out_port = output_ports(source_spec, source).get(edge.source_port)
        in_port = {p.name: p for p in target_spec.inputs}.get(edge.target_port)
        if out_port is None:
            message = f"{source.type} has no output port {edge.source_port!r}"
            errors.append(GraphError(source.id, f"{field}.sourcePort", "unknown_port", message))
        if in_port is None:
            message = f"{target.type} has no input port {edge.target_port!r}"
            errors.append(GraphError(target.id, f"{field}.targetPort", "unknown_port", message))
        if out_port and in_port and not ports_compatible(out_port.type, in_port.type):
            message = (
                f"{source.id}.{out_port.name} ({out_port.type}) cannot connect to "
                f"{target.id}.{in_port.name} ({in_port.type})"
            )
            errors.append(GraphError(target.id, field, "incompatible_ports", message))
    return errors


def _cycle_errors(document: GraphDocument) -> list[GraphError]:
    ids = {n.id for n in document.nodes}
    indegree = dict.fromkeys(ids, 0)
    successors: dict[str, list[str]] = defaultdict(list)
    for edge in document.edges:
        if edge.source in ids and edge.target in ids:
            successors[edge.source].append(edge.target)
            indegree[edge.target] += 1
    ready = deque(n for n, d in indegree.items() if d == 0)
    while ready:
        for succ in successors[ready.popleft()]:
            indegree[succ] -= 1
            if indegree[succ] == 0:
                ready.append(succ)
    blocked = sorted(n for n, d in indegree.items() if d > 0)
    if not blocked:
        return []
    message = f"the graph has a cycle through {', '.join(blocked[:10])}"
    return [GraphError(blocked[0], "edges", "cycle", message)]


def validate_document(
    raw: Any, registry: Registry, *, max_nodes: int = MAX_NODES, max_bytes: int = MAX_BYTES
) -> list[GraphError]:
    """Every problem of ``raw`` as a list (empty when the document is valid)."""
    if not isinstance(raw, dict):
        return [GraphError(None, "", "invalid_document", "a graph document must be a JSON object")]
    size = len(json.dumps(raw, default=str))
    if size > max_bytes:
        return [
            GraphError(None, "", "too_large", f"document is {size} bytes; the limit is {max_bytes}")
        ]
    nodes = raw.get("nodes")
    if isinstance(nodes, list) and len(nodes) > max_nodes:
        message = f"{len(nodes)} nodes; the limit is {max_nodes}"
        return [GraphError(None, "nodes", "too_many_nodes", message)]
    try:
        document = GraphDocument.model_validate(raw)
    except ValidationError as exc:
        return _structure_errors(raw, exc)
    errors = _node_errors(document, registry) + _edge_errors(document, registry)
    return errors + _cycle_errors(document)
