"""The OpenAI and Anthropic clients driven through the official SDKs against the fakes."""

from __future__ import annotations

import json

import pytest

from kyra.context.llm import ChatMessage, ChatRequest, ChatResponse
from kyra.llm.clients.base import ClientConfig, StreamAccumulator
from kyra.llm.errors import ProviderError
from kyra.llm.factory import LLMClientFactory
from tests.fakes.anthropic import FakeAnthropic
from tests.fakes.openai import FakeOpenAI
from tests.fakes.server import FakeServer, Reply, ToolUse

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather for a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}


def _request(model: str, **extra: object) -> ChatRequest:
    messages = [
        ChatMessage(role="system", content="Be brief."),
        ChatMessage(role="user", content="Hello there"),
    ]
    return ChatRequest(model=model, messages=messages, max_tokens=100, **extra)


@pytest.fixture(params=["openai", "anthropic"])
def provider(
    request: pytest.FixtureRequest, fake_openai: FakeOpenAI, fake_anthropic: FakeAnthropic
) -> tuple[str, str, FakeServer]:
    """(provider kind, model key, fake) for each provider."""
    if request.param == "openai":
        return "openai", "gpt-4o-mini", fake_openai
    return "anthropic", "claude-3-5-haiku-20241022", fake_anthropic


def _client(kind: str, fake: FakeServer, max_retries: int = 2):  # type: ignore[no-untyped-def]
    base_url = fake.base_url  # type: ignore[attr-defined]
    return LLMClientFactory.create(
        ClientConfig(api_key="sk-test", base_url=base_url, max_retries=max_retries),
        provider_kind=kind,
    )


async def _collect(client, request: ChatRequest, kind: str) -> ChatResponse:  # type: ignore[no-untyped-def]
    acc = StreamAccumulator(request)
    async for chunk in client.stream(request):
        acc.add(chunk)
    return acc.response(kind)


async def test_plain_chat_returns_text_and_reported_usage(provider) -> None:  # type: ignore[no-untyped-def]
    kind, model, fake = provider
    fake.script(Reply(text="Hi!", usage=(21, 3)))
    client = _client(kind, fake)

    response = await client.chat(_request(model, temperature=0.2))

    assert response.text == "Hi!"
    assert response.finish_reason == "stop"
    assert (response.usage.prompt_tokens, response.usage.completion_tokens) == (21, 3)
    sent = fake.requests[0].body
    assert sent["model"] == model and sent["temperature"] == 0.2
    await client.aclose()


async def test_anthropic_receives_system_apart_and_openai_inline(
    fake_openai: FakeOpenAI, fake_anthropic: FakeAnthropic
) -> None:
    for kind, model, fake in (
        ("openai", "gpt-4o", fake_openai),
        ("anthropic", "claude-sonnet-4-20250514", fake_anthropic),
    ):
        await _client(kind, fake).chat(_request(model))
    openai_body = fake_openai.requests[0].body
    anthropic_body = fake_anthropic.requests[0].body
    assert openai_body["messages"][0] == {"role": "system", "content": "Be brief."}
    assert openai_body["max_completion_tokens"] == 100
    assert anthropic_body["system"] == "Be brief."
    assert anthropic_body["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "Hello there"}]}
    ]
    assert anthropic_body["max_tokens"] == 100


async def test_tool_calls_come_back_in_the_openai_shape(provider) -> None:  # type: ignore[no-untyped-def]
    kind, model, fake = provider
    fake.script(Reply(text="", tool_calls=[ToolUse("get_weather", {"city": "Oslo"}, id="call_1")]))

    response = await _client(kind, fake).chat(_request(model, tools=[WEATHER_TOOL]))

    assert response.finish_reason == "tool_calls"
    [call] = response.message.tool_calls or []
    assert (call.id, call.function.name) == ("call_1", "get_weather")
    assert call.function.parsed_arguments() == {"city": "Oslo"}


