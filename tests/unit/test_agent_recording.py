"""Recordings of agent steps: served while the agent asks the same, divergence named precisely."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from kyra.agents.recording import Recording, request_record
from kyra.agents.trace import build_trace, trace_totals
from kyra.context.llm import ChatMessage, ChatRequest, ChatResponse
from kyra.db.models import NodeRun
from kyra.errors import ReplayDivergedError


def _request(text: str) -> ChatRequest:
    return ChatRequest(messages=[ChatMessage(role="system", content="Be brief."),
                                 ChatMessage(role="user", content=text)])  # fmt: skip


def _llm_step(key: str, request: ChatRequest, answer: str, status: str = "succeeded") -> NodeRun:
    response = ChatResponse(
        model="gpt-4o-mini", message=ChatMessage(role="assistant", content=answer)
    )
    return NodeRun(run_id=uuid.uuid4(), node_id=f"a#1:{key}", node_type="gpt-4o-mini",
                   kind="llm_call", step_key=key, status=status,
                   inputs={"request": request_record(request)},
                   output={"response": response.model_dump(mode="json")})  # fmt: skip


def test_a_recording_serves_the_reply_to_the_same_request() -> None:
    recording = Recording([_llm_step("1.llm", _request("hi"), "hello")], strict=True)

    reply = recording.llm("1.llm", _request("hi"))

    assert reply is not None and reply.text == "hello"


def test_replay_names_the_step_and_the_first_difference() -> None:
    recording = Recording([_llm_step("1.llm", _request("hi"), "hello")], strict=True,
                          where="node agent")  # fmt: skip

    with pytest.raises(ReplayDivergedError) as caught:
        recording.llm("1.llm", _request("bye"))

    assert caught.value.details["step_key"] == "1.llm"
    assert caught.value.details["difference"] == (
        '.request.messages[1].content: recorded "hi", now "bye"'
    )
    assert str(caught.value).startswith("replay diverged at node agent step 1.llm")


def test_a_resumed_agent_goes_live_after_the_first_difference() -> None:
    steps = [_llm_step("1.llm", _request("hi"), "one"), _llm_step("2.llm", _request("x"), "two")]
    recording = Recording(steps, strict=False)

    assert recording.llm("1.llm", _request("changed")) is None
    assert recording.live
    assert recording.llm("2.llm", _request("x")) is None  # nothing is served once live


def test_a_failed_recorded_call_is_not_served() -> None:
    recording = Recording([_llm_step("1.llm", _request("hi"), "", status="failed")], strict=False)

    assert recording.llm("1.llm", _request("hi")) is None


def _row(node_id: str, kind: str = "node", parent: NodeRun | None = None, sequence: int = 0,
         cost: str = "0", tokens: tuple[int, int] = (0, 0)) -> NodeRun:  # fmt: skip
    return NodeRun(
        run_id=uuid.uuid4(), node_id=node_id, node_type="x", kind=kind,
        parent_node_run_id=parent.id if parent else None, sequence=sequence,
        cost_usd=Decimal(cost), input_tokens=tokens[0], output_tokens=tokens[1],
    )  # fmt: skip


def test_the_trace_nests_steps_under_their_parents_and_sums_calls() -> None:
    agent = _row("agent")
    sub = _row("agent#1:1.tool.0", "agent", agent, 2)
    rows = [
        _row("agent#1:1.tool.0/1.llm", "llm_call", sub, 3, "0.002", (100, 10)),
        sub,
        _row("agent#1:1.llm", "llm_call", agent, 1, "0.001", (50, 5)),
        agent,
    ]

    tree = build_trace(rows)

    (root,) = tree
    assert [c["node_id"] for c in root["children"]] == ["agent#1:1.llm", "agent#1:1.tool.0"]
    assert root["children"][1]["children"][0]["node_id"] == "agent#1:1.tool.0/1.llm"
    totals = {"llm_calls": 2, "tool_calls": 0, "agents": 1, "input_tokens": 150,
              "output_tokens": 15, "cost_usd": 0.003}  # fmt: skip
    assert trace_totals(tree) == totals
