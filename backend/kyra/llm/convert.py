"""OpenAI ⇄ Anthropic conversion of messages, tools, tool choice and responses, both ways.

OpenAI keeps system prompts, tool calls and tool results as messages; Anthropic keeps the system
prompt apart, tool calls as ``tool_use`` blocks of the assistant and tool results as
``tool_result`` blocks of a user turn. Consecutive turns of one role are merged for Anthropic.
"""

from __future__ import annotations

import json
from typing import Any

from kyra.context.llm import ChatMessage, ChatResponse, FinishReason, FunctionCall, ToolCall, Usage

#: Anthropic ``stop_reason`` → OpenAI ``finish_reason``.
STOP_TO_FINISH: dict[str, FinishReason] = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "pause_turn": "stop",
    "max_tokens": "length",
    "tool_use": "tool_calls",
    "refusal": "content_filter",
}
FINISH_TO_STOP: dict[str, str] = {
    "stop": "end_turn",
    "length": "max_tokens",
    "tool_calls": "tool_use",
    "content_filter": "refusal",
}

Block = dict[str, Any]


# --- messages: OpenAI → Anthropic -------------------------------------------------------------


def messages_to_anthropic(messages: list[ChatMessage]) -> tuple[str | None, list[dict[str, Any]]]:
    """Split off the system prompt and turn the rest into Anthropic turns of content blocks."""
    system = [m.text for m in messages if m.role == "system"]
    turns: list[dict[str, Any]] = []
    for message in messages:
        if message.role == "system":
            continue
        role = "assistant" if message.role == "assistant" else "user"
        blocks = _blocks_of(message)
        if turns and turns[-1]["role"] == role:
            turns[-1]["content"].extend(blocks)
        else:
            turns.append({"role": role, "content": blocks})
    return ("\n\n".join(system) if system else None), turns


def _blocks_of(message: ChatMessage) -> list[Block]:
    if message.role == "tool":
        return [
            {"type": "tool_result", "tool_use_id": message.tool_call_id, "content": message.text}
        ]
    blocks = _content_blocks(message.content)
    for call in message.tool_calls or []:
        blocks.append(
            {
                "type": "tool_use",
                "id": call.id,
                "name": call.function.name,
                "input": call.function.parsed_arguments(),
            }
        )
    return blocks


def _content_blocks(content: str | list[dict[str, Any]] | None) -> list[Block]:
    if content is None or content == "":
        return []
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    blocks: list[Block] = []
    for part in content:
        if part.get("type") == "text":
            blocks.append({"type": "text", "text": part.get("text", "")})
        elif part.get("type") == "image_url":
            blocks.append(_image_block(part["image_url"]["url"]))
    return blocks


def _image_block(url: str) -> Block:
    if url.startswith("data:") and ";base64," in url:
        header, data = url[5:].split(";base64,", 1)
        return {"type": "image", "source": {"type": "base64", "media_type": header, "data": data}}
    return {"type": "image", "source": {"type": "url", "url": url}}


# --- messages: Anthropic → OpenAI -------------------------------------------------------------


def messages_from_anthropic(
    system: str | list[Block] | None, turns: list[dict[str, Any]]
) -> list[ChatMessage]:
    """Rebuild OpenAI messages (system first, one ``tool`` message per tool result)."""
    messages: list[ChatMessage] = []
    system_text = system if isinstance(system, str) else _joined_text(system or [])
    if system_text:
        messages.append(ChatMessage(role="system", content=system_text))
    for turn in turns:
        content = turn["content"]
        blocks = [{"type": "text", "text": content}] if isinstance(content, str) else content
        if turn["role"] == "assistant":
            messages.append(_assistant_from_blocks(blocks))
        else:
            messages.extend(_user_from_blocks(blocks))
    return messages


def _assistant_from_blocks(blocks: list[Block]) -> ChatMessage:
    calls = [
        ToolCall(
            id=b["id"], function=FunctionCall(name=b["name"], arguments=json.dumps(b["input"]))
        )
        for b in blocks
        if b["type"] == "tool_use"
    ]
    text = _joined_text(blocks)
    return ChatMessage(role="assistant", content=text or None, tool_calls=calls or None)


