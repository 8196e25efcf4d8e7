"""OpenAI ⇄ Anthropic conversion: messages, tools, tool choice and responses, both ways."""

from __future__ import annotations

import json

import pytest

from kyra.context.llm import ChatMessage, ChatResponse, FunctionCall, ToolCall, Usage
from kyra.llm import convert


def _call(call_id: str, name: str, args: dict[str, object]) -> ToolCall:
    return ToolCall(id=call_id, function=FunctionCall(name=name, arguments=json.dumps(args)))


CONVERSATION = [
    ChatMessage(role="system", content="You are terse."),
    ChatMessage(role="user", content="Weather in Oslo and Lima?"),
    ChatMessage(
        role="assistant",
        content="Let me check.",
        tool_calls=[
            _call("t1", "get_weather", {"city": "Oslo"}),
            _call("t2", "get_weather", {"city": "Lima"}),
        ],
    ),
    ChatMessage(role="tool", tool_call_id="t1", content="-3 C"),
    ChatMessage(role="tool", tool_call_id="t2", content="24 C"),
    ChatMessage(role="assistant", content="Oslo -3 C, Lima 24 C."),
    ChatMessage(role="user", content="Thanks"),
]


def test_a_conversation_survives_the_round_trip_through_anthropic() -> None:
    system, turns = convert.messages_to_anthropic(CONVERSATION)

    assert convert.messages_from_anthropic(system, turns) == CONVERSATION


def test_tool_results_become_one_user_turn_of_tool_result_blocks() -> None:
    system, turns = convert.messages_to_anthropic(CONVERSATION)

    assert system == "You are terse."
    assert [t["role"] for t in turns] == ["user", "assistant", "user", "assistant", "user"]
    assert turns[1]["content"][1] == {
        "type": "tool_use",
        "id": "t1",
        "name": "get_weather",
        "input": {"city": "Oslo"},
    }
    assert turns[2]["content"] == [
        {"type": "tool_result", "tool_use_id": "t1", "content": "-3 C"},
        {"type": "tool_result", "tool_use_id": "t2", "content": "24 C"},
    ]


def test_images_convert_to_base64_and_url_sources_and_back() -> None:
    parts = [
        {"type": "text", "text": "What is this?"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.jpg"}},
    ]
    message = ChatMessage(role="user", content=parts)

    _, turns = convert.messages_to_anthropic([message])

    assert turns[0]["content"][1]["source"] == {
        "type": "base64",
        "media_type": "image/png",
        "data": "iVBORw0KGgo=",
    }
    assert turns[0]["content"][2]["source"] == {"type": "url", "url": "https://example.com/cat.jpg"}
    assert convert.messages_from_anthropic(None, turns) == [message]


def test_consecutive_system_messages_are_joined() -> None:
    system, turns = convert.messages_to_anthropic(
        [
            ChatMessage(role="system", content="A."),
            ChatMessage(role="system", content="B."),
            ChatMessage(role="user", content="hi"),
        ]
    )

    assert system == "A.\n\nB."
    assert len(turns) == 1


def test_tools_round_trip() -> None:
    tools = [
        {
            "type": "function",
            "function": {
                "name": "search",
                "description": "Search the web.",
                "parameters": {"type": "object", "properties": {"q": {"type": "string"}}},
            },
        }
    ]

    anthropic_tools = convert.tools_to_anthropic(tools)

    assert anthropic_tools == [
        {
            "name": "search",
            "description": "Search the web.",
            "input_schema": {"type": "object", "properties": {"q": {"type": "string"}}},
        }
    ]
    assert convert.tools_from_anthropic(anthropic_tools) == tools


@pytest.mark.parametrize(
    ("openai_choice", "anthropic_choice"),
    [
        ("auto", {"type": "auto"}),
        ("required", {"type": "any"}),
        ("none", {"type": "none"}),
        ({"type": "function", "function": {"name": "search"}}, {"type": "tool", "name": "search"}),
    ],
)
def test_tool_choice_round_trip(openai_choice: object, anthropic_choice: dict[str, object]) -> None:
    assert convert.tool_choice_to_anthropic(openai_choice) == anthropic_choice  # type: ignore[arg-type]
    assert convert.tool_choice_from_anthropic(anthropic_choice) == openai_choice


def test_an_anthropic_response_reads_as_an_openai_response_and_back() -> None:
    body = {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-20250514",
        "content": [
            {"type": "text", "text": "Looking."},
            {"type": "tool_use", "id": "toolu_9", "name": "search", "input": {"q": "kyra"}},
        ],
        "stop_reason": "tool_use",
        "stop_sequence": None,
        "usage": {"input_tokens": 120, "output_tokens": 30},
    }

    response = convert.response_from_anthropic(body)

    assert response.finish_reason == "tool_calls"
    assert response.text == "Looking."
    assert response.usage == Usage.of(120, 30)
    assert response.message.tool_calls == [_call("toolu_9", "search", {"q": "kyra"})]
    assert convert.response_to_anthropic(response) == body


def test_cache_tokens_count_as_prompt_tokens() -> None:
    body = {
        "content": [{"type": "text", "text": "ok"}],
        "stop_reason": "max_tokens",
        "usage": {
            "input_tokens": 10,
            "cache_creation_input_tokens": 100,
            "cache_read_input_tokens": 1000,
            "output_tokens": 5,
        },
    }

    response = convert.response_from_anthropic(body)

    assert response.usage.prompt_tokens == 1110
    assert response.finish_reason == "length"


def test_json_output_tolerates_code_fences() -> None:
    message = ChatMessage(role="assistant", content='```json\n{"a": 1}\n```')

    assert ChatResponse(model="m", message=message).json_output() == {"a": 1}
    assert (
        ChatResponse(model="m", message=ChatMessage(role="assistant", content="no")).json_output()
        is None
    )