async def test_tool_results_reach_anthropic_as_tool_result_blocks(
    fake_anthropic: FakeAnthropic,
) -> None:
    tool_call = {
        "id": "toolu_1",
        "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'},
    }
    messages = [
        ChatMessage(role="user", content="Weather in Oslo?"),
        ChatMessage(role="assistant", content=None, tool_calls=[tool_call]),  # type: ignore[list-item]
        ChatMessage(role="tool", tool_call_id="toolu_1", content="-3 C"),
    ]
    request = ChatRequest(
        model="claude-3-5-haiku-20241022", messages=messages, tools=[WEATHER_TOOL]
    )

    await _client("anthropic", fake_anthropic).chat(request)

    body = fake_anthropic.requests[0].body
    assert body["tools"][0]["input_schema"]["properties"] == {"city": {"type": "string"}}
    assert body["messages"][1]["content"] == [
        {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Oslo"}}
    ]
    assert body["messages"][2]["content"] == [
        {"type": "tool_result", "tool_use_id": "toolu_1", "content": "-3 C"}
    ]


async def test_streaming_folds_text_tool_calls_and_usage(provider) -> None:  # type: ignore[no-untyped-def]
    kind, model, fake = provider
    fake.script(
        Reply(
            text="Checking the weather now.",
            tool_calls=[ToolUse("get_weather", {"city": "Lima"}, id="c9")],
            usage=(40, 12),
        )
    )
    client = _client(kind, fake)

    response = await _collect(client, _request(model, tools=[WEATHER_TOOL]), kind)

    assert response.text == "Checking the weather now."
    assert response.message.tool_calls and response.message.tool_calls[0].id == "c9"
    assert response.message.tool_calls[0].function.parsed_arguments() == {"city": "Lima"}
    assert response.finish_reason == "tool_calls"
    assert (response.usage.prompt_tokens, response.usage.completion_tokens) == (40, 12)
    assert not response.usage.estimated


async def test_a_stream_without_usage_is_counted_locally(fake_openai: FakeOpenAI) -> None:
    fake_openai.script(Reply(text="x" * 40, stream_usage=False))

    response = await _collect(_client("openai", fake_openai), _request("gpt-4o"), "openai")

    assert fake_openai.requests[0].body["stream_options"] == {"include_usage": True}
    assert response.usage.estimated
    assert response.usage.completion_tokens == 10  # 40 characters at 4 per token
    assert response.usage.prompt_tokens > 0


async def test_rate_limits_are_retried_after_the_servers_delay(provider) -> None:  # type: ignore[no-untyped-def]
    kind, model, fake = provider
    fake.script(
        Reply(status=429, error_type="rate_limit_error", headers={"retry-after": "0.05"}),
        Reply(status=500, headers={"retry-after-ms": "20"}),
        Reply(text="finally"),
    )

    response = await _client(kind, fake, max_retries=2).chat(_request(model))

    assert response.text == "finally"
    assert [r.headers.get("x-stainless-retry-count") for r in fake.requests] == ["0", "1", "2"]


async def test_errors_after_the_last_retry_surface_as_provider_errors(provider) -> None:  # type: ignore[no-untyped-def]
    kind, model, fake = provider
    fake.script(*[Reply(status=503, headers={"retry-after-ms": "5"})] * 2)

    with pytest.raises(ProviderError) as caught:
        await _client(kind, fake, max_retries=1).chat(_request(model))

    assert caught.value.status == 503 and caught.value.retryable
    assert len(fake.requests) == 2


async def test_bad_requests_are_not_retried(provider) -> None:  # type: ignore[no-untyped-def]
    kind, model, fake = provider
    fake.script(Reply(status=400, error_type="invalid_request_error"))

    with pytest.raises(ProviderError) as caught:
        await _client(kind, fake).chat(_request(model))

    assert caught.value.status == 400 and not caught.value.retryable
    assert len(fake.requests) == 1


async def test_json_schema_output_comes_back_as_json_text(provider) -> None:  # type: ignore[no-untyped-def]
    kind, model, fake = provider
    schema = {"type": "object", "properties": {"answer": {"type": "integer"}}}
    if kind == "openai":
        fake.script(Reply(text='{"answer": 42}'))
    else:
        fake.script(Reply(text="", tool_calls=[ToolUse("json_output", {"answer": 42})]))
    fmt = {"type": "json_schema", "json_schema": {"name": "result", "schema": schema}}

    response = await _client(kind, fake).chat(_request(model, response_format=fmt))

    assert response.json_output() == {"answer": 42}
    assert response.finish_reason == "stop" and not response.message.tool_calls
    body = fake.requests[0].body
    if kind == "openai":
        assert body["response_format"]["json_schema"]["schema"] == schema
    else:
        assert body["tool_choice"] == {"type": "tool", "name": "json_output"}
        assert json.dumps(body["tools"][0]["input_schema"]) == json.dumps(schema)
