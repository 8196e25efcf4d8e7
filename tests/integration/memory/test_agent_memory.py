"""Agents with memory against the fake LLM: sessions continue conversations (across worker
processes too), episodes are stored and recalled, core facts reach the system prompt."""

from __future__ import annotations

import json
import uuid
from typing import Any

from kyra.agents.service import run_agent
from kyra.db.queries import agents as agent_queries
from tests.conftest import start_worker, stop_process_group
from tests.fakes.openai import FakeOpenAI
from tests.fakes.server import Reply
from tests.integration.agents.conftest import User
from tests.integration.memory.conftest import FAKE_EMBEDDING
from tests.integration.test_durability import on_queue

MEMORY = {"long_backend": "postgres", "embedding": FAKE_EMBEDDING}


def _chats(fake: FakeOpenAI) -> list[Any]:
    return [r for r in fake.requests if r.path == "/v1/chat/completions"]


async def test_a_second_run_in_a_session_sees_the_first_and_recalls_its_episode(
    memory_user: User, fake_openai: FakeOpenAI
) -> None:
    agent = await memory_user.agent(
        "barista", memory_schema={**MEMORY, "short_backend": "postgres"}
    )
    fake_openai.script(Reply(text="Noted: green tea, no sugar."), Reply(text="Green tea."))

    first = await memory_user.run(agent, "I only drink green tea, no sugar.", mode="tracked",
                                  session_id="chat-42")  # fmt: skip
    second = await memory_user.run(agent, "What should you bring me?", mode="tracked",
                                   session_id="chat-42", temperature=0.1)  # fmt: skip

    assert (first["status"], second["status"]) == ("succeeded", "succeeded")
    request = _chats(fake_openai)[1].body
    messages = [(m["role"], m.get("content")) for m in request["messages"]]
    assert messages[1:] == [
        ("user", "I only drink green tea, no sugar."),
        ("assistant", "Noted: green tea, no sugar."),
        ("user", "What should you bring me?"),
    ]
    system = request["messages"][0]["content"]
    assert system.startswith("You are barista.") and "Memories that may be relevant" in system
    assert "Goal: I only drink green tea, no sugar." in system
    assert request["temperature"] == 0.1
    trace = await memory_user.get(f"/api/runs/{second['run_id']}/trace")
    kinds = [c["kind"] for c in trace["tree"][1]["children"]]
    assert kinds == ["memory", "llm_call"]


async def test_without_a_session_runs_do_not_share_messages(
    memory_user: User, fake_openai: FakeOpenAI
) -> None:
    agent = await memory_user.agent("stranger", memory_schema={"short_backend": "buffer"})

    await memory_user.run(agent, "Remember the number 7.", mode="direct")
    await memory_user.run(agent, "Which number?", mode="direct")

    second = _chats(fake_openai)[1].body["messages"]
    assert [m["role"] for m in second] == ["system", "user"]


async def test_two_worker_processes_continue_one_session(
    memory_user: User, fake_openai: FakeOpenAI, services: Any, other_owner: Any
) -> None:
    agent = await memory_user.agent("relay", memory_schema={"short_backend": "redis"})
    async with services.session_factory() as session:
        row = await agent_queries.get_agent(session, owner_id=other_owner.id, ref=agent["id"])
    fake_openai.script(Reply(text="First answer."), Reply(text="Second answer."))
    statuses = []
    for goal in ("Start a story.", "Go on."):
        queue = f"memory-{uuid.uuid4().hex[:8]}"  # only this new worker process listens on it
        worker = start_worker(processes=1, threads=2, env={"KYRA_QUEUE_NAME": queue})
        try:
            async with services.session_factory() as session:
                started = await run_agent(
                    on_queue(services, queue), session, row, goal=goal, mode="queue",
                    budget_usd=None, session_id="story",
                )  # fmt: skip
            statuses.append((await memory_user.final(str(started.run.id)))["status"])
        finally:
            stop_process_group(worker)

    assert statuses == ["succeeded", "succeeded"]
    second = _chats(fake_openai)[1].body["messages"]
    assert [(m["role"], m.get("content")) for m in second[1:]] == [
        ("user", "Start a story."), ("assistant", "First answer."), ("user", "Go on."),
    ]  # fmt: skip


async def test_a_replay_is_given_the_memories_the_original_run_recalled(
    memory_user: User, fake_openai: FakeOpenAI
) -> None:
    agent = await memory_user.agent("witness", memory_schema=MEMORY)
    memories = f"/api/agents/{agent['id']}/memories"
    await memory_user.post(memories, {"content": "The meeting moved to room 4."}, expect=201)
    fake_openai.script(Reply(text="Room 4."))
    original = await memory_user.run(agent, "Where is the meeting?", mode="tracked")
    await memory_user.post(memories, {"content": "The meeting is in room 9 now."}, expect=201)
    sent = len(_chats(fake_openai))

    replayed = await memory_user.post(f"/api/runs/{original['run_id']}/replay", expect=200)

    assert replayed["status"] == "succeeded" and replayed["replay"]["diverged"] is False
    assert len(_chats(fake_openai)) == sent
    trace = await memory_user.get(f"/api/runs/{replayed['id']}/trace")
    recall = trace["tree"][1]["children"][0]
    assert recall["kind"] == "memory"
    assert "room 4" in json.dumps(recall) and "room 9" not in json.dumps(recall)
    episodes = await memory_user.get(f"{memories}?kind=episodic")
    assert len(episodes) == 1  # the replay stored no episode of its own


async def test_the_agent_node_takes_a_templated_session_id(
    memory_user: User, fake_openai: FakeOpenAI
) -> None:
    await memory_user.agent("bot", memory_schema={"short_backend": "redis"})
    document = {
        "schema": "kyra.graph/1", "name": "chat bot",
        "nodes": [
            {"id": "start", "type": "Manual.trigger", "position": {"x": 0, "y": 0}},
            {"id": "agent", "type": "AI.agent", "position": {"x": 240, "y": 0},
             "params": {"agent": "bot", "goal": "{{ trigger.text }}",
                        "session_id": "chat-{{ trigger.chat_id }}"}},
        ],
        "edges": [{"source": "start", "sourcePort": "out", "target": "agent", "targetPort": "in"}],
    }  # fmt: skip
    graph = await memory_user.post("/api/graphs", document, expect=201)
    fake_openai.script(Reply(text="Hi!"), Reply(text="Bye!"), Reply(text="Who are you?"))
    runs = f"/api/graphs/{graph['id']}/runs"

    for chat_id, text in ((7, "Hello"), (7, "Goodbye"), (8, "Hello")):
        run = await memory_user.post(
            runs, {"mode": "sync", "inputs": {"chat_id": chat_id, "text": text}}, expect=200
        )
        assert run["status"] == "succeeded", run

    chats = [[m.get("content") for m in c.body["messages"][1:]] for c in _chats(fake_openai)]
    assert chats == [["Hello"], ["Hello", "Hi!", "Goodbye"], ["Hello"]]
    sessions = await memory_user.get("/api/agents/bot/sessions")
    assert sorted(s["session_id"] for s in sessions) == ["chat-7", "chat-8"]
