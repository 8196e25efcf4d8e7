"""Build XML text from JSON data (the shape XML.parse gives)."""

from __future__ import annotations

import re
from typing import Any
from xml.etree.ElementTree import Element, SubElement, indent, tostring

from pydantic import BaseModel, ConfigDict, Field

from kyra.context import NodeContext
from kyra.errors import NodeError
from kyra.spec import NodeSpec, Port, PortType
from kyra_nodes.shared.items import pick
from kyra_nodes.shared.values import to_text

_NAME = re.compile(r"^[A-Za-z_][\w.\-:]*$")


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value: Any = Field(None, description="Object to write; defaults to the incoming value")
    root: str = Field(
        "", description="Root tag; empty needs an object with exactly one key (that key)"
    )
    attribute_prefix: str = Field("@", description="Keys with this prefix become attributes")
    text_key: str = Field("#text", description="Key whose value becomes the element's text")
    pretty: bool = Field(True, description="Indent nested elements")
    declaration: bool = Field(True, description="Start with <?xml version='1.0'?>")


SPEC = NodeSpec(
    type="XML.build",
    title="Build XML",
    category="Data",
    icon="tags",
    description=(
        "Write an object as XML text: keys become elements, @name keys attributes, #text the "
        "element's text and lists repeated elements (the reverse of XML.parse)."
    ),
    params=Params,
    inputs=[Port("in", PortType.object, description="Object to write")],
    outputs=[Port("out", PortType.text, description="XML text")],
    pure=True,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    value = pick(params.value, inputs)
    if params.root:
        tag, content = params.root, value
    elif isinstance(value, dict) and len(value) == 1:
        tag, content = next(iter(value.items()))
    else:
        raise NodeError("give root, or an object with exactly one key", details={"field": "root"})
    root = Element(_checked(tag, "root"))
    _fill(root, content, params, tag)
    if params.pretty:
        indent(root)
    text = tostring(root, encoding="unicode")
    if params.declaration:
        text = '<?xml version="1.0" encoding="UTF-8"?>\n' + text
    return {"out": text}


def _fill(element: Element, value: Any, params: Params, where: str) -> None:
    if not isinstance(value, dict):
        element.text = None if value is None else to_text(value)
        return
    for key, child in value.items():
        path = f"{where}.{key}"
        if key == params.text_key:
            element.text = to_text(child)
        elif params.attribute_prefix and key.startswith(params.attribute_prefix):
            name = key[len(params.attribute_prefix) :]
            element.set(_checked(name, path), to_text(child))
        else:
            for one in child if isinstance(child, list) else [child]:
                _fill(SubElement(element, _checked(key, path)), one, params, path)


def _checked(name: str, path: str) -> str:
    if not _NAME.match(name):
        raise NodeError(f"{path}: {name!r} is not a valid XML name", details={"field": path})
    return name
