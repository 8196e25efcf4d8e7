"""Parse XML text into JSON data, refusing DTDs and entities (no XML bombs, no XXE)."""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from pydantic import BaseModel, ConfigDict, Field

from kyra.context import NodeContext
from kyra.errors import NodeError
from kyra.spec import NodeSpec, Port, PortType
from kyra_nodes.shared.items import pick, text_from


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str | None = Field(None, description="XML text; defaults to the incoming text")
    attribute_prefix: str = Field("@", description="Prefix of keys made from attributes")
    text_key: str = Field("#text", description="Key of an element's text next to other keys")
    strip_namespaces: bool = Field(True, description="Drop {namespace} from tag names")
    always_list: list[str] = Field(
        default_factory=list, description="Tags that are lists even when they occur once"
    )


SPEC = NodeSpec(
    type="XML.parse",
    title="Parse XML",
    category="Data",
    icon="tags",
    description=(
        "Parse XML text into an object: {root: {...}}, attributes as @name keys, text as "
        "#text (or the value itself when an element has only text), repeated tags as lists. "
        "DTDs and entities are refused."
    ),
    params=Params,
    inputs=[Port("in", PortType.text, description="XML text")],
    outputs=[Port("out", PortType.object)],
    pure=True,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    text = text_from(pick(params.text, inputs), field="text", what="XML text")
    try:
        root = fromstring(text, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise NodeError(
            f"XML refused: {type(exc).__name__} (DTDs and entities are not allowed)"
        ) from None
    except ParseError as exc:
        raise NodeError(f"invalid XML: {exc}") from None
    return {"out": {_tag(root, params): _convert(root, params)}}


def _tag(element: Element, params: Params) -> str:
    return _local(str(element.tag), params)


def _convert(element: Element, params: Params) -> Any:
    node: dict[str, Any] = {
        params.attribute_prefix + _local(name, params): value
        for name, value in element.attrib.items()
    }
    for child in element:
        tag = _tag(child, params)
        value = _convert(child, params)
        if tag in node:
            existing = node[tag]
            node[tag] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            node[tag] = [value] if tag in params.always_list else value
    text = (element.text or "").strip()
    if not node:
        return text or None
    if text:
        node[params.text_key] = text
    return node


def _local(name: str, params: Params) -> str:
    return name.rsplit("}", 1)[-1] if params.strip_namespaces else name
