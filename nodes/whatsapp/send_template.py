"""Send an approved message template from a WhatsApp Business number (Cloud API ``messages``,
type template), e.g. to start a conversation."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field

from kyra.context import NodeContext
from kyra.spec import CredentialRef, NodeSpec, Port, PortType
from kyra_nodes.whatsapp._whatsapp import Recipient, send_message


class Params(Recipient):
    model_config = ConfigDict(extra="forbid")

    template: str = Field(
        min_length=1, max_length=512, description="Template name, e.g. hello_world"
    )
    language: str = Field("en_US", min_length=2, max_length=15, description="Language code")
    body_parameters: list[str] = Field(
        default_factory=list, description="Values of the body's {{1}}, {{2}} … in order"
    )
    header_parameters: list[str] = Field(
        default_factory=list, description="Values of a text header's variables"
    )
    components: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Components as the Cloud API takes them (buttons, media headers); "
        "used as given after the body and header parameters",
    )


SPEC = NodeSpec(
    type="WhatsApp.send_template",
    title="WhatsApp: send template",
    category="Communication",
    icon="chat",
    description="Send an approved WhatsApp message template (with its variables filled in) to a "
    "phone number, e.g. to start a conversation; sends for real, once per run.",
    params=Params,
    inputs=[Port("in")],
    outputs=[Port("out", PortType.object, description="{message_id, to, wa_id, status}")],
    credentials=[CredentialRef("whatsapp")],
    retries=2,
    timeout_s=60,
)


def _text(values: list[str]) -> list[dict[str, str]]:
    return [{"type": "text", "text": value} for value in values]


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    components: list[dict[str, Any]] = []
    if params.header_parameters:
        components.append({"type": "header", "parameters": _text(params.header_parameters)})
    if params.body_parameters:
        components.append({"type": "body", "parameters": _text(params.body_parameters)})
    content: dict[str, Any] = {"name": params.template, "language": {"code": params.language}}
    if components or params.components:
        content["components"] = [*components, *params.components]
    return {"out": await send_message(ctx, params, "template", content)}
