"""The agent loop against the fake OpenAI server: tools, parallel calls, recovery, limits."""

from __future__ import annotations

import json

from tests.fakes.openai import FakeOpenAI
from tests.fakes.server import Reply, ToolUse
from tests.integration.agents.conftest import User


def _tool_names(request_body: dict) -> list[str]:
    return sorted(t["function"]["name"] for t in request_body.get("tools") or [])


async def test_an_agent_calls_a_tool_and_answers_with_its_result(
    user: User, fake_openai: FakeOpenAI
) -> None:
    agent = await user.agent("planner", tools=["Core.think"])
    fake_openai.script(
        Reply(text="", tool_calls=[ToolUse("Core__think", {"thought": "2+2 is 4"}, id="c1")],
              usage=(100, 20)),
        Reply(text="The answer is 4.", usage=(150, 10)),
    )  # fmt: skip

    answer = await user.run(agent, "What is 2+2?")

    assert answer["status"] == "succeeded", answer
    assert answer["answer"] == "The answer is 4."
    assert [s["kind"] for s in answer["steps"]] == ["llm_call", "tool_call", "llm_call"]
    think = answer["steps"][1]
    assert think["node_type"] == "Core.think"
    assert think["output"]["ports"] == {"out": {"thought": "2+2 is 4"}}
    # 250 input tokens at 0.001/1k + 30 output tokens at 0.002/1k
    assert answer["cost_usd"] == 0.00031
    assert answer["steps"][0]["cost_usd"] == 0.00014
    first, second = (r.body for r in fake_openai.requests)
    assert _tool_names(first) == ["Core__think"]
    assert first["messages"][0] == {"role": "system", "content": "You are planner."}
    tool_message = second["messages"][-1]
    assert tool_message["role"] == "tool" and tool_message["tool_call_id"] == "c1"
    assert json.loads(tool_message["content"]) == {"thought": "2+2 is 4"}


async def test_parallel_tool_calls_all_run_and_all_results_go_back(
    user: User, fake_openai: FakeOpenAI
) -> None:
    agent = await user.agent("parallel", tools=["Core.think"])
    calls = [ToolUse("Core__think", {"thought": f"idea {i}"}, id=f"c{i}") for i in range(3)]
    fake_openai.script(Reply(text="", tool_calls=calls), Reply(text="done"))

    answer = await user.run(agent, "Brainstorm")

    assert answer["answer"] == "done"
    tools = [s for s in answer["steps"] if s["kind"] == "tool_call"]
    assert [t["step_key"] for t in tools] == ["1.tool.0", "1.tool.1", "1.tool.2"]
    replies = [m for m in fake_openai.requests[1].body["messages"] if m["role"] == "tool"]
    assert [m["tool_call_id"] for m in replies] == ["c0", "c1", "c2"]
    assert [json.loads(m["content"])["thought"] for m in replies] == ["idea 0", "idea 1", "idea 2"]


async def test_bad_tool_arguments_go_back_to_the_model_which_recovers(
    user: User, fake_openai: FakeOpenAI
) -> None:
    agent = await user.agent("clumsy", tools=["Core.think"])
    fake_openai.script(
        Reply(text="", tool_calls=[ToolUse("Core__think", {"idea": "oops"}, id="bad")]),
        Reply(text="", tool_calls=[ToolUse("Core__think", {"thought": "fixed"}, id="good")]),
        Reply(text="recovered"),
    )

    answer = await user.run(agent, "Think")

    assert answer["answer"] == "recovered"
    failed = answer["steps"][1]
    assert failed["status"] == "failed" and failed["error"]["type"] == "ParamsInvalidError"
    feedback = json.loads(fake_openai.requests[1].body["messages"][-1]["content"])
    assert feedback["error"] == "ParamsInvalidError"
    assert {e["field"] for e in feedback["errors"]} == {"thought", "idea"}
    assert answer["steps"][3]["status"] == "succeeded"


async def test_an_unknown_tool_is_reported_to_the_model(
    user: User, fake_openai: FakeOpenAI
) -> None:
    agent = await user.agent("dreamer", tools=["Core.think"])
    fake_openai.script(
        Reply(text="", tool_calls=[ToolUse("Gmail__send_messages", {"to": "x"}, id="u")]),
        Reply(text="I cannot send mail."),
    )

    answer = await user.run(agent, "Mail Bob")

    assert answer["answer"] == "I cannot send mail."
    feedback = json.loads(fake_openai.requests[1].body["messages"][-1]["content"])
    assert feedback["error"] == "UnknownToolError"
    assert feedback["available"] == ["Core__think"]


async def test_a_never_ending_loop_stops_at_max_iterations_and_fails_clearly(
    user: User, fake_openai: FakeOpenAI
) -> None:
    agent = await user.agent("looper", tools=["Core.think"], max_iterations=3)
    fake_openai.script(
        *[Reply(text="", tool_calls=[ToolUse("Core__think", {"thought": "again"})])] * 5
    )

    answer = await user.run(agent, "Loop", mode="tracked")

    assert answer["status"] == "failed"
    assert answer["error"]["type"] == "MaxIterationsError"
    assert "3 iterations" in answer["error"]["message"]
    assert len(fake_openai.requests) == 3
    runs = await user.get(f"/api/agents/{agent['id']}/runs")
    assert runs[0]["status"] == "failed" and "3 iterations" in runs[0]["error"]


async def test_an_agent_can_return_its_best_answer_at_max_iterations(
    user: User, fake_openai: FakeOpenAI
) -> None:
    settings = {"on_max_iterations": "best_answer"}
    agent = await user.agent("settler", tools=["Core.think"], max_iterations=2, settings=settings)
    fake_openai.script(
        *[Reply(text="Probably 42.", tool_calls=[ToolUse("Core__think", {"thought": "hm"})])] * 2
    )

    answer = await user.run(agent, "Meaning of life?")

    assert answer["status"] == "succeeded"
    assert (answer["answer"], answer["finished"], answer["iterations"]) == (
        "Probably 42.",
        False,
        2,
    )


async def test_reflect_as_a_tool_revises_an_answer_and_its_model_call_is_costed_on_the_step(
    user: User, fake_openai: FakeOpenAI
) -> None:
    agent = await user.agent("self-critic", tools=["Core.reflect"])
    draft = {"answer": "Paris is in Spain.", "goal": "Where is Paris?"}
    fake_openai.script(
        Reply(text="", tool_calls=[ToolUse("Core__reflect", draft)], usage=(100, 10)),
        Reply(text='{"critique": "Wrong country.", "revised": "Paris is in France."}',
              usage=(60, 20)),
        Reply(text="Paris is in France.", usage=(200, 5)),
    )  # fmt: skip

    answer = await user.run(agent, "Where is Paris?")

    assert answer["answer"] == "Paris is in France."
    reflect = answer["steps"][1]
    assert reflect["output"]["ports"]["out"] == {
        "critique": "Wrong country.", "revised": "Paris is in France.", "changed": True,
    }  # fmt: skip
    assert reflect["cost_usd"] == 0.0001  # 60 * 0.001/1k + 20 * 0.002/1k
    assert answer["cost_usd"] == 0.00043  # 0.00012 + 0.0001 + 0.00021
    assert fake_openai.requests[1].body["response_format"] == {"type": "json_object"}
