"""Pick values out of an HTML page with CSS selectors."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from selectolax.lexbor import LexborHTMLParser, LexborNode, SelectolaxError

from kyra.context import NodeContext
from kyra.errors import NodeError
from kyra.spec import NodeSpec, Port, PortType
from kyra_nodes.shared.items import pick, response_body, text_from


class Extraction(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(min_length=1, description="Output key")
    selector: str = Field(min_length=1, description="CSS selector, e.g. article h2 > a")
    returns: Literal["text", "html", "attribute"] = Field("text", description="What to take")
    attribute: str = Field("", description="Attribute name for returns=attribute, e.g. href")
    all: bool = Field(False, description="A list of every match instead of the first match")

    @model_validator(mode="after")
    def _attribute_named(self) -> Extraction:
        if self.returns == "attribute" and not self.attribute:
            raise ValueError("returns=attribute needs attribute")
        return self


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    html: str | None = Field(
        None, description="HTML text; defaults to the incoming text or HTTP response body"
    )
    extractions: list[Extraction] = Field(min_length=1, description="Values to extract")
    trim: bool = Field(True, description="Collapse whitespace in extracted text")


SPEC = NodeSpec(
    type="HTML.extract",
    title="Extract from HTML",
    category="Data",
    icon="html",
    description=(
        "Extract values from an HTML page with CSS selectors (text, inner HTML or an attribute "
        "such as href; the first match or all matches) and output them as one object."
    ),
    params=Params,
    inputs=[Port("in", description="HTML text, or an HTTP.request output")],
    outputs=[Port("out", PortType.object, description="{key: value} per extraction")],
    pure=True,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    html = response_body(pick(params.html, inputs))
    page = LexborHTMLParser(text_from(html, field="html", what="HTML text"))
    out: dict[str, Any] = {}
    for position, extraction in enumerate(params.extractions):
        try:
            matches = page.css(extraction.selector)
        except (SelectolaxError, ValueError) as exc:
            raise NodeError(
                f"extractions[{position}].selector: invalid CSS selector ({exc})",
                details={"field": f"extractions.{position}.selector"},
            ) from None
        values = [_value(node, extraction, params.trim) for node in matches]
        out[extraction.key] = values if extraction.all else (values[0] if values else None)
    return {"out": out}


def _value(node: LexborNode, extraction: Extraction, trim: bool) -> str | None:
    if extraction.returns == "attribute":
        return node.attributes.get(extraction.attribute)
    if extraction.returns == "html":
        return node.inner_html
    text = node.text(deep=True, separator=" " if trim else "")
    return " ".join(text.split()) if trim else text