def _user_from_blocks(blocks: list[Block]) -> list[ChatMessage]:
    messages = [
        ChatMessage(role="tool", tool_call_id=b["tool_use_id"], content=_result_text(b))
        for b in blocks
        if b["type"] == "tool_result"
    ]
    rest = [b for b in blocks if b["type"] != "tool_result"]
    if rest and all(b["type"] == "text" for b in rest):
        messages.append(ChatMessage(role="user", content=_joined_text(rest)))
    elif rest:
        messages.append(ChatMessage(role="user", content=[_openai_part(b) for b in rest]))
    return messages


def _openai_part(block: Block) -> dict[str, Any]:
    if block["type"] == "text":
        return {"type": "text", "text": block["text"]}
    source = block["source"]
    url = (
        source["url"]
        if source["type"] == "url"
        else f"data:{source['media_type']};base64,{source['data']}"
    )
    return {"type": "image_url", "image_url": {"url": url}}


def _result_text(block: Block) -> str:
    content = block.get("content", "")
    return content if isinstance(content, str) else _joined_text(content)


def _joined_text(blocks: list[Block]) -> str:
    return "".join(b.get("text", "") for b in blocks if b.get("type") == "text")


# --- tools and tool choice --------------------------------------------------------------------


def tools_to_anthropic(tools: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """OpenAI function tools → Anthropic tools (``input_schema``)."""
    converted = []
    for tool in tools:
        fn = tool["function"]
        schema = fn.get("parameters") or {"type": "object", "properties": {}}
        converted.append(
            {"name": fn["name"], "description": fn.get("description", ""), "input_schema": schema}
        )
    return converted


def tools_from_anthropic(tools: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Anthropic tools → OpenAI function tools."""
    return [
        {
            "type": "function",
            "function": {
                "name": t["name"],
                "description": t.get("description", ""),
                "parameters": t["input_schema"],
            },
        }
        for t in tools
    ]


def tool_choice_to_anthropic(choice: str | dict[str, Any]) -> dict[str, Any]:
    """``auto``/``required``/``none`` or a named function → Anthropic ``tool_choice``."""
    if isinstance(choice, dict):
        return {"type": "tool", "name": choice["function"]["name"]}
    return {"type": {"auto": "auto", "required": "any", "none": "none"}[choice]}


def tool_choice_from_anthropic(choice: dict[str, Any]) -> str | dict[str, Any]:
    """Anthropic ``tool_choice`` → OpenAI ``tool_choice``."""
    if choice["type"] == "tool":
        return {"type": "function", "function": {"name": choice["name"]}}
    return {"auto": "auto", "any": "required", "none": "none"}[choice["type"]]


# --- responses --------------------------------------------------------------------------------


def response_from_anthropic(message: dict[str, Any]) -> ChatResponse:
    """An Anthropic Messages API response body → :class:`ChatResponse`."""
    usage = message.get("usage") or {}
    prompt = (
        usage.get("input_tokens", 0)
        + (usage.get("cache_creation_input_tokens") or 0)
        + (usage.get("cache_read_input_tokens") or 0)
    )
    return ChatResponse(
        id=message.get("id", ""),
        model=message.get("model", ""),
        message=_assistant_from_blocks(message.get("content", [])),
        finish_reason=STOP_TO_FINISH.get(message.get("stop_reason") or "end_turn", "stop"),
        usage=Usage.of(prompt, usage.get("output_tokens", 0)),
        provider="anthropic",
    )


def response_to_anthropic(response: ChatResponse) -> dict[str, Any]:
    """:class:`ChatResponse` → an Anthropic Messages API response body."""
    _, turns = messages_to_anthropic([response.message])
    return {
        "id": response.id,
        "type": "message",
        "role": "assistant",
        "model": response.model,
        "content": turns[0]["content"] if turns else [],
        "stop_reason": FINISH_TO_STOP.get(response.finish_reason or "stop", "end_turn"),
        "stop_sequence": None,
        "usage": {
            "input_tokens": response.usage.prompt_tokens,
            "output_tokens": response.usage.completion_tokens,
        },
    }
